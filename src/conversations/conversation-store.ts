import { sql } from 'kysely';
import type { Executor } from '../storage/executor.ts';
import { newId } from '../core/ids.ts';
import { columnList, rawQuery, runRaw } from '../storage/raw-query.ts';

export type ConversationStatus = 'active' | 'archived' | 'closed';

export interface ConversationRow {
  id: string;
  channel_id: string;
  contact_id: string;
  status: string;
  last_customer_message_at: number | null;
  last_message_at: number;
  last_message_preview: string | null;
  unread_count: number;
  created_at: number;
  updated_at: number;
  assignee_id: string | null;
  team_id: string | null;
  snoozed_until: number | null;
  linked_record_type: string | null;
  linked_record_id: string | null;
  linked_record: string | null;
  first_response_at: number | null;
  response_count: number;
  response_total_ms: number;
  last_read_at: number | null;
  awaiting_reply_since: number | null;
  /** The broadcast the customer's latest reply answered (0027-broadcast-results), when the row carries it. */
  broadcast_id?: string | null;
}

/**
 * Every column of `conversations` but PostgreSQL's `search_doc`, named rather than `*` so PostgreSQL
 * runs SELECT_OPEN prepared (raw-query.ts). test/contacts/row-columns.test.ts holds it to the table.
 */
export const CONVERSATION_ROW_COLUMNS = [
  'id',
  'channel_id',
  'contact_id',
  'status',
  'last_customer_message_at',
  'last_message_at',
  'last_message_preview',
  'unread_count',
  'created_at',
  'updated_at',
  'assignee_id',
  'team_id',
  'snoozed_until',
  'linked_record_type',
  'linked_record_id',
  'linked_record',
  'first_response_at',
  'response_count',
  'response_total_ms',
  'last_read_at',
  'awaiting_reply_since',
  'awaiting_human_since',
  'broadcast_id',
] as const;
// Hot path (every message): prebuilt SQL. 'closed' is a literal so the partial unique index applies.
// The change order (conversation_sync, 0043) is moved by triggers after each of the writes below.
const SELECT_OPEN = rawQuery(
  `select ${columnList(CONVERSATION_ROW_COLUMNS)} from "conversations" where "channel_id" = ? and "contact_id" = ? and "status" <> 'closed'`,
);
// Meta may deliver an older message late: the window follows the newest one (null > x is null).
// A customer message wakes a snoozed conversation, and starts the response clock unless it runs.
const NOTE_INBOUND = rawQuery(
  `update "conversations" set "last_customer_message_at" = case when "last_customer_message_at" > ? then "last_customer_message_at" else ? end,
   "last_message_at" = ?, "last_message_preview" = ?, "unread_count" = "unread_count" + 1, "updated_at" = ?,
   "snoozed_until" = null, "awaiting_reply_since" = coalesce("awaiting_reply_since", ?) where "id" = ?`,
);
const NOTE_OUTBOUND = rawQuery(
  `update "conversations" set "last_message_at" = ?, "last_message_preview" = ?, "updated_at" = ? where "id" = ?`,
);
// An agent or API reply answers every customer message waiting since awaiting_reply_since:
// one response, timed from the oldest of them (bot replies do not count: they are not agents).
const NOTE_AGENT_REPLY = rawQuery(
  `update "conversations" set "last_message_at" = ?, "last_message_preview" = ?, "updated_at" = ?,
   "first_response_at" = case when "awaiting_reply_since" is null then "first_response_at" else coalesce("first_response_at", ?) end,
   "response_count" = "response_count" + case when "awaiting_reply_since" is null then 0 else 1 end,
   "response_total_ms" = "response_total_ms" + case when "awaiting_reply_since" is null then 0 else ? - "awaiting_reply_since" end,
   "awaiting_reply_since" = null where "id" = ?`,
);

// A new customer's conversation (every first message): prebuilt SQL. The columns the insert
// leaves out are null or 0 (findOrInsertConversation's row). 'closed' is a literal so the partial
// unique index applies. Returns the number's auto-assignment (primary-key probes), so the first
// message needs no lookup of its own (issue #16).
const INSERT_CONVERSATION = rawQuery(
  `insert into "conversations" ("id", "channel_id", "contact_id", "status", "last_customer_message_at", "last_message_at", "last_message_preview",
     "unread_count", "created_at", "updated_at", "assignee_id", "team_id", "snoozed_until", "linked_record_type", "linked_record_id", "linked_record",
     "first_response_at", "response_count", "response_total_ms", "last_read_at", "awaiting_reply_since")
   values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, null, null, null, null, null, null, null, 0, 0, null, ?)
   on conflict ("channel_id", "contact_id") where "status" <> 'closed' do nothing
   returning (select ch."auto_assign" from "channels" ch where ch."id" = "conversations"."channel_id") as "auto_assign",
     (select ch."auto_assign_team_id" from "channels" ch where ch."id" = "conversations"."channel_id") as "auto_assign_team_id",
     (select t."auto_assign" from "channels" ch join "teams" t on t."id" = ch."auto_assign_team_id" where ch."id" = "conversations"."channel_id") as "team_auto_assign"`,
);

/**
 * The open conversation for a number and contact, and whether this call created it. An archived
 * one reopens when the customer writes; a closed one stays closed and a new conversation starts
 * (PRODUCT.md). The event is the use case's (messaging/open-conversation.ts).
 */
export async function findOrInsertConversation(
  db: Executor,
  input: ConversationOpening,
): Promise<{ conversation: ConversationRow; created: boolean; channelAutoAssign?: ChannelAutoAssignRow }> {
  // A contact this transaction created has no conversation yet: nothing to look up.
  const [open] = input.newContact ? [] : await runRaw<ConversationRow>(db, SELECT_OPEN, [input.channelId, input.contactId]);
  if (open) {
    if (open.status === 'archived') {
      await db.updateTable('conversations').set({ status: 'active', updated_at: input.now }).where('id', '=', open.id).execute();
      return { conversation: { ...open, status: 'active', updated_at: input.now }, created: false };
    }
    return { conversation: open, created: false };
  }
  const inbound = input.inbound;
  const row: ConversationRow = {
    id: newId('conv', input.now),
    channel_id: input.channelId,
    contact_id: input.contactId,
    status: 'active',
    last_customer_message_at: inbound?.sentAt ?? null,
    last_message_at: input.now,
    last_message_preview: inbound?.preview ?? null,
    unread_count: inbound ? 1 : 0,
    created_at: input.now,
    updated_at: input.now,
    assignee_id: null,
    team_id: null,
    snoozed_until: null,
    linked_record_type: null,
    linked_record_id: null,
    linked_record: null,
    first_response_at: null,
    response_count: 0,
    response_total_ms: 0,
    last_read_at: null,
    awaiting_reply_since: inbound?.sentAt ?? null,
  };
  const [inserted] = await runRaw<ChannelAutoAssignRow>(db, INSERT_CONVERSATION, [
    row.id,
    row.channel_id,
    row.contact_id,
    row.status,
    row.last_customer_message_at,
    row.last_message_at,
    row.last_message_preview,
    row.unread_count,
    row.created_at,
    row.updated_at,
    row.awaiting_reply_since,
  ]);
  if (inserted) {
    const { auto_assign, auto_assign_team_id, team_auto_assign } = inserted;
    return { conversation: row, created: true, channelAutoAssign: { auto_assign, auto_assign_team_id, team_auto_assign } };
  }
  // Another process opened it between our select and insert.
  const theirs = await db
    .selectFrom('conversations')
    .selectAll()
    .where('channel_id', '=', input.channelId)
    .where('contact_id', '=', input.contactId)
    .where('status', '<>', sql.lit('closed')) // a literal, so the partial unique index applies
    .executeTakeFirstOrThrow();
  return { conversation: theirs, created: false };
}

/** The number's auto-assignment columns (routing/auto-assign.ts reads them), as of the insert. */
export interface ChannelAutoAssignRow {
  auto_assign: string | null;
  auto_assign_team_id: string | null;
  team_auto_assign: string | null;
}

/** What opens a conversation (findOrInsertConversation). */
export interface ConversationOpening {
  channelId: string;
  contactId: string;
  now: number;
  /** The contact was created by this transaction (so it has no conversation). */
  newContact?: boolean;
  /**
   * The customer message that opens it: a conversation created here starts as noteInbound would
   * leave it (one row write instead of an insert and an update, issue #16). An existing one is
   * returned unchanged: the caller notes the message (see `created`).
   */
  inbound?: { sentAt: number; preview: string | null };
}

/** A conversation created with `inbound` noted, whose message then turned out a duplicate: back to how an empty one starts. */
export async function unnoteInbound(db: Executor, conversationId: string): Promise<void> {
  await db
    .updateTable('conversations')
    .set({ last_customer_message_at: null, last_message_preview: null, unread_count: 0, awaiting_reply_since: null })
    .where('id', '=', conversationId)
    .execute();
}

/** Records a customer message on the conversation: window, preview, unread count. */
export async function noteInbound(
  db: Executor,
  conversationId: string,
  input: { sentAt: number; preview: string | null; now: number },
): Promise<void> {
  await runRaw(db, NOTE_INBOUND, [input.sentAt, input.sentAt, input.now, input.preview, input.now, input.sentAt, conversationId]);
}

/** Records an outbound message on the conversation; an agent or API reply also records a response time. */
export async function noteOutbound(
  db: Executor,
  conversationId: string,
  input: { preview: string | null; now: number; author?: string },
): Promise<void> {
  if (input.author === undefined || !answersForResponseTime(input.author)) {
    await runRaw(db, NOTE_OUTBOUND, [input.now, input.preview, input.now, conversationId]);
    return;
  }
  await runRaw(db, NOTE_AGENT_REPLY, [input.now, input.preview, input.now, input.now, input.now, conversationId]);
}

/**
 * Authors are `bot:<flow>`, `ai`, `broadcast:<id>`, `api` or `agent:<userId>`; only people and
 * integrations answer for response times (as the reports count them: reports/fold-report-events.ts
 * humanOf). A bot's, the AI's or a broadcast's message does not stop the customer's wait.
 */
function answersForResponseTime(author: string): boolean {
  return author === 'api' || author.startsWith('agent:');
}
