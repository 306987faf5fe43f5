import type { StatusUpdate } from '../channels/channel-types.ts';
import type { Executor } from '../jobs/job-queue.ts';
import { isOutboundStatus, shouldApplyStatus, type OutboundStatus } from './delivery-status.ts';

/**
 * Keeps every status callback (also for a message we do not know yet: the send's response may
 * still be on its way) and moves the message forward when the status is newer.
 */
export async function recordStatus(db: Executor, channelId: string, s: StatusUpdate, now: number): Promise<void> {
  let message = await db
    .selectFrom('messages')
    .select(['id', 'status', 'external_id'])
    .where('channel_id', '=', channelId)
    .where('external_id', '=', s.externalId)
    .executeTakeFirst();
  if (!message && s.bizOpaqueCallbackData) {
    // Reconcile a send whose outcome we never recorded (crash between the Graph call and the
    // write): we put our own message id in biz_opaque_callback_data, Meta echoes it here.
    const byOurId = await db
      .selectFrom('messages')
      .select(['id', 'status', 'external_id'])
      .where('id', '=', s.bizOpaqueCallbackData)
      .where('channel_id', '=', channelId)
      .where('direction', '=', 'out')
      .executeTakeFirst();
    if (byOurId && byOurId.external_id === null) {
      await db.updateTable('messages').set({ external_id: s.externalId, status: 'accepted' }).where('id', '=', byOurId.id).execute();
      message = { ...byOurId, external_id: s.externalId, status: 'accepted' };
    }
  }
  await db
    .insertInto('status_events')
    .values({
      channel_id: channelId,
      external_id: s.externalId,
      status: s.status,
      at: s.at,
      message_id: message?.id ?? null,
      errors: s.errors ? JSON.stringify(s.errors) : null,
      pricing: s.pricing ? JSON.stringify(s.pricing) : null,
      biz_opaque: s.bizOpaqueCallbackData ?? null,
      raw: JSON.stringify(s.raw),
      received_at: now,
    })
    .execute();
  if (message) await applyToMessage(db, message.id, message.status, s.status, s.at, s.errors);
}

/** After a send records its wamid: applies statuses that arrived before we knew it. */
export async function applyEarlyStatuses(db: Executor, channelId: string, messageId: string, externalId: string): Promise<void> {
  const early = await db
    .selectFrom('status_events')
    .select(['id', 'status', 'at', 'errors'])
    .where('channel_id', '=', channelId)
    .where('external_id', '=', externalId)
    .where('message_id', 'is', null)
    .orderBy('id')
    .execute();
  if (early.length === 0) return;
  await db.updateTable('status_events').set({ message_id: messageId }).where('id', 'in', early.map((e) => e.id)).execute();
  for (const e of early) {
    if (!isOutboundStatus(e.status)) continue;
    const current = await db.selectFrom('messages').select('status').where('id', '=', messageId).executeTakeFirstOrThrow();
    const errors: StatusUpdate['errors'] = e.errors ? JSON.parse(e.errors) : undefined;
    await applyToMessage(db, messageId, current.status, e.status, e.at, errors);
  }
}

async function applyToMessage(
  db: Executor,
  messageId: string,
  current: string,
  incoming: OutboundStatus,
  at: number,
  errors: StatusUpdate['errors'],
): Promise<void> {
  if (!shouldApplyStatus(current, incoming)) return;
  const first = errors?.[0];
  await db
    .updateTable('messages')
    .set({
      status: incoming,
      status_at: at,
      ...(incoming === 'failed'
        ? {
            error_code: first ? `whatsapp_${first.code}` : 'whatsapp_failed',
            error_message: first ? [first.title ?? first.message, first.details].filter(Boolean).join(': ') : 'failed without error details',
          }
        : {}),
    })
    .where('id', '=', messageId)
    .execute();
}
