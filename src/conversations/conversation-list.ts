import { sql, type SqlBool } from 'kysely';
import type { ConversationVisibility } from '../auth/visible-conversation-filter.ts';
import type { Executor } from '../jobs/job-queue.ts';
import { foldText } from '../core/fold-text.ts';
import type { Dialect } from '../storage/dialect.ts';
import { refreshSearchIndex } from '../storage/search-index.ts';
import { BOT_PAUSE_COLUMNS } from './bot-pause-store.ts';
import { contactNameColumns } from './contact-name-columns.ts';
import type { ConversationRow } from './conversation-store.ts';
import type { BotPauseColumns } from './conversation-views.ts';
import { visibilitySql } from './conversation-visibility.ts';
import { containsText, foldedPattern } from './text-match.ts';
import { myUnreadSql } from './conversation-reads.ts';

export interface ListFilter {
  status?: 'active' | 'archived' | 'closed';
  /** only: snoozed_until in the future; exclude: not snoozed now; any: both. */
  snoozed: 'only' | 'exclude' | 'any';
  /** A user id, or 'none' for unassigned. */
  assignee?: string;
  teamId?: string;
  label?: string;
  channelId?: string;
  /** whatsapp | telegram: every conversation on that kind of channel. */
  channelKind?: string;
  unread?: boolean;
  /** Per-agent unread (conversation-reads.ts): whether this user has unread customer messages. */
  myUnread?: { userId: string; unread: boolean };
  q?: string;
  record?: { type: string; id?: string };
  cursor?: { at: number; id: string };
  limit: number;
  now: number;
}

export type ListRow = ConversationRow & {
  contact_name: string | null;
  contact_profile_name: string | null;
  contact_wa_id: string;
  contact_phone: string | null;
  contact_bsuid: string | null;
  contact_username: string | null;
  assignee_name: string | null;
  team_name: string | null;
  /** The channel's kind (whatsapp | telegram), from the channels table. */
  channel_kind: string | null;
} & BotPauseColumns;

/** One conversation with its contact, assignee and team names: the list row and the detail's head. */
export function conversationQuery(db: Executor) {
  return (
    db
      .selectFrom('conversations as c')
      .innerJoin('contacts as ct', 'ct.id', 'c.contact_id')
      .leftJoin('users as u', 'u.id', 'c.assignee_id')
      .leftJoin('teams as t', 't.id', 'c.team_id')
      .leftJoin('bot_pauses as bp', 'bp.conversation_id', 'c.id')
      .selectAll('c')
      .select(contactNameColumns())
      .select([
        'ct.external_id as contact_wa_id',
        'ct.channel_kind as contact_kind',
        'ct.phone_e164 as contact_phone',
        'ct.bsuid as contact_bsuid',
        'ct.username as contact_username',
        'u.name as assignee_name',
        't.name as team_name',
        ...BOT_PAUSE_COLUMNS,
      ])
      // The newest message's type (text, image, audio…), for the list's type icon: one step down messages_conversation_seq.
      .select(
        sql<string | null>`(select m.kind from messages m where m.conversation_id = c.id order by m.seq desc limit 1)`.as(
          'last_message_type',
        ),
      )
      // The channel's kind (not the contact's: a merge can move a Telegram conversation to a
      // WhatsApp contact): a primary-key probe of the few-row channels table per row, like
      // last_message_type; no extra query.
      .select(sql<string | null>`(select ch.kind from channels ch where ch.id = c.channel_id)`.as('channel_kind'))
  );
}

/**
 * A page of conversations, newest activity first, by keyset (last_message_at, id). Each filter
 * has an index ending in that order (0004-inbox), so a first page reads about `limit` index
 * entries; `q` and the label filter are checked row by row along that order.
 */
export async function listConversations(
  db: Executor,
  dialect: Dialect,
  f: ListFilter,
  visibility: ConversationVisibility,
): Promise<ListRow[]> {
  let query = conversationQuery(db);
  const visible = visibilitySql(visibility, 'c');
  if (visible) query = query.where(visible);
  if (f.status) query = query.where('c.status', '=', f.status);
  if (f.snoozed === 'only') query = query.where('c.snoozed_until', '>', f.now);
  if (f.snoozed === 'exclude') query = query.where((eb) => eb.or([eb('c.snoozed_until', 'is', null), eb('c.snoozed_until', '<=', f.now)]));
  if (f.assignee === 'none') query = query.where('c.assignee_id', 'is', null);
  else if (f.assignee !== undefined) query = query.where('c.assignee_id', '=', f.assignee);
  if (f.teamId !== undefined) query = query.where('c.team_id', '=', f.teamId);
  if (f.channelId !== undefined) query = query.where('c.channel_id', '=', f.channelId);
  if (f.channelKind !== undefined)
    query = query.where('c.channel_id', 'in', db.selectFrom('channels').select('id').where('kind', '=', f.channelKind));
  // A literal 0 so the partial index (where unread_count > 0) applies.
  if (f.unread === true) query = query.where('c.unread_count', '>', sql.lit(0));
  if (f.unread === false) query = query.where('c.unread_count', '=', sql.lit(0));
  if (f.myUnread)
    query = query.where(f.myUnread.unread ? myUnreadSql(f.myUnread.userId, 'c') : sql<SqlBool>`not ${myUnreadSql(f.myUnread.userId, 'c')}`);
  if (f.record !== undefined) {
    query = query.where('c.linked_record_type', '=', f.record.type);
    if (f.record.id !== undefined) query = query.where('c.linked_record_id', '=', f.record.id);
  }
  if (f.label !== undefined) {
    // The label's id first: with a constant, the planner walks the activity order and probes
    // conversation_labels per row (a popular label fills a page in a few hundred rows) instead
    // of collecting every labelled conversation and sorting them (measured: 6 ms vs 94 ms at 1M).
    const label = await db.selectFrom('labels').select('id').where('name', '=', f.label).executeTakeFirst();
    if (!label) return [];
    // SQLite plans the IN list better (an ordered walk probing it); PostgreSQL the correlated EXISTS.
    query = !dialect.prefersExistsToIn
      ? query.where('c.id', 'in', (eb) =>
          eb.selectFrom('conversation_labels as cl').select('cl.conversation_id').where('cl.label_id', '=', label.id),
        )
      : query.where(({ exists, selectFrom }) =>
          exists(
            selectFrom('conversation_labels as cl')
              .select('cl.conversation_id')
              .whereRef('cl.conversation_id', '=', 'c.id')
              .where('cl.label_id', '=', label.id),
          ),
        );
  }
  if (f.q !== undefined) {
    const q = f.q;
    // Trigram indexes (0010-contacts-search-fold) answer substrings of 3 characters or more,
    // ignoring case and accents: on PostgreSQL a LIKE over the folded search_doc, on SQLite an
    // FTS5 phrase (FTS5 folds accents for MATCH only; inside the quotes % and _ are literal).
    if ([...foldText(q)].length >= 3) {
      // SQLite's index is kept in the background (storage/search-index.ts): catch up first, so nothing committed is missed.
      if (dialect.textSearch === 'fts5') await refreshSearchIndex(db);
      query =
        dialect.textSearch === 'pg_trgm'
          ? query.where(sql<SqlBool>`c.search_doc like ${foldedPattern(q)} escape '\\'`)
          : query.where(
              sql<SqlBool>`c.rowid in (select rowid from conversation_search where conversation_search match ${`"${q.replace(/"/g, '""')}"`})`,
            );
    } else {
      query = query.where((eb) =>
        eb.or(
          ['ct.name', 'ct.profile_name', 'ct.phone_e164', 'ct.external_id', 'ct.username', 'ct.bsuid', 'c.last_message_preview'].map(
            (column) => containsText(column, q),
          ),
        ),
      );
    }
  }
  if (f.cursor) {
    const { at, id } = f.cursor;
    // A row-value comparison: both dialects turn it into one index range.
    query = query.where(sql<SqlBool>`(${sql.ref('c.last_message_at')}, ${sql.ref('c.id')}) < (${at}, ${id})`);
  }
  return query
    .orderBy('c.last_message_at', 'desc')
    .orderBy('c.id', 'desc')
    .limit(f.limit + 1)
    .execute();
}

/** Label names per conversation, for a page of rows (one query). */
export async function labelsByConversation(db: Executor, ids: readonly string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  if (ids.length === 0) return out;
  const rows = await db
    .selectFrom('conversation_labels as cl')
    .innerJoin('labels as l', 'l.id', 'cl.label_id')
    .select(['cl.conversation_id', 'l.name'])
    .where('cl.conversation_id', 'in', [...ids])
    .orderBy('l.name')
    .execute();
  for (const r of rows) {
    const list = out.get(r.conversation_id) ?? [];
    list.push(r.name);
    out.set(r.conversation_id, list);
  }
  return out;
}
