import type { FastifyInstance } from 'fastify';
import { jsonObject } from '../auth/body-fields.ts';
import { principalOf } from '../auth/principal.ts';
import { visibleConversationFilter } from '../auth/visible-conversation-filter.ts';
import { HttpError } from '../core/http-error.ts';
import type { Deps } from '../deps.ts';
import { emitConversationUpdated } from '../event-webhooks/pipeline-events.ts';
import { obj, routeDoc, str } from '../http/route-doc.ts';
import { findVisibleConversation } from './conversation-access.ts';
import { labelsByConversation } from './conversation-list.ts';
import { attachLabel, deleteLabel, detachLabel, ensureLabel, findLabelByName, listLabels, type LabelRow } from './label-store.ts';

const tags = ['labels'];

/** Labels, and putting them on conversations (by name, so integrations need no id lookup). */
export async function labelRoutes(app: FastifyInstance, opts: { deps: Deps }): Promise<void> {
  const { deps } = opts;
  const db = deps.storage.db;

  app.get('/api/v1/labels', routeDoc({ summary: 'All labels with how many conversations carry each (counting only conversations the caller may see)', tags }), async (req) => {
    const rows = await listLabels(db, visibleConversationFilter(principalOf(req)));
    return { data: rows.map((l) => ({ ...labelView(l), conversations: Number(l.conversations) })) };
  });

  app.post(
    '/api/v1/labels',
    // Labels are shared by every conversation: managing them is for admins. Agents put labels
    // (existing or new) on conversations they may see, below.
    routeDoc(
      { summary: 'Create a label (admin)', tags, body: obj({ name: str('1 to 50 characters'), color: str('optional, e.g. #ff8800', { nullable: true }) }, ['name']), responses: { 201: 'the label' } },
      { config: { access: 'admin' } },
    ),
    async (req, reply) => {
      const b = jsonObject(req.body, ['name', 'color']);
      const name = labelName(b.name);
      if (b.color !== undefined && b.color !== null && (typeof b.color !== 'string' || !/^#[0-9a-f]{6}$/i.test(b.color))) {
        throw new HttpError(422, 'invalid_color', '"color" must look like #ff8800, or be null.', { field: 'color' });
      }
      const { label, created } = await ensureLabel(db, { name, color: typeof b.color === 'string' ? b.color : null, now: deps.clock.now() });
      if (!created) throw new HttpError(409, 'label_exists', `A label named "${name}" exists already.`, { id: label.id });
      return reply.status(201).send(labelView(label));
    },
  );

  app.delete(
    '/api/v1/labels/:id',
    routeDoc({ summary: 'Delete a label and remove it from every conversation (admin)', tags, params: { id: str('label id') }, responses: { 204: 'deleted' } }, { config: { access: 'admin' } }),
    async (req, reply) => {
      const { id } = req.params as { id: string };
      if (!(await db.transaction().execute((trx) => deleteLabel(trx, id)))) throw new HttpError(404, 'label_not_found', `No label ${id}.`);
      return reply.status(204).send();
    },
  );

  const params = { id: str('conversation id'), labelName: str('label name') };
  app.put(
    '/api/v1/conversations/:id/labels/:labelName',
    routeDoc({ summary: 'Put a label on a conversation (the label is created when new)', tags, params, responses: { 200: '{ labels }' } }),
    async (req) => {
      const { id, labelName: rawName } = req.params as { id: string; labelName: string };
      const name = labelName(rawName);
      await findVisibleConversation(db, req, id);
      const now = deps.clock.now();
      await db.transaction().execute(async (trx) => {
        const { label } = await ensureLabel(trx, { name, now });
        if (await attachLabel(trx, id, label.id, now)) await emitConversationUpdated(trx, deps.jobs, { conversationId: id, changes: ['labels'], now });
      });
      deps.jobs.wake();
      return { labels: (await labelsByConversation(db, [id])).get(id) ?? [] };
    },
  );

  app.delete('/api/v1/conversations/:id/labels/:labelName', routeDoc({ summary: 'Take a label off a conversation', tags, params, responses: { 200: '{ labels }' } }), async (req) => {
    const { id, labelName: rawName } = req.params as { id: string; labelName: string };
    await findVisibleConversation(db, req, id);
    const label = await findLabelByName(db, rawName.trim());
    const now = deps.clock.now();
    if (label) {
      await db.transaction().execute(async (trx) => {
        if (await detachLabel(trx, id, label.id)) await emitConversationUpdated(trx, deps.jobs, { conversationId: id, changes: ['labels'], now });
      });
      deps.jobs.wake();
    }
    return { labels: (await labelsByConversation(db, [id])).get(id) ?? [] };
  });
}

function labelName(value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '' || value.trim().length > 50) {
    throw new HttpError(422, 'invalid_label_name', 'A label name is 1 to 50 characters.', { field: 'name' });
  }
  return value.trim();
}

function labelView(l: LabelRow) {
  return { id: l.id, name: l.name, color: l.color, created_at: new Date(l.created_at).toISOString() };
}
