import type { FastifyInstance } from 'fastify';
import { jsonObject } from '../auth/body-fields.ts';
import { HttpError } from '../core/http-error.ts';
import type { Deps } from '../deps.ts';
import { emitConversationUpdated } from '../event-webhooks/pipeline-events.ts';
import { obj, routeDoc, str } from '../http/route-doc.ts';
import { findVisibleConversation } from './conversation-access.ts';
import { linkedRecordView } from './conversation-views.ts';

const tags = ['linked records'];
const MAX_ATTRIBUTES_BYTES = 16 * 1024;

/**
 * A conversation's link to a record in another system (a service request, an order): shown in
 * the list and detail, found back by GET /api/v1/records/:type/:id/conversations, read by the AI later.
 */
export async function linkRoutes(app: FastifyInstance, opts: { deps: Deps }): Promise<void> {
  const { deps } = opts;
  const db = deps.storage.db;
  const params = { id: str('conversation id') };

  app.put(
    '/api/v1/conversations/:id/link',
    routeDoc({
      summary: 'Link the conversation to an external record (replaces any previous link)',
      tags,
      params,
      body: obj(
        {
          type: str('record type, e.g. service_request (1 to 64 characters: letters, digits, . _ -)'),
          id: str('the record id in your system (1 to 200 characters)'),
          url: str('a link to the record', { nullable: true }),
          title: str('a short title', { nullable: true }),
          attributes: { type: 'object', additionalProperties: true, description: 'any JSON object, at most 16 KiB' },
        },
        ['type', 'id'],
      ),
    }),
    async (req) => {
      const { id } = req.params as { id: string };
      const b = jsonObject(req.body, ['type', 'id', 'url', 'title', 'attributes']);
      if (typeof b.type !== 'string' || !/^[\w.-]{1,64}$/.test(b.type)) throw invalid('invalid_type', 'type', '"type" must be 1 to 64 letters, digits, ".", "_" or "-".');
      if (typeof b.id !== 'string' || b.id.trim() === '' || b.id.length > 200) throw invalid('invalid_id', 'id', '"id" must be 1 to 200 characters.');
      if (b.url !== undefined && b.url !== null && (typeof b.url !== 'string' || !/^https?:\/\/\S+$/i.test(b.url) || b.url.length > 2048)) throw invalid('invalid_url', 'url', '"url" must be an http(s) URL.');
      if (b.title !== undefined && b.title !== null && (typeof b.title !== 'string' || b.title.length > 500)) throw invalid('invalid_title', 'title', '"title" must be at most 500 characters.');
      const attributes = b.attributes ?? {};
      if (typeof attributes !== 'object' || attributes === null || Array.isArray(attributes)) throw invalid('invalid_attributes', 'attributes', '"attributes" must be a JSON object.');
      const extra = JSON.stringify({ url: b.url ?? null, title: b.title ?? null, attributes });
      if (Buffer.byteLength(extra) > MAX_ATTRIBUTES_BYTES) throw invalid('attributes_too_large', 'attributes', `The link is over ${MAX_ATTRIBUTES_BYTES} bytes.`);
      await findVisibleConversation(db, req, id);
      const now = deps.clock.now();
      const type = b.type;
      const recordId = b.id;
      await db.transaction().execute(async (trx) => {
        await trx.updateTable('conversations').set({ linked_record_type: type, linked_record_id: recordId, linked_record: extra, updated_at: now }).where('id', '=', id).execute();
        await emitConversationUpdated(trx, deps.jobs, { conversationId: id, changes: ['linked_record'], now });
      });
      deps.jobs.wake();
      return { linked_record: linkedRecordView(await findVisibleConversation(db, req, id)) };
    },
  );

  app.delete('/api/v1/conversations/:id/link', routeDoc({ summary: 'Remove the link to an external record', tags, params, responses: { 204: 'unlinked' } }), async (req, reply) => {
    const { id } = req.params as { id: string };
    const c = await findVisibleConversation(db, req, id);
    if (c.linked_record_type !== null) {
      const now = deps.clock.now();
      await db.transaction().execute(async (trx) => {
        await trx.updateTable('conversations').set({ linked_record_type: null, linked_record_id: null, linked_record: null, updated_at: now }).where('id', '=', id).execute();
        await emitConversationUpdated(trx, deps.jobs, { conversationId: id, changes: ['linked_record'], now });
      });
      deps.jobs.wake();
    }
    return reply.status(204).send();
  });
}

function invalid(code: string, field: string, message: string): HttpError {
  return new HttpError(422, code, message, { field });
}
