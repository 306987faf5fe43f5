import { messages } from '../core/metrics.ts';
import type { StatusUpdate } from '../channels/channel-types.ts';
import { emitMessageFailed, emitMessageStatus } from '../event-webhooks/pipeline-events.ts';
import type { Executor, JobQueue } from '../jobs/job-queue.ts';
import { rawQuery, runRaw } from '../storage/raw-query.ts';
import { isOutboundStatus, shouldApplyStatus, statusesBlocking, type OutboundStatus } from '../conversations/delivery-status.ts';

// Hot path (three callbacks per message sent): prebuilt SQL.
// Statuses are about messages we sent: an inbound message with the same id is never their target.
// With what the status's followers need, so they make no lookup of their own (issue #16): the
// author (only a broadcast's message has a recipient to move) and the recipient's number (pricing).
const SELECT_BY_EXTERNAL = rawQuery(
  `select m."id", m."status", m."external_id", m."pricing_category", m."author", ct."external_id" as "recipient_external_id", ct."phone_e164" as "recipient_phone"
   from "messages" m join "conversations" c on c."id" = m."conversation_id" join "contacts" ct on ct."id" = c."contact_id"
   where m."channel_id" = ? and m."external_id" = ? and m."direction" = 'out'`,
);
// The common case (a forward move, not a failure) in one statement: the message moves when its
// status is not already this one or later (delivery-status.ts's rule: the statuses that block
// the move are passed, padded to six), and returns what SELECT_BY_EXTERNAL would (issue #16).
const MOVE_FORWARD = rawQuery(
  `update "messages" set "status" = ?, "status_at" = ? where "channel_id" = ? and "external_id" = ? and "direction" = 'out' and "status" not in (?, ?, ?, ?, ?, ?)
   returning "id", "status", "external_id", "pricing_category", "author",
   (select ct."external_id" from "conversations" c join "contacts" ct on ct."id" = c."contact_id" where c."id" = "messages"."conversation_id") as "recipient_external_id",
   (select ct."phone_e164" from "conversations" c join "contacts" ct on ct."id" = c."contact_id" where c."id" = "messages"."conversation_id") as "recipient_phone"`,
);
const INSERT_STATUS_EVENT = rawQuery(
  `insert into "status_events" ("channel_id", "external_id", "status", "at", "message_id", "errors", "pricing", "biz_opaque", "raw", "received_at") values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
);
const UPDATE_STATUS = rawQuery(`update "messages" set "status" = ?, "status_at" = ? where "id" = ?`);
const SELECT_EARLY = rawQuery(
  `select "id", "status", "at", "errors" from "status_events" where "channel_id" = ? and "external_id" = ? and "message_id" is null order by "id"`,
);

/** The message a status callback is about, as the cost recording needs it. */
export interface StatusTarget {
  id: string;
  /** Set once the first priced callback was recorded. */
  pricing_category: string | null;
  /** Sent by a broadcast (author `broadcast:<id>`): its recipient follows the message. */
  broadcast: boolean;
  /** The customer's number, when it was read with the message (for pricing). */
  recipient?: { external_id: string; phone_e164: string | null };
}

interface TargetRow {
  id: string;
  status: string;
  external_id: string | null;
  pricing_category: string | null;
  author: string | null;
  recipient_external_id?: string;
  recipient_phone?: string | null;
}

/**
 * Keeps every status callback (also for a message we do not know yet: the send's response may
 * still be on its way) and moves the message forward when the status is newer. Returns the
 * message it was about, when known (by wamid, or by our id echoed back).
 */
export async function recordStatus(
  db: Executor,
  channelId: string,
  s: StatusUpdate,
  now: number,
  jobs?: JobQueue,
): Promise<StatusTarget | undefined> {
  const blocking = s.status === 'failed' ? undefined : statusesBlocking(s.status);
  const [moved] = blocking ? await runRaw<TargetRow>(db, MOVE_FORWARD, [s.status, s.at, channelId, s.externalId, ...blocking]) : [];
  // Otherwise: a failure, a status the message has passed, or a message not known by this wamid (yet).
  let [message] = moved ? [moved] : await runRaw<TargetRow>(db, SELECT_BY_EXTERNAL, [channelId, s.externalId]);
  if (!message && s.bizOpaqueCallbackData) {
    // Reconcile a send whose outcome we never recorded (crash between the Graph call and the
    // write): we put our own message id in biz_opaque_callback_data, Meta echoes it here.
    const byOurId = await db
      .selectFrom('messages')
      .select(['id', 'status', 'external_id', 'pricing_category', 'author'])
      .where('id', '=', s.bizOpaqueCallbackData)
      .where('channel_id', '=', channelId)
      .where('direction', '=', 'out')
      .executeTakeFirst();
    if (byOurId && byOurId.external_id === null) {
      await db.updateTable('messages').set({ external_id: s.externalId, status: 'accepted' }).where('id', '=', byOurId.id).execute();
      message = { ...byOurId, external_id: s.externalId, status: 'accepted' };
    }
  }
  await runRaw(db, INSERT_STATUS_EVENT, [
    channelId,
    s.externalId,
    s.status,
    s.at,
    message?.id ?? null,
    s.errors ? JSON.stringify(s.errors) : null,
    s.pricing ? JSON.stringify(s.pricing) : null,
    s.bizOpaqueCallbackData ?? null,
    JSON.stringify(s.raw),
    now,
  ]);
  if (message && (moved || (await applyToMessage(db, message.id, message.status, s.status, s.at, s.errors)))) {
    messages.labels('outbound', s.status).inc();
    await emitMessageStatus(db, jobs, { messageId: message.id, now });
    if (s.status === 'failed' && jobs) await emitMessageFailed(db, jobs, { messageId: message.id, now });
  }
  if (!message) return undefined;
  return {
    id: message.id,
    pricing_category: message.pricing_category,
    broadcast: message.author?.startsWith('broadcast:') ?? false,
    ...(typeof message.recipient_external_id === 'string'
      ? { recipient: { external_id: message.recipient_external_id, phone_e164: message.recipient_phone ?? null } }
      : {}),
  };
}

/** After a send records its wamid: applies statuses that arrived before we knew it. */
export async function applyEarlyStatuses(
  db: Executor,
  channelId: string,
  messageId: string,
  externalId: string,
  events?: { jobs: JobQueue; now: number },
): Promise<void> {
  const early = await runRaw<{ id: number; status: string; at: number; errors: string | null }>(db, SELECT_EARLY, [channelId, externalId]);
  if (early.length === 0) return;
  await db
    .updateTable('status_events')
    .set({ message_id: messageId })
    .where(
      'id',
      'in',
      early.map((e) => e.id),
    )
    .execute();
  let changed = false;
  let failed = false;
  for (const e of early) {
    if (!isOutboundStatus(e.status)) continue;
    const current = await db.selectFrom('messages').select('status').where('id', '=', messageId).executeTakeFirstOrThrow();
    const errors: StatusUpdate['errors'] = e.errors ? JSON.parse(e.errors) : undefined;
    if (await applyToMessage(db, messageId, current.status, e.status, e.at, errors)) {
      changed = true;
      if (e.status === 'failed') failed = true;
    }
  }
  if (changed && events) await emitMessageStatus(db, events.jobs, { messageId, now: events.now });
  if (failed && events) await emitMessageFailed(db, events.jobs, { messageId, now: events.now });
}

async function applyToMessage(
  db: Executor,
  messageId: string,
  current: string,
  incoming: OutboundStatus,
  at: number,
  errors: StatusUpdate['errors'],
): Promise<boolean> {
  if (!shouldApplyStatus(current, incoming)) return false;
  const first = errors?.[0];
  if (incoming !== 'failed') {
    await runRaw(db, UPDATE_STATUS, [incoming, at, messageId]);
    return true;
  }
  await db
    .updateTable('messages')
    .set({
      status: incoming,
      status_at: at,
      error_code: first ? `whatsapp_${first.code}` : 'whatsapp_failed',
      error_message: first ? [first.title ?? first.message, first.details].filter(Boolean).join(': ') : 'failed without error details',
    })
    .where('id', '=', messageId)
    .execute();
  return true;
}
