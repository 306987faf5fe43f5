import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { releaseBot } from '../bot/bot-pause.ts';
import { principalOf } from '../auth/principal.ts';
import { visibleConversationFilter } from '../auth/visible-conversation-filter.ts';
import { HttpError } from '../core/http-error.ts';
import type { Deps } from '../deps.ts';
import { emitConversationClosed, emitConversationUpdated } from '../event-webhooks/pipeline-events.ts';
import { fieldError, Nullable, routeSchema } from '../http/route-schema.ts';
import { findReadableConversation, findVisibleConversation } from './conversation-access.ts';
import { listChangedConversations } from './conversation-changes.ts';
import { labelsByConversation, listConversations, type ListFilter } from './conversation-list.ts';
import { myUnreadCounts } from './conversation-reads.ts';
import {
  Conversation,
  ConversationDetail,
  ConversationListItem,
  ConversationParams,
  conversationExample,
  conversationListItemExample,
} from './conversation-schemas.ts';
import type { ConversationStatus } from './conversation-store.ts';
import { conversationApiView, messageView, responseTimesView } from './conversation-views.ts';
import { encodeChangeCursor, encodeCursor, parseChangesQuery, parseListQuery } from './list-query.ts';
import { firstCustomerMessageAt, messagesPage } from './message-store.ts';
import { listNotes, noteView } from './note-store.ts';
import { drainAll } from '../routing/drain-queue.ts';
import { actorOf } from '../routing/routing-routes.ts';
import { attachSummary } from '../ai/summarise-conversation.ts';

const tags = ['conversations'];

/** A query parameter: text of at most 200 characters, given once; a bad value is 400 invalid_<name>. */
const param = (name: string, description: string, message = `"${name}" must be given once, as text of at most 200 characters.`) =>
  Type.Optional(Type.String({ maxLength: 200, description, ...fieldError(`invalid_${name}`, 400, message) }));
const choice = <const T extends string[]>(name: string, values: readonly [...T], description: string, message: string) =>
  Type.Optional(Type.Enum(values, { description, ...fieldError(`invalid_${name}`, 400, message) }));
const Limit = (range: string, message: string) =>
  Type.Optional(Type.String({ pattern: '^[0-9]*$', maxLength: 200, description: range, ...fieldError('invalid_limit', 400, message) }));
const Cursor = param('cursor', 'next_cursor of the previous page', 'cursor is not one this API returned.');
const LIST_QUERY = Type.Object({
  status: choice('status', ['active', 'archived', 'closed'], 'omit for all', 'status must be active, archived or closed.'),
  snoozed: choice(
    'snoozed',
    ['true', 'false', 'all'],
    'true: only snoozed; false: none snoozed (the default with status=active); all',
    'snoozed must be true (only snoozed), false (none snoozed) or all.',
  ),
  assignee: param('assignee', 'a user id, "me" or "none"'),
  team: param('team', 'team id'),
  label: param('label', 'label name'),
  channel: param('channel', 'whatsapp or telegram (every channel of that kind), or one channel id (wa_<phone_number_id>, tg_<bot id>)'),
  unread: choice(
    'unread',
    ['true', 'false'],
    'only conversations with (true) or without (false) unread customer messages',
    'unread must be true or false.',
  ),
  my_unread: choice(
    'my_unread',
    ['true', 'false'],
    'whether the caller (a user) has unread customer messages there',
    'my_unread must be true or false.',
  ),
  q: param('q', 'text in the contact name, phone or last message preview'),
  record_type: param('record_type', 'linked record type'),
  record_id: param('record_id', 'linked record id (needs record_type)'),
  limit: Limit('1 to 200, default 50 (with updated_since: 1 to 500, default 100)', 'limit must be a whole number from 1 to 200.'),
  cursor: Cursor,
  updated_since: Type.Optional(
    Type.String({
      maxLength: 200,
      description: 'sync: 0 to start, then next_cursor; every conversation in change order, oldest change first (takes only limit)',
      ...fieldError(
        'invalid_updated_since',
        400,
        'updated_since must be given once: 0 to start, then the next_cursor of the previous page.',
      ),
    }),
  ),
});
const ListAnswer = Type.Object(
  {
    data: Type.Array(ConversationListItem),
    next_cursor: Nullable(
      Type.String({
        description: 'pass as `cursor` for the next page (with updated_since: as `updated_since`, never null); null on the last page',
      }),
    ),
    has_more: Type.Optional(Type.Boolean({ description: 'with updated_since only: whether to fetch the next page at once' })),
  },
  {
    examples: [
      { data: [conversationListItemExample], next_cursor: 'MTc3NzYyOTYwMDAwMDpjb252XzAxSjla' },
      { data: [conversationListItemExample], next_cursor: '42.Y29udl8wMUo5Wg', has_more: false },
    ],
  },
);
const RecordParams = Type.Object({
  type: Type.String({ description: 'record type, e.g. service_request' }),
  id: Type.String({ description: 'record id in your system' }),
});
const DetailQuery = Type.Object({
  limit: Type.Optional(
    Type.String({
      pattern: '^[0-9]+$',
      maxLength: 200,
      description: 'messages per page, 1 to 500, default 100',
      ...fieldError('invalid_limit', 400, 'limit must be a whole number from 1 to 500.'),
    }),
  ),
  before: Type.Optional(
    Type.String({
      pattern: '^[0-9]{1,15}$',
      description: 'messages_before_cursor of the previous page',
      ...fieldError('invalid_cursor', 400, 'before must be the messages_before_cursor of a previous page.'),
    }),
  ),
});
const StatusBody = Type.Object(
  {
    status: Type.Optional(
      Type.Enum(['active', 'archived', 'closed'], {
        description: 'active, archived or closed',
        ...fieldError('invalid_status', 422, '"status" must be active, archived or closed.'),
      }),
    ),
    snoozed_until: Type.Optional(
      Nullable(Type.String({ description: 'an ISO 8601 time in the future' }), {
        description: 'an ISO 8601 time in the future, or null to wake it',
        ...fieldError('invalid_snoozed_until', 422, '"snoozed_until" must be an ISO 8601 time in the future, or null.'),
      }),
    ),
  },
  { additionalProperties: false, examples: [{ status: 'archived' }, { snoozed_until: '2026-05-02T09:00:00.000Z' }] },
);

/** The inbox: list (filters + keyset pages), detail with history, and status changes. */
export async function conversationRoutes(fastify: FastifyInstance, opts: { deps: Deps }): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { deps } = opts;
  const db = deps.storage.db;

  /** One page of the list, as both list routes answer it: rows with their labels, and the next cursor. */
  const listPage = async (req: FastifyRequest, filter: ListFilter, now: number) => {
    const rows = await listConversations(db, deps.storage.dialect, filter, visibleConversationFilter(principalOf(req)));
    const page = rows.slice(0, filter.limit);
    const last = page[page.length - 1];
    return {
      data: await listItems(req, page, now),
      next_cursor: rows.length > filter.limit && last ? encodeCursor(last.last_message_at, last.id) : null,
    };
  };
  /** List rows as the API shows them: with labels and the caller's own unread count. */
  const listItems = async (req: FastifyRequest, page: Parameters<typeof conversationApiView>[0][], now: number) => {
    const labels = await labelsByConversation(
      db,
      page.map((r) => r.id),
    );
    const userId = principalOf(req).userId;
    const mine = userId
      ? await myUnreadCounts(
          db,
          userId,
          page.map((r) => r.id),
        )
      : undefined;
    return page.map((r) => ({
      ...conversationApiView(r, now, { labels: labels.get(r.id) ?? [] }),
      my_unread_count: mine ? (mine.get(r.id) ?? 0) : null,
    }));
  };

  app.get(
    '/api/v1/conversations',
    routeSchema({
      summary: 'List conversations, newest activity first (or, with updated_since, in change order for sync)',
      description:
        "Keyset pagination: pass `next_cursor` as `cursor`. Agents whose visibility is assigned_and_team see only their and their teams' conversations. " +
        'With `updated_since` (0, then the previous `next_cursor`) the list is every conversation in change order instead: any change to a conversation, its messages or their statuses, labels, notes, assignment or bot pause moves it to the end; `next_cursor` is never null (poll from it) and `has_more` says whether to fetch the next page at once. Nothing is skipped, even while conversations change during paging. ' +
        'A bad parameter is 400 `invalid_<parameter>`.',
      tags,
      querystring: LIST_QUERY,
      response: { 200: ListAnswer },
    }),
    async (req) => {
      const now = deps.clock.now();
      if (req.query.updated_since !== undefined) {
        const { since, limit } = parseChangesQuery(req.query);
        const rows = await listChangedConversations(db, deps.storage.dialect, since, limit, visibleConversationFilter(principalOf(req)));
        const page = rows.slice(0, limit);
        const last = page[page.length - 1];
        return {
          data: await listItems(req, page, now),
          next_cursor: encodeChangeCursor(last ? { seq: Number(last.sync_seq), id: last.id } : since),
          has_more: rows.length > limit,
        };
      }
      return listPage(req, parseListQuery(req.query, principalOf(req).userId, now), now);
    },
  );

  app.get(
    '/api/v1/records/:type/:id/conversations',
    routeSchema(
      {
        summary: 'Conversations linked to an external record (PUT /api/v1/conversations/{id}/link), newest activity first',
        tags: ['linked records'],
        params: RecordParams,
        querystring: Type.Object({ limit: LIST_QUERY.properties.limit, cursor: Cursor }),
        response: { 200: Type.Object(ListAnswer.properties, { examples: [{ data: [conversationListItemExample], next_cursor: null }] }) },
      },
      { config: { access: 'conversations:read' } },
    ),
    async (req) => {
      const { type, id } = req.params;
      const now = deps.clock.now();
      const filter = { ...parseListQuery(req.query, principalOf(req).userId, now), record: { type, id } };
      return listPage(req, filter, now);
    },
  );

  app.get(
    '/api/v1/conversations/:id',
    routeSchema({
      summary:
        "One conversation: messages (newest page, in the order the customer sent them), notes, labels, linked record, window, response times, my_unread_count (the caller's own unread customer messages; null without a user)",
      description:
        'Page back through the messages with `before` = `messages_before_cursor`. Reading it does not mark it read (POST .../read does). A user mentioned in a note may read a conversation not assigned to them.',
      tags,
      params: ConversationParams,
      querystring: DetailQuery,
      response: { 200: ConversationDetail },
    }),
    async (req) => {
      const { id } = req.params;
      const q = req.query;
      const conversation = await findReadableConversation(db, req, id);
      const limit = q.limit === undefined ? 100 : Number(q.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 500)
        throw new HttpError(400, 'invalid_limit', 'limit must be a whole number from 1 to 500.');
      // In the customer's order (send time, then arrival); newest page first, returned oldest-to-newest; `before` pages further back.
      const page = await messagesPage(db, { conversationId: id, limit, ...(q.before === undefined ? {} : { before: Number(q.before) }) });
      if (!page.ok)
        throw new HttpError(400, 'invalid_cursor', 'before must be the messages_before_cursor of a previous page of this conversation.');
      const labels = await labelsByConversation(db, [id]);
      const now = deps.clock.now();
      // The caller's own unread count, as on the list (null without a user); reading it does not mark it read.
      const userId = principalOf(req).userId;
      const myUnread = userId ? ((await myUnreadCounts(db, userId, [id])).get(id) ?? 0) : null;
      return {
        ...conversationApiView(conversation, now, { labels: labels.get(id) ?? [] }),
        my_unread_count: myUnread,
        response_times: responseTimesView(conversation, await firstCustomerMessageAt(db, id)),
        notes: (await listNotes(db, id)).map(noteView),
        messages: page.messages.map(messageView),
        messages_before_cursor: page.beforeCursor,
      };
    },
  );

  app.patch(
    '/api/v1/conversations/:id',
    routeSchema({
      summary: 'Change status (active, archived, closed) or snooze',
      description:
        "An archived conversation reopens when the customer writes; a closed one never reopens (the customer's next message starts a new conversation), so a closed conversation cannot be changed (409 conversation_closed). " +
        '`snoozed_until` (a future ISO time, or null) hides the conversation from `status=active` lists until that time or until the customer writes. ' +
        'Send at least one of the two (422 nothing_to_change). Emits conversation.closed when closed, conversation.updated otherwise.',
      tags,
      params: ConversationParams,
      body: StatusBody,
      response: {
        200: Type.Object(Conversation.properties, {
          description: 'the conversation as changed',
          examples: [{ ...conversationExample, status: 'archived' }],
        }),
      },
    }),
    async (req) => {
      const { id } = req.params;
      const now = deps.clock.now();
      const b = req.body;
      const patch: { status?: ConversationStatus; snoozedUntil?: number | null } = {};
      if (b.status !== undefined) patch.status = b.status;
      if (b.snoozed_until !== undefined) {
        const at = b.snoozed_until === null ? null : Date.parse(b.snoozed_until);
        if (at !== null && (!Number.isFinite(at) || at <= now)) {
          throw new HttpError(422, 'invalid_snoozed_until', '"snoozed_until" must be an ISO 8601 time in the future, or null.', {
            field: 'snoozed_until',
          });
        }
        patch.snoozedUntil = at;
      }
      if (patch.status === undefined && patch.snoozedUntil === undefined)
        throw new HttpError(422, 'nothing_to_change', 'Send "status" and/or "snoozed_until".');
      const current = await findVisibleConversation(db, req, id);
      if (current.status === 'closed')
        throw new HttpError(
          409,
          'conversation_closed',
          "This conversation is closed and stays closed; the customer's next message starts a new one.",
        );
      const set: { status?: string; snoozed_until?: number | null; updated_at: number } = { updated_at: now };
      const changes: string[] = [];
      if (patch.status !== undefined && patch.status !== current.status) {
        set.status = patch.status;
        changes.push('status');
      }
      if (patch.snoozedUntil !== undefined && patch.snoozedUntil !== current.snoozed_until) {
        set.snoozed_until = patch.snoozedUntil;
        changes.push('snoozed_until');
      }
      if (changes.length > 0) {
        await db.transaction().execute(async (trx) => {
          await trx.updateTable('conversations').set(set).where('id', '=', id).where('status', '<>', 'closed').execute();
          if (set.status === 'closed') await releaseBot(trx, deps, { conversationId: id, by: actorOf(req), reason: 'closed', now }); // the bot pause ends with the conversation
          if (set.status === 'closed') await attachSummary(trx, deps, id, 'closed'); // a one-line note for whoever reopens it
          if (set.status === 'closed') await emitConversationClosed(trx, deps.jobs, { conversationId: id, now });
          else await emitConversationUpdated(trx, deps.jobs, { conversationId: id, changes, now });
        });
        deps.jobs.wake();
        // A closed conversation frees its agent's capacity: the oldest waiting one goes next.
        if (set.status === 'closed' && current.assignee_id) await drainAll(deps);
      }
      const row = await findVisibleConversation(db, req, id);
      const labels = await labelsByConversation(db, [id]);
      return conversationApiView(row, now, { labels: labels.get(id) ?? [] });
    },
  );
}
