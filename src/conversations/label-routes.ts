import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { principalOf } from '../auth/principal.ts';
import { visibleConversationFilter } from '../auth/visible-conversation-filter.ts';
import { HttpError } from '../core/http-error.ts';
import type { Deps } from '../deps.ts';
import { emitConversationUpdated } from '../event-webhooks/pipeline-events.ts';
import { fieldError, NoContent, Nullable, routeSchema, Timestamp } from '../http/route-schema.ts';
import { findVisibleConversation } from './conversation-access.ts';
import { labelsByConversation } from './conversation-list.ts';
import { attachLabel, deleteLabel, detachLabel, ensureLabel, findLabelByName, listLabels, type LabelRow } from './label-store.ts';

const tags = ['labels'];

const LabelNameSchema = Type.String({
  description: '1 to 50 characters',
  ...fieldError('invalid_label_name', 422, 'A label name is 1 to 50 characters.'),
});
const Label = Type.Object({
  id: Type.String(),
  name: Type.String(),
  color: Nullable(Type.String({ description: 'e.g. #ff8800' })),
  created_at: Timestamp(),
});
const labelExample = { id: 'lbl_01J9Z', name: 'vip', color: '#ff8800', created_at: '2026-05-01T10:00:00.000Z' };
const ConversationLabels = Type.Object(
  { labels: Type.Array(Type.String(), { description: "the conversation's label names" }) },
  { examples: [{ labels: ['vip', 'billing'] }] },
);
const LabelParams = Type.Object({ id: Type.String({ description: 'label id' }) });
const ConversationLabelParams = Type.Object({
  id: Type.String({ description: 'conversation id' }),
  labelName: Type.String({ description: 'label name' }),
});

/** Labels, and putting them on conversations (by name, so integrations need no id lookup). */
export async function labelRoutes(fastify: FastifyInstance, opts: { deps: Deps }): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { deps } = opts;
  const db = deps.storage.db;

  app.get(
    '/api/v1/labels',
    routeSchema({
      summary: 'All labels with how many conversations carry each (counting only conversations the caller may see)',
      tags,
      response: {
        200: Type.Object(
          {
            data: Type.Array(
              Type.Object({ ...Label.properties, conversations: Type.Integer({ description: 'visible conversations carrying it' }) }),
            ),
          },
          { examples: [{ data: [{ ...labelExample, conversations: 3 }] }] },
        ),
      },
    }),
    async (req) => {
      const rows = await listLabels(db, visibleConversationFilter(principalOf(req)));
      return { data: rows.map((l) => ({ ...labelView(l), conversations: Number(l.conversations) })) };
    },
  );

  app.post(
    '/api/v1/labels',
    // Labels are shared by every conversation: managing them is for admins. Agents put labels
    // (existing or new) on conversations they may see, below.
    routeSchema(
      {
        summary: 'Create a label (admin)',
        tags,
        body: Type.Object(
          {
            name: LabelNameSchema,
            color: Type.Optional(
              Nullable(
                Type.String({ pattern: '^#[0-9a-fA-F]{6}$', description: 'e.g. #ff8800' }),
                fieldError('invalid_color', 422, '"color" must look like #ff8800, or be null.'),
              ),
            ),
          },
          { additionalProperties: false, examples: [{ name: 'vip', color: '#ff8800' }] },
        ),
        response: { 201: Type.Object(Label.properties, { description: 'the label', examples: [labelExample] }) },
      },
      { config: { access: 'admin' } },
    ),
    async (req, reply) => {
      const name = labelName(req.body.name);
      const { label, created } = await ensureLabel(db, { name, color: req.body.color ?? null, now: deps.clock.now() });
      if (!created) throw new HttpError(409, 'label_exists', `A label named "${name}" exists already.`, { id: label.id });
      return reply.status(201).send(labelView(label));
    },
  );

  app.delete(
    '/api/v1/labels/:id',
    routeSchema(
      { summary: 'Delete a label and remove it from every conversation (admin)', tags, params: LabelParams, response: { 204: NoContent } },
      { config: { access: 'admin' } },
    ),
    async (req, reply) => {
      const { id } = req.params;
      if (!(await db.transaction().execute((trx) => deleteLabel(trx, id)))) throw new HttpError(404, 'label_not_found', `No label ${id}.`);
      return reply.status(204).send();
    },
  );

  app.put(
    '/api/v1/conversations/:id/labels/:labelName',
    routeSchema({
      summary: 'Put a label on a conversation (the label is created when new)',
      tags,
      params: ConversationLabelParams,
      response: { 200: ConversationLabels },
    }),
    async (req) => {
      const { id, labelName: rawName } = req.params;
      const name = labelName(rawName);
      await findVisibleConversation(db, req, id);
      const now = deps.clock.now();
      await db.transaction().execute(async (trx) => {
        const { label } = await ensureLabel(trx, { name, now });
        if (await attachLabel(trx, id, label.id, now))
          await emitConversationUpdated(trx, deps.jobs, { conversationId: id, changes: ['labels'], now });
      });
      deps.jobs.wake();
      return { labels: (await labelsByConversation(db, [id])).get(id) ?? [] };
    },
  );

  app.delete(
    '/api/v1/conversations/:id/labels/:labelName',
    routeSchema({
      summary: 'Take a label off a conversation',
      tags,
      params: ConversationLabelParams,
      response: { 200: ConversationLabels },
    }),
    async (req) => {
      const { id, labelName: rawName } = req.params;
      await findVisibleConversation(db, req, id);
      const label = await findLabelByName(db, rawName.trim());
      const now = deps.clock.now();
      if (label) {
        await db.transaction().execute(async (trx) => {
          if (await detachLabel(trx, id, label.id))
            await emitConversationUpdated(trx, deps.jobs, { conversationId: id, changes: ['labels'], now });
        });
        deps.jobs.wake();
      }
      return { labels: (await labelsByConversation(db, [id])).get(id) ?? [] };
    },
  );
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
