import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { HttpError } from '../core/http-error.ts';
import type { Deps } from '../deps.ts';
import { emitConversationUpdated } from '../event-webhooks/pipeline-events.ts';
import { fieldError, NoContent, Nullable, routeSchema } from '../http/route-schema.ts';
import { findVisibleConversation } from './conversation-access.ts';
import { LinkedRecord, linkedRecordExample } from './conversation-schemas.ts';
import { linkedRecordView } from './conversation-views.ts';

const tags = ['linked records'];
const MAX_ATTRIBUTES_BYTES = 16 * 1024;

const params = Type.Object({ id: Type.String({ description: 'conversation id' }) });
const err = (code: string, message: string) => fieldError(code, 422, message);

/**
 * A conversation's link to a record in another system (a service request, an order): shown in
 * the list and detail, found back by GET /api/v1/records/:type/:id/conversations, read by the AI later.
 */
export async function linkRoutes(fastify: FastifyInstance, opts: { deps: Deps }): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { deps } = opts;
  const db = deps.storage.db;

  app.put(
    '/api/v1/conversations/:id/link',
    routeSchema({
      summary: 'Link the conversation to an external record (replaces any previous link)',
      tags,
      params,
      body: Type.Object(
        {
          type: Type.String({
            description: 'record type, e.g. service_request (1 to 64 characters: letters, digits, . _ -)',
            ...err('invalid_type', '"type" must be 1 to 64 letters, digits, ".", "_" or "-".'),
          }),
          id: Type.String({
            description: 'the record id in your system (1 to 200 characters)',
            ...err('invalid_id', '"id" must be 1 to 200 characters.'),
          }),
          url: Type.Optional(
            Nullable(
              Type.String({ description: 'a link to the record (http or https)' }),
              err('invalid_url', '"url" must be an http(s) URL.'),
            ),
          ),
          title: Type.Optional(
            Nullable(
              Type.String({ description: 'a short title (at most 500 characters)' }),
              err('invalid_title', '"title" must be at most 500 characters.'),
            ),
          ),
          attributes: Type.Optional(
            Nullable(
              Type.Record(Type.String(), Type.Unknown(), { description: 'any JSON object, at most 16 KiB' }),
              err('invalid_attributes', '"attributes" must be a JSON object.'),
            ),
          ),
        },
        { additionalProperties: false, examples: [linkedRecordExample] },
      ),
      response: { 200: Type.Object({ linked_record: Nullable(LinkedRecord) }, { examples: [{ linked_record: linkedRecordExample }] }) },
    }),
    async (req) => {
      const { id } = req.params;
      const b = req.body;
      if (typeof b.type !== 'string' || !/^[\w.-]{1,64}$/.test(b.type))
        throw invalid('invalid_type', 'type', '"type" must be 1 to 64 letters, digits, ".", "_" or "-".');
      if (typeof b.id !== 'string' || b.id.trim() === '' || b.id.length > 200)
        throw invalid('invalid_id', 'id', '"id" must be 1 to 200 characters.');
      if (b.url !== undefined && b.url !== null && (typeof b.url !== 'string' || !/^https?:\/\/\S+$/i.test(b.url) || b.url.length > 2048))
        throw invalid('invalid_url', 'url', '"url" must be an http(s) URL.');
      if (b.title !== undefined && b.title !== null && (typeof b.title !== 'string' || b.title.length > 500))
        throw invalid('invalid_title', 'title', '"title" must be at most 500 characters.');
      const attributes = b.attributes ?? {};
      const extra = JSON.stringify({ url: b.url ?? null, title: b.title ?? null, attributes });
      if (Buffer.byteLength(extra) > MAX_ATTRIBUTES_BYTES)
        throw invalid('attributes_too_large', 'attributes', `The link is over ${MAX_ATTRIBUTES_BYTES} bytes.`);
      await findVisibleConversation(db, req, id);
      const now = deps.clock.now();
      const type = b.type;
      const recordId = b.id;
      await db.transaction().execute(async (trx) => {
        await trx
          .updateTable('conversations')
          .set({ linked_record_type: type, linked_record_id: recordId, linked_record: extra, updated_at: now })
          .where('id', '=', id)
          .execute();
        await emitConversationUpdated(trx, deps.jobs, { conversationId: id, changes: ['linked_record'], now });
      });
      deps.jobs.wake();
      return { linked_record: linkedRecordView(await findVisibleConversation(db, req, id)) };
    },
  );

  app.delete(
    '/api/v1/conversations/:id/link',
    routeSchema({ summary: 'Remove the link to an external record', tags, params, response: { 204: NoContent } }),
    async (req, reply) => {
      const { id } = req.params;
      const c = await findVisibleConversation(db, req, id);
      if (c.linked_record_type !== null) {
        const now = deps.clock.now();
        await db.transaction().execute(async (trx) => {
          await trx
            .updateTable('conversations')
            .set({ linked_record_type: null, linked_record_id: null, linked_record: null, updated_at: now })
            .where('id', '=', id)
            .execute();
          await emitConversationUpdated(trx, deps.jobs, { conversationId: id, changes: ['linked_record'], now });
        });
        deps.jobs.wake();
      }
      return reply.status(204).send();
    },
  );
}

function invalid(code: string, field: string, message: string): HttpError {
  return new HttpError(422, code, message, { field });
}
