import type { OutboundContent } from '../channels/channel-types.ts';
import { applyEarlyStatuses } from '../conversations/apply-status.ts';
import type { Deps } from '../deps.ts';
import { backoffMs } from '../jobs/backoff.ts';
import { RetryLater } from '../jobs/job-errors.ts';
import { rawQuery, runRaw } from '../storage/raw-query.ts';

export const MAX_SEND_ATTEMPTS = 8;

// Hot path (every reply): prebuilt SQL. A business-initiated conversation (a template to a number that
// never wrote) addresses the E.164 form: a bare number would get the business's country code prepended.
const SELECT_TO_SEND = rawQuery(
  `select m."id", m."status", m."content", m."channel_id", m."attempts", m."reply_to_external_id",
     case when c."last_customer_message_at" is null then coalesce(ct."phone_e164", ct."external_id") else ct."external_id" end as "to"
   from "messages" m join "conversations" c on c."id" = m."conversation_id" join "contacts" ct on ct."id" = c."contact_id" where m."id" = ?`,
);
const MARK_SENDING = rawQuery(`update "messages" set "status" = 'sending', "attempts" = ? where "id" = ? and "status" = 'queued'`);
const MARK_ACCEPTED = rawQuery(`update "messages" set "external_id" = ?, "status" = 'accepted', "status_at" = ?, "error_code" = null, "error_message" = null where "id" = ?`);

/**
 * Job `message.send`: hands one outbound message to the channel exactly once.
 * The message is marked `sending` (committed) before the call. If the process dies during the
 * call, the retried job finds `sending` and marks it `unconfirmed` instead of sending again;
 * a status callback carrying our id in biz_opaque_callback_data later reconciles it.
 */
export async function sendOutbound(deps: Deps, payload: { messageId: string }): Promise<void> {
  const { db } = deps.storage;
  const [msg] = await runRaw<{ id: string; status: string; content: string; channel_id: string; attempts: number; reply_to_external_id: string | null; to: string }>(
    db,
    SELECT_TO_SEND,
    [payload.messageId],
  );
  if (!msg) return;
  if (msg.status === 'sending') {
    await db
      .updateTable('messages')
      .set({
        status: 'unconfirmed',
        error_code: 'send_unconfirmed',
        error_message: 'The process stopped while handing this message to WhatsApp. It was not sent again; a status callback will confirm it if WhatsApp accepted it.',
      })
      .where('id', '=', msg.id)
      .where('status', '=', 'sending')
      .execute();
    deps.logger.warn({ message: msg.id }, 'outbound message left unconfirmed after an interrupted send');
    return;
  }
  if (msg.status !== 'queued') return;
  const channel = deps.channels.byId(msg.channel_id);
  if (!channel) {
    await fail(deps, msg.id, 'channel_unavailable', `no configured number for channel ${msg.channel_id}`);
    return;
  }
  const slot = channel.throughput.take();
  if (!slot.ok) throw new RetryLater('per-number throughput limit', slot.waitMs);

  const attempts = msg.attempts + 1;
  const content: OutboundContent = JSON.parse(msg.content);
  await runRaw(db, MARK_SENDING, [attempts, msg.id]);
  let result;
  try {
    result = await channel.adapter.send({
      to: msg.to,
      content,
      replyTo: msg.reply_to_external_id ?? undefined,
      bizOpaqueCallbackData: msg.id,
    });
  } finally {
    slot.release();
  }
  const now = deps.clock.now();
  if (result.ok) {
    await db.transaction().execute(async (trx) => {
      await runRaw(trx, MARK_ACCEPTED, [result.externalId, now, msg.id]);
      await applyEarlyStatuses(trx, msg.channel_id, msg.id, result.externalId, { jobs: deps.jobs, now });
    });
    return;
  }
  if (result.code === 'timeout') {
    // The request left and no answer came: Meta may have accepted it. Resending could deliver it
    // twice, so it waits for a status callback (biz_opaque_callback_data) to say what happened.
    await db
      .updateTable('messages')
      .set({ status: 'unconfirmed', error_code: 'send_unconfirmed', error_message: `No answer from the Graph API: ${result.message}. Not resent automatically.` })
      .where('id', '=', msg.id)
      .where('status', '=', 'sending')
      .execute();
    return;
  }
  if (result.retryable && attempts < MAX_SEND_ATTEMPTS) {
    await db
      .updateTable('messages')
      .set({ status: 'queued', error_code: result.code, error_message: result.message })
      .where('id', '=', msg.id)
      .execute();
    throw new RetryLater(`${result.code}: ${result.message}`, result.retryAfterMs ?? backoffMs(attempts, { baseMs: 1000 }));
  }
  await fail(deps, msg.id, result.code, result.retryable ? `gave up after ${attempts} attempts: ${result.message}` : result.message);
}

async function fail(deps: Deps, id: string, code: string, message: string): Promise<void> {
  await deps.storage.db
    .updateTable('messages')
    .set({ status: 'failed', status_at: deps.clock.now(), error_code: code, error_message: message })
    .where('id', '=', id)
    .execute();
  deps.logger.warn({ message: id, code }, 'outbound message failed');
}
