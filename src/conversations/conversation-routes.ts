import type { FastifyInstance, FastifyRequest } from 'fastify';
import { releaseBot } from '../bot/bot-pause.ts';
import { principalOf } from '../auth/principal.ts';
import { visibleConversationFilter } from '../auth/visible-conversation-filter.ts';
import { HttpError } from '../core/http-error.ts';
import type { Deps } from '../deps.ts';
import { emitConversationClosed, emitConversationUpdated } from '../event-webhooks/pipeline-events.ts';
import { int, obj, routeDoc, str } from '../http/route-doc.ts';
import { findReadableConversation, findVisibleConversation } from './conversation-access.ts';
import { encodeChangeCursor, listChangedConversations, parseChangesQuery } from './conversation-changes.ts';
import { labelsByConversation, listConversations, type ListFilter } from './conversation-list.ts';
import { myUnreadCounts } from './conversation-reads.ts';
import { conversationView, messageView, responseTimesView } from './conversation-views.ts';
import { encodeCursor, parseListQuery } from './list-query.ts';
import { firstCustomerMessageAt, messagesPage } from './message-store.ts';
import { listNotes, noteView } from './note-store.ts';
import { drainAll } from '../routing/drain-queue.ts';
import { actorOf } from '../routing/routing-routes.ts';
import { parseStatusPatch } from './status-patch.ts';

const tags = ['conversations'];
const LIST_QUERY = {
  status: str('active, archived or closed; omit for all', { enum: ['active', 'archived', 'closed'] }),
  snoozed: str('true: only snoozed; false: none snoozed (the default with status=active); all', { enum: ['true', 'false', 'all'] }),
  assignee: str('a user id, "me" or "none"'),
  team: str('team id'),
  label: str('label name'),
  channel: str('channel id'),
  unread: str('true or false', { enum: ['true', 'false'] }),
  my_unread: str('true or false: whether the caller (a user) has unread customer messages there', { enum: ['true', 'false'] }),
  q: str('text in the contact name, phone or last message preview'),
  record_type: str('linked record type'),
  record_id: str('linked record id (needs record_type)'),
  limit: int('1 to 200, default 50'),
  cursor: str('next_cursor of the previous page'),
  updated_since: str('sync: 0 to start, then next_cursor; every conversation in change order, oldest change first (takes only limit, 1 to 500, default 100)'),
};

/** The inbox: list (filters + keyset pages), detail with history, and status changes. */
export async function conversationRoutes(app: FastifyInstance, opts: { deps: Deps }): Promise<void> {
  const { deps } = opts;
  const db = deps.storage.db;

  /** One page of the list, as both list routes answer it: rows with their labels, and the next cursor. */
  const listPage = async (req: FastifyRequest, filter: ListFilter, now: number) => {
    const rows = await listConversations(db, deps.storage.dialect, filter, visibleConversationFilter(principalOf(req)));
    const page = rows.slice(0, filter.limit);
    const labels = await labelsByConversation(db, page.map((r) => r.id));
    const userId = principalOf(req).userId;
    const mine = userId ? await myUnreadCounts(db, userId, page.map((r) => r.id)) : undefined;
    const last = page[page.length - 1];
    return {
      data: page.map((r) => ({ ...conversationView(r, now, { labels: labels.get(r.id) ?? [] }), my_unread_count: mine ? (mine.get(r.id) ?? 0) : null })),
      next_cursor: rows.length > filter.limit && last ? encodeCursor(last.last_message_at, last.id) : null,
    };
  };

  app.get(
    '/api/v1/conversations',
    routeDoc({
      summary: 'List conversations, newest activity first',
      description:
        'Keyset pagination: pass `next_cursor` as `cursor`. Agents whose visibility is assigned_and_team see only their and their teams\' conversations. ' +
        'With `updated_since` (0, then the previous `next_cursor`) the list is every conversation in change order instead: any change to a conversation, its messages or their statuses, labels, notes, assignment or bot pause moves it to the end; `next_cursor` is never null (poll from it) and `has_more` says whether to fetch the next page at once. Nothing is skipped, even while conversations change during paging.',
      tags,
      querystring: LIST_QUERY,
      responses: { 200: '{ data: [conversation], next_cursor } (with updated_since: { data, next_cursor, has_more })' },
    }),
    async (req) => {
      const now = deps.clock.now();
      if ((req.query as Record<string, unknown> | undefined)?.updated_since !== undefined) {
        const { since, limit } = parseChangesQuery(req);
        const rows = await listChangedConversations(db, deps.storage.dialect, since, limit, visibleConversationFilter(principalOf(req)));
        const page = rows.slice(0, limit);
        const labels = await labelsByConversation(db, page.map((r) => r.id));
        const userId = principalOf(req).userId;
        const mine = userId ? await myUnreadCounts(db, userId, page.map((r) => r.id)) : undefined;
        const last = page[page.length - 1];
        return {
          data: page.map((r) => ({ ...conversationView(r, now, { labels: labels.get(r.id) ?? [] }), my_unread_count: mine ? (mine.get(r.id) ?? 0) : null })),
          next_cursor: encodeChangeCursor(last ? { seq: Number(last.sync_seq), id: last.id } : since),
          has_more: rows.length > limit,
        };
      }
      const filter = parseListQuery(req, now);
      return listPage(req, filter, now);
    },
  );

  app.get(
    '/api/v1/records/:type/:id/conversations',
    routeDoc({
      summary: 'Conversations linked to an external record',
      tags: ['linked records'],
      params: { type: str('record type, e.g. service_request'), id: str('record id in your system') },
      querystring: { limit: LIST_QUERY.limit, cursor: LIST_QUERY.cursor },
    }, { config: { access: 'conversations:read' } }),
    async (req) => {
      const { type, id } = req.params as { type: string; id: string };
      const now = deps.clock.now();
      const filter = { ...parseListQuery(req, now), record: { type, id } };
      return listPage(req, filter, now);
    },
  );

  app.get(
    '/api/v1/conversations/:id',
    routeDoc({
      summary: 'One conversation: messages (newest page, in the order the customer sent them), notes, labels, linked record, window, response times, my_unread_count (the caller\'s own unread customer messages; null without a user)',
      tags,
      params: { id: str('conversation id') },
      querystring: { limit: int('messages per page, 1 to 500, default 100'), before: str('messages_before_cursor of the previous page') },
    }),
    async (req) => {
      const { id } = req.params as { id: string };
      const q = (req.query ?? {}) as Record<string, string | undefined>;
      const conversation = await findReadableConversation(db, req, id);
      const limit = q.limit === undefined ? 100 : Number(q.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new HttpError(400, 'invalid_limit', 'limit must be a whole number from 1 to 500.');
      if (q.before !== undefined && !/^\d{1,15}$/.test(q.before)) throw new HttpError(400, 'invalid_cursor', 'before must be the messages_before_cursor of a previous page.');
      // In the customer's order (send time, then arrival); newest page first, returned oldest-to-newest; `before` pages further back.
      const page = await messagesPage(db, { conversationId: id, limit, ...(q.before === undefined ? {} : { before: Number(q.before) }) });
      if (!page.ok) throw new HttpError(400, 'invalid_cursor', 'before must be the messages_before_cursor of a previous page of this conversation.');
      const labels = await labelsByConversation(db, [id]);
      const now = deps.clock.now();
      // The caller's own unread count, as on the list (null without a user); reading it does not mark it read.
      const userId = principalOf(req).userId;
      const myUnread = userId ? ((await myUnreadCounts(db, userId, [id])).get(id) ?? 0) : null;
      return {
        ...conversationView(conversation, now, { labels: labels.get(id) ?? [] }),
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
    routeDoc({
      summary: 'Change status (active, archived, closed) or snooze',
      description:
        'An archived conversation reopens when the customer writes; a closed one never reopens (the customer\'s next message starts a new conversation), so a closed conversation cannot be changed. ' +
        '`snoozed_until` (a future ISO time, or null) hides the conversation from `status=active` lists until that time or until the customer writes. ' +
        'Emits conversation.closed when closed, conversation.updated otherwise.',
      tags,
      params: { id: str('conversation id') },
      body: obj({ status: str('active, archived or closed', { enum: ['active', 'archived', 'closed'] }), snoozed_until: str('ISO 8601 time in the future, or null', { nullable: true }) }),
    }),
    async (req) => {
      const { id } = req.params as { id: string };
      const now = deps.clock.now();
      const patch = parseStatusPatch(req.body, now);
      const current = await findVisibleConversation(db, req, id);
      if (current.status === 'closed') throw new HttpError(409, 'conversation_closed', 'This conversation is closed and stays closed; the customer\'s next message starts a new one.');
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
          if (set.status === 'closed') await emitConversationClosed(trx, deps.jobs, { conversationId: id, now });
          else await emitConversationUpdated(trx, deps.jobs, { conversationId: id, changes, now });
        });
        deps.jobs.wake();
        // A closed conversation frees its agent's capacity: the oldest waiting one goes next.
        if (set.status === 'closed' && current.assignee_id) await drainAll(deps);
      }
      const row = await findVisibleConversation(db, req, id);
      const labels = await labelsByConversation(db, [id]);
      return conversationView(row, now, { labels: labels.get(id) ?? [] });
    },
  );
}
