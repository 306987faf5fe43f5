import { Readable } from 'node:stream';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { principalOf } from '../auth/principal.ts';
import { HttpError } from '../core/http-error.ts';
import type { Deps } from '../deps.ts';
import { fieldError, routeSchema } from '../http/route-schema.ts';
import { newId } from '../core/ids.ts';
import { countAudience, parseSegment, type Segment as SegmentFilter } from './audience-candidates.ts';
import { getAudience, insertAudience, listAudiences, type AudienceRow } from './audience-store.ts';
import { broadcastHttpError } from './broadcast-http.ts';
import { getBroadcast } from './broadcast-store.ts';
import { actorOf } from './broadcast-routes.ts';
import { Audience, audienceExample, ImportReport, reportExample, Segment } from './broadcast-schemas.ts';
import { importAudienceCsv } from './import-audience-csv.ts';

const tags = ['broadcasts'];
/** A CSV upload's limit: 100,000 rows of a phone and a few variables fit several times over. */
export const MAX_CSV_BYTES = 64 * 1024 * 1024;

/**
 * /api/v1/audiences (admin): saved segments (counted now, frozen when a broadcast starts) and CSV
 * imports streamed through csv-parse, with their report of rejected rows.
 */
export async function audienceRoutes(fastify: FastifyInstance, opts: { deps: Deps }): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { deps } = opts;
  const db = deps.storage.db;
  // The CSV is read as it arrives (csv-parse), not buffered: the stream is the body.
  app.addContentTypeParser(['text/csv', 'application/csv'], (_req, payload, done) => done(null, payload));

  const view = async (a: AudienceRow) => {
    const segment = a.kind === 'segment' ? parseSegment(a.segment) : null;
    const columns: unknown = a.columns ? JSON.parse(a.columns) : null;
    return {
      id: a.id,
      name: a.name,
      kind: a.kind,
      segment,
      columns: Array.isArray(columns) ? columns.filter((c): c is string => typeof c === 'string') : null,
      default_country: a.default_country,
      ...(await countAudience(db, a)),
      rejected: Number(a.rejected_count),
      created_at: new Date(Number(a.created_at)).toISOString(),
    };
  };

  app.post(
    '/api/v1/audiences',
    routeSchema({
      summary: 'Save a segment: contacts filtered by tags, labels, attributes, opt-in state and last-seen dates',
      tags,
      body: Type.Object(
        { name: Type.String({ minLength: 1, maxLength: 200 }), segment: Segment },
        {
          additionalProperties: false,
          examples: [
            { name: 'VIP who wrote in June', segment: { tags: ['vip'], opted_in: true, last_seen_after: '2026-06-01T00:00:00Z' } },
          ],
        },
      ),
      response: { 201: Audience },
    }),
    async (req, reply) => {
      const now = deps.clock.now();
      const segment: SegmentFilter = req.body.segment;
      for (const f of ['last_seen_after', 'last_seen_before', 'last_conversation_after', 'last_conversation_before'] as const) {
        const v = segment[f];
        if (v !== undefined && Number.isNaN(Date.parse(v)))
          throw new HttpError(422, 'invalid_segment', `segment.${f} must be an ISO 8601 time.`, { field: `segment.${f}` });
      }
      const replied = segment.replied_to_broadcast;
      if (replied !== undefined && !(await getBroadcast(db, replied)))
        throw new HttpError(422, 'invalid_segment', `segment.replied_to_broadcast: no broadcast ${replied}.`, {
          field: 'segment.replied_to_broadcast',
        });
      const id = newId('aud', now);
      await insertAudience(db, {
        id,
        name: req.body.name,
        kind: 'segment',
        segment: JSON.stringify(segment),
        columns: null,
        default_country: null,
        report: null,
        created_by: actorOf(principalOf(req)),
        created_at: now,
      });
      const a = await getAudience(db, id);
      if (!a) throw new Error(`audience ${id} vanished`);
      return reply.status(201).send(await view(a));
    },
  );

  app.post(
    '/api/v1/audiences/import',
    routeSchema(
      {
        summary:
          'Import a CSV audience (Content-Type: text/csv): a phone (or bsuid, or Telegram telegram_chat_id / chat_id) column and one column per variable; bad rows reported by line, good rows imported',
        tags,
        querystring: Type.Object({
          name: Type.String({ minLength: 1, maxLength: 200 }),
          default_country: Type.Optional(Type.String({ description: 'ISO 3166 code for numbers without +country code, e.g. MX' })),
          phone_column: Type.Optional(Type.String({ description: 'default "phone"' })),
        }),
        response: {
          201: Type.Object(
            { audience: Audience, report: ImportReport },
            { examples: [{ audience: audienceExample, report: reportExample }] },
          ),
        },
      },
      { bodyLimit: MAX_CSV_BYTES },
    ),
    async (req, reply) => {
      if (!(req.body instanceof Readable))
        throw new HttpError(415, 'unsupported_media_type', 'Send the CSV file as the body with Content-Type: text/csv.');
      const imported = await importAudienceCsv(
        deps,
        {
          name: req.query.name,
          ...(req.query.default_country !== undefined ? { defaultCountry: req.query.default_country } : {}),
          ...(req.query.phone_column !== undefined ? { phoneColumn: req.query.phone_column } : {}),
          createdBy: actorOf(principalOf(req)),
          maxBytes: MAX_CSV_BYTES,
        },
        req.body,
      );
      if (!imported.ok) throw broadcastHttpError(imported);
      return reply.status(201).send({ audience: await view(imported.audience), report: imported.report });
    },
  );

  app.get(
    '/api/v1/audiences',
    routeSchema({
      summary: 'Audiences, newest first (segments counted now)',
      tags,
      querystring: Type.Object({
        limit: Type.Optional(
          Type.String({
            pattern: '^[1-9][0-9]{0,5}$',
            description: '1 to 200 (default 50)',
            ...fieldError('invalid_limit', 400, 'limit must be a whole number from 1 to 200.'),
          }),
        ),
      }),
      response: { 200: Type.Object({ data: Type.Array(Audience) }, { examples: [{ data: [audienceExample] }] }) },
    }),
    async (req) => ({ data: await Promise.all((await listAudiences(db, Math.min(200, Number(req.query.limit ?? 50)))).map(view)) }),
  );

  app.get(
    '/api/v1/audiences/:id',
    routeSchema({
      summary: 'An audience with its count and, for a CSV, its import report',
      tags,
      params: Type.Object({ id: Type.String({ description: 'audience id' }) }),
      response: {
        200: Type.Object(
          { ...Audience.properties, report: Type.Union([ImportReport, Type.Null()]) },
          { examples: [{ ...audienceExample, report: reportExample }] },
        ),
      },
    }),
    async (req) => {
      const a = await getAudience(db, req.params.id);
      if (!a) throw new HttpError(404, 'audience_not_found', `No audience ${req.params.id}.`);
      const report: unknown = a.report ? JSON.parse(a.report) : null;
      return { ...(await view(a)), report: isReport(report) ? report : null };
    },
  );
}

function isReport(v: unknown): v is {
  imported: number;
  rejected: number;
  by_reason: Record<string, number>;
  rejected_rows: Array<{ line: number; reason: string; message: string; value?: string }>;
} {
  return typeof v === 'object' && v !== null && 'imported' in v && 'rejected_rows' in v;
}
