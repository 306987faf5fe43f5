import { Readable } from 'node:stream';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { stringify } from 'csv-stringify';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { principalOf } from '../auth/principal.ts';
import { HttpError } from '../core/http-error.ts';
import type { Deps } from '../deps.ts';
import { fieldError, routeSchema } from '../http/route-schema.ts';
import { templateHttpError } from '../templates/template-http.ts';
import { broadcastHttpError } from './broadcast-http.ts';
import { RECIPIENT_CSV_COLUMNS, recipientCsvRow, recipientPage, recipientsAfter, type RecipientFilter } from './broadcast-recipients.ts';
import { RecipientPage } from './broadcast-schemas.ts';
import { getBroadcast, RECIPIENT_STATUSES, type RecipientStatus } from './broadcast-store.ts';
import { testSendBroadcast } from './test-send-broadcast.ts';

const tags = ['broadcasts'];
const IdParams = Type.Object({ id: Type.String({ description: 'broadcast id' }) });
const STATUS_LIST = `^(${RECIPIENT_STATUSES.join('|')})(,(${RECIPIENT_STATUSES.join('|')}))*$`;

const csvExample = [
  RECIPIENT_CSV_COLUMNS.join(','),
  '1,+5215512345678,ct_01,delivered,,,msg_01,2026-07-01T10:05:00.000Z,0.0436',
  '2,+5215512345679,ct_02,failed,131026,Message undeliverable,msg_02,2026-07-01T10:05:00.000Z,0.0436',
].join('\n');

const TestSendBody = Type.Object(
  {
    phone: Type.Optional(
      Type.String({
        pattern: '^\\+[0-9 ()-]{6,24}$',
        description: 'a WhatsApp broadcast: the number to send the test to, E.164 (+ and the country code)',
        ...fieldError('invalid_phone', 422, 'phone must be in E.164 form with the country code, like +5215512345678.'),
      }),
    ),
    contact_id: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          'the contact to send the test to (either channel); a text broadcast on a Telegram bot needs it: a contact who wrote to that bot (a bot cannot write first)',
      }),
    ),
  },
  { additionalProperties: false, examples: [{ phone: '+5215512345678' }, { contact_id: 'ct_01JAB' }] },
);

const TestSendResult = Type.Object(
  {
    to: Type.String({ description: 'the phone (WhatsApp; or the BSUID of a contact known only by it), or the Telegram chat id' }),
    message_id: Type.String(),
    conversation_id: Type.String(),
    status: Type.String({ description: 'queued: it goes out like any other message' }),
    rendered: Type.String({ description: 'the text as the customer sees it' }),
    parameters_from: Type.Object({
      contact_id: Type.String(),
      address: Type.String(),
      line: Type.Union([Type.Integer(), Type.Null()], { description: 'its CSV line (null for a segment)' }),
    }),
  },
  {
    examples: [
      {
        to: '+5215512345678',
        message_id: 'msg_01JAC',
        conversation_id: 'cv_01JAC',
        status: 'queued',
        rendered: 'Hola Ana, tu pedido R-1 tiene un descuento este mes.',
        parameters_from: { contact_id: 'ct_01', address: '+5215512340001', line: 2 },
      },
      {
        to: '7104235522',
        message_id: 'msg_01JAD',
        conversation_id: 'cv_01JAD',
        status: 'queued',
        rendered: 'Hola Ana, tu pedido R-1 sale hoy.',
        parameters_from: { contact_id: 'ct_02', address: '7104235599', line: null },
      },
    ],
  },
);

/**
 * A broadcast's recipients (filtered, paged as JSON or exported whole as CSV, streamed) and its
 * test send to one number. Admin-only like the other broadcast routes (route-access.ts).
 */
export async function broadcastRecipientRoutes(fastify: FastifyInstance, opts: { deps: Deps }): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { deps } = opts;
  const db = deps.storage.db;

  app.get(
    '/api/v1/broadcasts/:id/recipients',
    routeSchema({
      summary:
        "A broadcast's recipients in send order with their funnel status; filtered by status and error code; JSON pages or the whole list as CSV",
      description:
        'CSV: `?format=csv` or `Accept: text/csv` gives every matching recipient (no paging; streamed, so 100,000 rows start at once) with the columns ' +
        `${RECIPIENT_CSV_COLUMNS.join(', ')}.`,
      tags,
      params: IdParams,
      querystring: Type.Object({
        status: Type.Optional(
          Type.String({
            pattern: STATUS_LIST,
            description: `one status or several, comma-separated: ${RECIPIENT_STATUSES.join(', ')}`,
            ...fieldError('invalid_status', 400, `status is one or more of ${RECIPIENT_STATUSES.join(', ')}, comma-separated.`),
          }),
        ),
        error_code: Type.Optional(
          Type.String({
            pattern: '^[A-Za-z0-9_.-]{1,40}$',
            description:
              "only recipients whose error code starts with this: Meta's code (131026, or 1310 for all 1310xx) or as stored (whatsapp_131026, send_unconfirmed)",
            ...fieldError('invalid_error_code', 400, 'error_code is a code like 131026 (letters, digits, _ . -).'),
          }),
        ),
        format: Type.Optional(
          Type.Union([Type.Literal('json'), Type.Literal('csv')], {
            description: 'json (default: one page) or csv (all, streamed)',
            ...fieldError('invalid_format', 400, 'format is json or csv.'),
          }),
        ),
        cursor: Type.Optional(Type.String({ pattern: '^[0-9]+$', description: 'next_cursor of the previous page' })),
        limit: Type.Optional(
          Type.String({
            pattern: '^[1-9][0-9]{0,5}$',
            description: '1 to 1000 (default 100)',
            ...fieldError('invalid_limit', 400, 'limit must be a whole number from 1 to 1000.'),
          }),
        ),
      }),
      response: {
        // The page's schema without its own examples: OpenAPI 3.0 allows none inside anyOf (they are given below).
        200: Type.Union(
          [
            Type.Object(RecipientPage.properties),
            Type.String({ description: 'format=csv or Accept: text/csv: text/csv, one row per recipient' }),
          ],
          {
            examples: [...((RecipientPage as { examples?: unknown[] }).examples ?? []), csvExample],
          },
        ),
      },
    }),
    async (req, reply) => {
      const b = await getBroadcast(db, req.params.id);
      if (!b) throw new HttpError(404, 'broadcast_not_found', `No broadcast ${req.params.id}.`);
      const q = req.query;
      const filter: RecipientFilter = {
        statuses: q.status ? (q.status.split(',') as RecipientStatus[]) : [],
        ...(q.error_code ? { errorCode: q.error_code } : {}),
      };
      const csv = q.format === 'csv' || (q.format === undefined && /\btext\/csv\b/.test(req.headers.accept ?? ''));
      if (!csv) return recipientPage(db, b.id, Number(q.cursor ?? 0), Math.min(1000, Number(q.limit ?? 100)), filter);
      // Streamed: rows are read from the database a thousand at a time as the client takes them.
      const rows = Readable.from(
        (async function* () {
          for await (const v of recipientsAfter(db, b.id, 0, filter)) yield recipientCsvRow(v);
        })(),
      );
      return (
        reply
          .header('content-type', 'text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="${b.id}-recipients.csv"`)
          // A stream is sent as it is (the type provider only knows the declared string).
          .send(rows.pipe(stringify({ header: true, columns: [...RECIPIENT_CSV_COLUMNS] })) as unknown as string)
      );
    },
  );

  app.post(
    '/api/v1/broadcasts/:id/test-send',
    routeSchema({
      summary:
        "Test send: the broadcast's template (or a bot's text), with its first recipient's parameters, to one number or contact (not counted as a recipient)",
      tags,
      params: IdParams,
      body: TestSendBody,
      response: { 202: TestSendResult },
    }),
    async (req, reply) => {
      const { phone, contact_id } = req.body;
      if ((phone === undefined) === (contact_id === undefined))
        throw new HttpError(422, 'recipient_required', 'Give one of phone (E.164) or contact_id: who gets the test.', {
          field: 'phone',
        });
      const r = await testSendBroadcast(
        deps,
        principalOf(req),
        req.params.id,
        phone !== undefined ? { phone } : { contactId: contact_id ?? '' },
      );
      if (!r.ok) {
        if (r.reason === 'broadcast_empty') throw new HttpError(422, r.reason, r.message);
        if (r.reason === 'contact_not_found') throw new HttpError(404, r.reason, r.message);
        throw broadcastHttpError(r);
      }
      if ('text' in r) return reply.status(202).send({ ...r.text, parameters_from: r.sample });
      if (!r.outcome.ok) throw templateHttpError(r.outcome);
      const sent = r.outcome.sent;
      return reply.status(202).send({
        to: r.to,
        message_id: sent.message.id,
        conversation_id: sent.message.conversation_id,
        status: sent.message.status,
        rendered: sent.rendered.text,
        parameters_from: r.sample,
      });
    },
  );
}
