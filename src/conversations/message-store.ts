import type { Executor } from '../jobs/job-queue.ts';
import { newId } from '../core/ids.ts';
import { rawQuery, runRaw } from '../storage/raw-query.ts';
import type { InboundMessage, OutboundContent } from '../channels/channel-types.ts';

export interface MessageRow {
  id: string;
  seq: number;
  conversation_id: string;
  channel_id: string;
  direction: string;
  external_id: string | null;
  kind: string;
  text: string | null;
  content: string;
  raw: string | null;
  status: string;
  status_at: number | null;
  error_code: string | null;
  error_message: string | null;
  reply_to_external_id: string | null;
  sent_at: number;
  created_at: number;
  attempts: number;
  author: string | null;
  /** Where the message sorts in its conversation: the customer's send time placed within its second (in), the time we wrote it (out). */
  sort_at: number;
  /** A TimestampAnomaly when an inbound message's WhatsApp timestamp was unusable and the receive time replaced it. */
  timestamp_anomaly: string | null;
  /** Outbound, queued: when the next attempt is due after a retryable failure (or while its number's breaker is open). */
  next_attempt_at: number | null;
  /** Outbound: the failed or unconfirmed message this one resends. */
  resend_of: string | null;
  /** In: the broadcast this reply answers (0027-broadcast-results), when the row carries it. */
  broadcast_id?: string | null;
}

/** Why a customer message's send time is our receive time: no usable timestamp, before 2009, or far in the future. */
export type TimestampAnomaly = 'invalid' | 'past' | 'future';

const MESSAGE_COLUMNS = `"id", "conversation_id", "channel_id", "direction", "external_id", "kind", "text", "content", "raw", "status", "status_at", "error_code", "error_message", "reply_to_external_id", "sent_at", "created_at", "attempts", "author", "sort_at", "timestamp_anomaly"`;
const INSERT_INBOUND = rawQuery(
  `insert into "messages" (${MESSAGE_COLUMNS}) values (?, ?, ?, 'in', ?, ?, ?, ?, ?, 'received', ?, ?, ?, ?, ?, ?, 0, 'customer', ?, ?)
   on conflict ("channel_id", "external_id") where "external_id" is not null do nothing returning "seq"`,
);
const INSERT_OUTBOUND = rawQuery(
  `insert into "messages" (${MESSAGE_COLUMNS}) values (?, ?, ?, 'out', null, ?, ?, ?, null, 'queued', ?, null, null, ?, ?, ?, 0, ?, ?, null) returning "seq"`,
);

/**
 * Stores an inbound message once per wamid; returns its id, or null when it was a duplicate.
 * `sortAt` (default: the message's send time) orders it in its conversation; `anomaly` records
 * that its send time is the receive time because the provider's was unusable.
 */
export async function insertInbound(
  db: Executor,
  input: {
    conversationId: string;
    channelId: string;
    message: InboundMessage;
    now: number;
    sortAt?: number;
    anomaly?: TimestampAnomaly | null;
  },
): Promise<string | null> {
  const m = input.message;
  const { raw, ...normalised } = m;
  const id = newId('msg', input.now);
  const firstError = m.errors?.[0];
  const rows = await runRaw(db, INSERT_INBOUND, [
    id,
    input.conversationId,
    input.channelId,
    m.externalId,
    m.kind,
    m.text ?? null,
    JSON.stringify(normalised),
    JSON.stringify(raw),
    input.now,
    firstError ? String(firstError.code) : null,
    firstError?.message ?? firstError?.title ?? null,
    m.context?.messageId ?? null,
    m.sentAt,
    input.now,
    input.sortAt ?? m.sentAt,
    input.anomaly ?? null,
  ]);
  return rows.length > 0 ? id : null;
}

/** What a broadcast records on its messages at insert time (one statement instead of an insert and an update). */
export interface OutboundAnnotations {
  /** The text as the customer sees it (a template's rendered body), instead of the content's preview. */
  text: string | null;
  templateName: string | null;
  priceEstimate: number | null;
  currency: string | null;
  optInOverrideReason: string | null;
}

const INSERT_OUTBOUND_ANNOTATED = rawQuery(
  `insert into "messages" (${MESSAGE_COLUMNS}, "template_name", "price_estimate", "currency", "opt_in_override_reason")
   values (?, ?, ?, 'out', null, ?, ?, ?, null, 'queued', ?, null, null, ?, ?, ?, 0, ?, ?, null, ?, ?, ?, ?) returning "seq"`,
);

/** Records the intent to send before anything is handed to the Graph API. */
export async function insertOutbound(
  db: Executor,
  input: {
    conversationId: string;
    channelId: string;
    content: OutboundContent;
    replyTo?: string;
    author: string;
    now: number;
    annotations?: OutboundAnnotations;
  },
): Promise<MessageRow> {
  const row: Omit<MessageRow, 'seq'> = {
    id: newId('msg', input.now),
    conversation_id: input.conversationId,
    channel_id: input.channelId,
    direction: 'out',
    external_id: null,
    kind: input.content.type,
    text: previewOf(input.content),
    content: JSON.stringify(input.content),
    raw: null,
    status: 'queued',
    status_at: input.now,
    error_code: null,
    error_message: null,
    reply_to_external_id: input.replyTo ?? null,
    sent_at: input.now,
    created_at: input.now,
    attempts: 0,
    author: input.author,
    sort_at: input.now,
    timestamp_anomaly: null,
    next_attempt_at: null,
    resend_of: null,
  };
  const a = input.annotations;
  if (a) row.text = a.text;
  const params = [
    row.id,
    row.conversation_id,
    row.channel_id,
    row.kind,
    row.text,
    row.content,
    row.status_at,
    row.reply_to_external_id,
    row.sent_at,
    row.created_at,
    row.author,
    row.sort_at,
  ];
  const [inserted] = a
    ? await runRaw<{ seq: number }>(db, INSERT_OUTBOUND_ANNOTATED, [
        ...params,
        a.templateName,
        a.priceEstimate,
        a.currency,
        a.optInOverrideReason,
      ])
    : await runRaw<{ seq: number }>(db, INSERT_OUTBOUND, params);
  return { ...row, seq: Number(inserted!.seq) };
}

function previewOf(c: OutboundContent): string | null {
  switch (c.type) {
    case 'text':
      return c.text;
    case 'buttons':
    case 'list':
    case 'cta_url':
      return c.body;
    case 'image':
    case 'video':
    case 'document':
    case 'audio':
    case 'sticker':
      return c.caption ?? null;
    case 'location':
      return c.name ?? null;
    case 'template':
      return c.name;
    case 'reaction':
      return c.emoji;
    case 'contacts':
      return null;
  }
}

/** When the customer first wrote in this conversation (the start of the first-response clock). */
export async function firstCustomerMessageAt(db: Executor, conversationId: string): Promise<number | null> {
  const row = await db
    .selectFrom('messages')
    .select('sent_at')
    .where('conversation_id', '=', conversationId)
    .where('direction', '=', 'in')
    .orderBy('sort_at')
    .orderBy('seq')
    .limit(1)
    .executeTakeFirst();
  return row?.sent_at ?? null;
}

/**
 * A message of this conversation named by our id or its wamid -> its wamid (what WhatsApp's
 * context and reactions need). Results: not found, or not sent yet (no wamid).
 */
export async function findMessageExternalId(
  db: Executor,
  input: { conversationId: string; channelId: string; ref: string },
): Promise<{ ok: true; externalId: string } | { ok: false; reason: 'not_found' | 'not_sent' }> {
  let q = db.selectFrom('messages').select(['id', 'external_id']).where('conversation_id', '=', input.conversationId);
  q = input.ref.startsWith('msg_')
    ? q.where('id', '=', input.ref)
    : q.where('channel_id', '=', input.channelId).where('external_id', '=', input.ref);
  const row = await q.executeTakeFirst();
  if (!row) return { ok: false, reason: 'not_found' };
  return row.external_id === null ? { ok: false, reason: 'not_sent' } : { ok: true, externalId: row.external_id };
}

/** The newest customer message with a wamid: what a read receipt marks (and everything before it). */
export async function latestInbound(db: Executor, conversationId: string): Promise<{ id: string; external_id: string } | null> {
  const row = await db
    .selectFrom('messages')
    .select(['id', 'external_id'])
    .where('conversation_id', '=', conversationId)
    .where('direction', '=', 'in')
    .where('external_id', 'is not', null)
    .orderBy('sort_at', 'desc')
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row && row.external_id !== null ? { id: row.id, external_id: row.external_id } : null;
}

/**
 * One page of a conversation's messages in the customer's order (`sort_at`, then `seq`), newest
 * page first and returned oldest to newest. `before` is the `seq` of the oldest message of the
 * previous page: the page ends just before that message's place in the order, so paging back
 * stays consistent however late a message arrived. A `before` that names no message of this
 * conversation is `invalid_cursor`.
 */
export async function messagesPage(
  db: Executor,
  input: { conversationId: string; limit: number; before?: number },
): Promise<{ ok: true; messages: MessageRow[]; beforeCursor: string | null } | { ok: false; reason: 'invalid_cursor' }> {
  let q = db.selectFrom('messages').selectAll().where('conversation_id', '=', input.conversationId);
  if (input.before !== undefined) {
    const anchor = await db
      .selectFrom('messages')
      .select(['sort_at', 'seq'])
      .where('conversation_id', '=', input.conversationId)
      .where('seq', '=', input.before)
      .executeTakeFirst();
    if (!anchor) return { ok: false, reason: 'invalid_cursor' };
    q = q.where((eb) =>
      eb.or([eb('sort_at', '<', anchor.sort_at), eb.and([eb('sort_at', '=', anchor.sort_at), eb('seq', '<', anchor.seq)])]),
    );
  }
  const rows = await q
    .orderBy('sort_at', 'desc')
    .orderBy('seq', 'desc')
    .limit(input.limit + 1)
    .execute();
  const page = rows.slice(0, input.limit).reverse();
  return { ok: true, messages: page, beforeCursor: rows.length > input.limit && page[0] ? String(page[0].seq) : null };
}
