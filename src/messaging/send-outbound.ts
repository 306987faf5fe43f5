import { messages } from '../core/metrics.ts';
import type { OutboundContent, SendResult } from '../channels/channel-types.ts';
import { outcomeUnknown } from '../channels/whatsapp-cloud/index.ts';
import { applyEarlyStatuses } from './apply-status.ts';
import type { Deps } from '../deps.ts';
import { setBlockedByUser } from '../contacts/telegram-contacts.ts';
import { emitMessageFailed, emitMessageStatus, emitMessageUnconfirmed } from '../event-webhooks/pipeline-events.ts';
import { RetryLater } from '../jobs/job-errors.ts';
import type { Executor } from '../jobs/job-queue.ts';
import { rawQuery, runRaw } from '../storage/raw-query.ts';
import { countsAgainstNumber, DEFAULT_SEND_POLICY, retryDelayMs, retryHorizon, type RetryHorizon } from './send-policy.ts';
import { enqueueJob } from '../jobs/job-definition.ts';
import { JOBS } from '../jobs/job-catalog.ts';

/** Bound once: the send path's common case. */
const outboundAccepted = messages.labels('outbound', 'accepted');

// Hot path (every reply): prebuilt SQL. A business-initiated conversation (a template to a number that
// never wrote) addresses the E.164 form: a bare number would get the business's country code prepended.
// The job's message, when still unsent, and every unsent message of its conversation up to it, in one statement.
const SELECT_UNSENT = rawQuery(
  `with t as (select "seq", "conversation_id" from "messages" where "id" = ? and "status" in ('queued', 'sending'))
   select m."id", m."seq", m."status", m."kind", m."content", m."channel_id", m."conversation_id", m."attempts", m."reply_to_external_id", m."next_attempt_at",
     m."created_at", m."error_code", m."error_message", c."last_customer_message_at",
     case when c."last_customer_message_at" is null then coalesce(ct."phone_e164", ct."external_id") else ct."external_id" end as "to",
     ct."telegram_chat_id"
   from t join "messages" m on m."conversation_id" = t."conversation_id" join "conversations" c on c."id" = m."conversation_id" join "contacts" ct on ct."id" = c."contact_id"
   where m."direction" = 'out' and m."status" in ('queued', 'sending') and m."seq" <= t."seq" order by m."seq"`,
);
const CLAIM = rawQuery(
  `update "messages" set "status" = 'sending', "attempts" = ?, "next_attempt_at" = null where "id" = ? and "status" = 'queued' returning "id"`,
);
// Only from `sending`: a status callback that came before the answer and carried our id
// (biz_opaque_callback_data) has already recorded the wamid and moved the message on (apply-status.ts);
// the answer must not move it back to `accepted`.
const MARK_ACCEPTED = rawQuery(
  `update "messages" set "external_id" = ?, "status" = 'accepted', "status_at" = ?, "error_code" = null, "error_message" = null where "id" = ? and "status" = 'sending'`,
);
// The common case in one statement committing by itself: no status callback for this wamid came
// before the Graph API's answer. Updates nothing when one did (then MARK_ACCEPTED with them, in one transaction).
const MARK_ACCEPTED_ALONE = rawQuery(
  `update "messages" set "external_id" = ?, "status" = 'accepted', "status_at" = ?, "error_code" = null, "error_message" = null where "id" = ? and "status" = 'sending'
   and not exists (select 1 from "status_events" e where e."channel_id" = ? and e."external_id" = ? and e."message_id" is null) returning "id"`,
);

interface Unsent {
  id: string;
  seq: number;
  status: string;
  kind: string;
  content: string;
  channel_id: string;
  conversation_id: string;
  attempts: number;
  reply_to_external_id: string | null;
  next_attempt_at: number | null;
  created_at: number;
  error_code: string | null;
  error_message: string | null;
  last_customer_message_at: number | null;
  to: string;
  /** The contact's Telegram chat (0032): where a Telegram channel sends, also for a contact merged with a WhatsApp one. */
  telegram_chat_id: string | null;
}

/** A message was handed over (or settled for good): the next one may go. Or it must wait until `at` (`scheduled`: its job for then was added). */
type Step = { done: true } | { done: false; at: number; scheduled: boolean };

/**
 * Job `message.send`, on the conversation's serial queue: hands outbound messages to the channel
 * exactly once, in the order they were queued, and keeps trying through outages.
 *
 * Order comes from our own data, not the engine: before its message, the job sends every earlier
 * unsent message of the conversation. One that must wait (a retryable failure backing off, or its
 * number's open circuit breaker) holds back every later one: the job is rescheduled for when the
 * earlier message is due, so the conversation's replies still leave in order.
 *
 * A retryable failure does not spin in place: the message stays `queued` with `next_attempt_at`
 * and a new job is added for that time (backoff with jitter, never before Retry-After), until the
 * message's horizon (the end of the customer's 24-hour window for free-form messages; a span for
 * templates) fails it. A permanent error fails it at once. Failing announces `message.failed`.
 *
 * The message is marked `sending` (committed) before the call. If the process dies during the
 * call, the job runs again, finds `sending` and marks it `unconfirmed` instead of sending again;
 * so do a timeout and a connection lost after the request was written. Unconfirmed messages are
 * announced (`message.unconfirmed`); a status callback carrying our id in
 * biz_opaque_callback_data reconciles one, and an agent can mark it sent or resend it.
 */
export async function sendOutbound(deps: Deps, payload: { messageId: string }): Promise<void> {
  const { db } = deps.storage;
  // None when its message is sent, failed or settled already: a duplicate or early job.
  const rows = await runRaw<Unsent>(db, SELECT_UNSENT, [payload.messageId]);
  for (const row of rows) {
    const step = await attempt(deps, row);
    if (step.done) continue;
    // An earlier message holds this one back: come back just after it is due (it has its own job).
    // This message itself is due later: its job for then exists, unless this job was woken early.
    const self = { id: payload.messageId, conversation_id: row.conversation_id }; // every row is of the job's conversation
    if (row.id !== payload.messageId) await reschedule(deps, db, self, step.at + 1);
    else if (!step.scheduled) await reschedule(deps, db, self, step.at);
    deps.jobs.wake();
    return;
  }
}

async function attempt(deps: Deps, row: Unsent): Promise<Step> {
  const { db } = deps.storage;
  const now = deps.clock.now();
  if (row.status === 'sending') {
    // The conversation's queue runs one job at a time: a message still `sending` was being handed
    // over when the process stopped. Meta may have it; sending it again could deliver it twice.
    await markUnconfirmed(
      deps,
      row.id,
      'The process stopped while handing this message to WhatsApp. It was not sent again; a status callback will confirm it if WhatsApp accepted it.',
    );
    deps.logger.warn({ message: row.id }, 'outbound message left unconfirmed after an interrupted send');
    return { done: true };
  }
  const policy = deps.config.sendPolicy ?? DEFAULT_SEND_POLICY;
  const serviceWindow = deps.channels.byId(row.channel_id)?.adapter.capabilities.serviceWindow;
  const horizon = retryHorizon(
    {
      kind: row.kind,
      createdAt: row.created_at,
      lastCustomerMessageAt: row.last_customer_message_at,
      ...(serviceWindow === false ? { serviceWindow } : {}),
    },
    policy,
  );
  if (row.next_attempt_at !== null) {
    if (now >= horizon.at) return giveUp(deps, row, horizon, row.error_code, row.error_message);
    // Waiting: its job for that time was added with next_attempt_at (this one may be it, woken early).
    if (row.next_attempt_at > now) return { done: false, at: row.next_attempt_at, scheduled: false };
  }
  const channel = deps.channels.byId(row.channel_id);
  if (!channel) {
    await fail(deps, row.id, 'channel_unavailable', `no configured number for channel ${row.channel_id}`);
    return { done: true };
  }
  const slot = channel.throughput.take();
  // Short and local: the job waits in place (run-with-short-retries), holding the conversation's queue.
  if (!slot.ok) throw new RetryLater('per-number throughput limit', slot.waitMs);
  const admission = channel.breaker.admit();
  if (!admission.ok) {
    slot.release();
    // Says why it waits; a message that failed before keeps its own last error.
    const why =
      row.error_code !== null
        ? ([row.error_code, row.error_message] as const)
        : ([
            'number_unavailable',
            `The Graph API failed repeatedly for this number; sends wait and are retried from ${new Date(admission.retryAt).toISOString()}.`,
          ] as const);
    return waitUntil(deps, row, horizon, admission.retryAt, why[0], why[1]);
  }

  const attempts = row.attempts + 1;
  const content: OutboundContent = JSON.parse(row.content);
  const claimed = await runRaw(db, CLAIM, [attempts, row.id]);
  if (claimed.length === 0) {
    slot.release();
    return { done: true }; // settled meanwhile (an agent resolved it, or it was resent)
  }
  // A contact merged across channels holds both addresses: a bot writes to its Telegram chat.
  const to = channel.kind === 'telegram' ? (row.telegram_chat_id ?? row.to) : row.to;
  let result: SendResult;
  try {
    result = await channel.adapter.send({
      to,
      content,
      replyTo: row.reply_to_external_id ?? undefined,
      bizOpaqueCallbackData: row.id,
    });
  } finally {
    slot.release();
  }
  const after = deps.clock.now();
  if (result.ok) {
    channel.breaker.success();
    const externalId = result.externalId;
    const alone = await runRaw(db, MARK_ACCEPTED_ALONE, [externalId, after, row.id, row.channel_id, externalId]);
    if (alone.length === 0)
      await db.transaction().execute(async (trx) => {
        await runRaw(trx, MARK_ACCEPTED, [externalId, after, row.id]);
        await applyEarlyStatuses(trx, row.channel_id, row.id, externalId, { jobs: deps.jobs, now: after });
      });
    outboundAccepted.inc();
    deps.jobs.wake();
    return { done: true };
  }
  if (!result.retryable) {
    channel.breaker.success(); // Graph answered: the number works, this message does not
    // Telegram's 403 "bot was blocked by the user": further sends to this contact are refused until they write again.
    if (result.code === 'telegram_blocked') await setBlockedByUser(db, to, after);
    await fail(deps, row.id, result.code, result.message);
    return { done: true };
  }
  if (countsAgainstNumber(result.code)) channel.breaker.failure(result.retryAfterMs);
  if (outcomeUnknown(result)) {
    // The request left and no answer came back: Meta may have accepted it. Resending could deliver
    // it twice, so it waits for a status callback (biz_opaque_callback_data) or an agent.
    await markUnconfirmed(
      deps,
      row.id,
      `No answer from the Graph API (${result.message}). Not resent automatically: a status callback confirms it if WhatsApp accepted it; otherwise resend it.`,
    );
    return { done: true };
  }
  const at = after + retryDelayMs(attempts, result.retryAfterMs, policy);
  deps.logger.warn({ message: row.id, code: result.code, attempts, retryAt: new Date(at).toISOString() }, 'outbound send will be retried');
  return waitUntil(deps, { ...row, status: 'sending' }, horizon, at, result.code, result.message, attempts);
}

/** The message waits until `at` (queued, with its last error), unless that is past its horizon: then it fails. */
async function waitUntil(
  deps: Deps,
  row: Unsent,
  horizon: RetryHorizon,
  at: number,
  code: string | null,
  message: string | null,
  attempts = row.attempts,
): Promise<Step> {
  if (at >= horizon.at) return giveUp(deps, { ...row, attempts }, horizon, code, message);
  await deps.storage.db.transaction().execute(async (trx) => {
    await trx
      .updateTable('messages')
      .set({ status: 'queued', next_attempt_at: at, error_code: code, error_message: message })
      .where('id', '=', row.id)
      .where('status', '=', row.status)
      .execute();
    await reschedule(deps, trx, row, at);
  });
  return { done: false, at, scheduled: true };
}

async function giveUp(deps: Deps, row: Unsent, horizon: RetryHorizon, code: string | null, message: string | null): Promise<Step> {
  const until = new Date(horizon.at).toISOString();
  const why =
    horizon.reason === 'window'
      ? `the customer's 24-hour window closed at ${until}`
      : horizon.reason === 'template'
        ? `templates are retried until ${until} (SEND_RETRY_HORIZON_TEMPLATE_MS)`
        : horizon.reason === 'no_window'
          ? `on a channel without a 24-hour window, messages are retried until ${until} (SEND_RETRY_HORIZON_TEMPLATE_MS)`
          : `free-form messages are retried until ${until} (SEND_RETRY_HORIZON_MS)`;
  const last = code !== null ? ` Last error: ${code}${message ? `: ${message}` : ''}.` : '';
  await fail(
    deps,
    row.id,
    'retry_horizon_passed',
    `Not sent after ${row.attempts} attempt${row.attempts === 1 ? '' : 's'}: ${why}.${last}`,
  );
  return { done: true };
}

/**
 * A job for this message at `at` (app clock), on its conversation's queue. Keyed by the time, so
 * asking twice (a rerun after a crash, a later message held back twice) adds one job. Only a job
 * woken before its time asks for its own key: graphile-worker then adds a new job (the running
 * one gives its key up), and the embedded engine never runs a job early.
 */
async function reschedule(deps: Deps, db: Executor, m: { id: string; conversation_id: string }, at: number): Promise<void> {
  await enqueueJob(db, deps.jobs, JOBS.messageSend, { messageId: m.id }, { conversationId: m.conversation_id, runAt: at });
}

async function markUnconfirmed(deps: Deps, id: string, reason: string): Promise<void> {
  const now = deps.clock.now();
  await deps.storage.db.transaction().execute(async (trx) => {
    const moved = await trx
      .updateTable('messages')
      .set({ status: 'unconfirmed', status_at: now, error_code: 'send_unconfirmed', error_message: reason, next_attempt_at: null })
      .where('id', '=', id)
      .where('status', '=', 'sending')
      .executeTakeFirst();
    if (Number(moved.numUpdatedRows) === 0) return;
    messages.labels('outbound', 'unconfirmed').inc();
    await emitMessageStatus(trx, deps.jobs, { messageId: id, now });
    await emitMessageUnconfirmed(trx, deps.jobs, { messageId: id, now });
  });
  deps.jobs.wake();
}

async function fail(deps: Deps, id: string, code: string, message: string): Promise<void> {
  const now = deps.clock.now();
  await deps.storage.db.transaction().execute(async (trx) => {
    const moved = await trx
      .updateTable('messages')
      .set({ status: 'failed', status_at: now, error_code: code, error_message: message, next_attempt_at: null })
      .where('id', '=', id)
      .where('status', 'in', ['queued', 'sending'])
      .executeTakeFirst();
    if (Number(moved.numUpdatedRows) === 0) return;
    messages.labels('outbound', 'failed').inc();
    await emitMessageStatus(trx, deps.jobs, { messageId: id, now });
    await emitMessageFailed(trx, deps.jobs, { messageId: id, now });
  });
  deps.jobs.wake();
  deps.logger.warn({ message: id, code }, 'outbound message failed');
}
