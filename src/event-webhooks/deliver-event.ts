import { eventDeliveries } from '../core/metrics.ts';
import type { Deps } from '../deps.ts';
import { RetryLater } from '../jobs/job-errors.ts';
import { JOBS } from '../jobs/job-catalog.ts';
import { handle, type BoundJob } from '../jobs/job-definition.ts';
import { loadDeliveryForAttempt, recordAttempt } from './delivery-store.ts';
import { postSignedWebhook } from './deliver-webhook.ts';
import { nextRetry } from './retry-schedule.ts';
import { webhookSettings, type WebhookSettings } from './webhook-settings.ts';

/** The `event.deliver` job handler, registered next to the message jobs. */
export function eventDeliveryJob(deps: Deps): BoundJob {
  const settings = webhookSettings(deps.config);
  return handle(JOBS.eventDeliver, (payload) => deliverEvent(deps, settings, payload));
}

/**
 * Job `event.deliver`: one attempt of one delivery. The delivery row owns the schedule: the
 * attempt is logged, then the delivery succeeds, waits for its next attempt (RetryLater with the
 * computed delay tells the engine when), or is dead. A job run before the delivery is due (an
 * engine with its own backoff) only reschedules, so the receiver never sees an early retry.
 */
export async function deliverEvent(
  deps: Deps,
  settings: WebhookSettings,
  job: { deliveryId: string },
  random: () => number = Math.random,
): Promise<void> {
  const { db } = deps.storage;
  const d = await loadDeliveryForAttempt(db, job.deliveryId);
  if (d?.status !== 'pending') return; // subscription deleted, or finished by an earlier run
  const startedAt = deps.clock.now();
  if (d.next_attempt_at !== null && d.next_attempt_at > startedAt)
    throw new RetryLater('webhook delivery not due yet', d.next_attempt_at - startedAt);

  const attempt = d.attempts + 1;
  const outcome = await postSignedWebhook({
    url: d.url,
    body: d.body,
    secret: d.secret,
    headers: {
      'switchboard-event-id': d.event_id,
      'switchboard-event-type': d.event_type,
      'switchboard-delivery-id': d.id,
      'switchboard-delivery-attempt': String(attempt),
    },
    now: startedAt,
    timeoutMs: settings.timeoutMs,
    allowPrivate: settings.allowPrivate,
    responseExcerptBytes: settings.responseExcerptBytes,
  });
  const now = deps.clock.now();
  const retry = outcome.ok
    ? { retry: false as const }
    : nextRetry({ attempts: attempt, firstAttemptAt: d.created_at, now }, settings, random);
  const record = { deliveryId: d.id, attempt, url: d.url, startedAt, ...outcome };
  const recorded = await db
    .transaction()
    .execute((trx) =>
      recordAttempt(
        trx,
        record,
        outcome.ok
          ? { status: 'succeeded', completedAt: now }
          : retry.retry
            ? { status: 'pending', nextAttemptAt: now + retry.delayMs }
            : { status: 'dead', completedAt: now },
      ),
    );
  if (recorded) eventDeliveries.labels(outcome.ok ? 'delivered' : retry.retry ? 'failed' : 'gave_up').inc();
  if (!recorded || outcome.ok) return;
  const log = { delivery: d.id, subscription: d.subscription_id, event: d.event_id, type: d.event_type, attempt, error: outcome.error };
  if (!retry.retry) {
    deps.logger.warn(log, 'webhook delivery is dead (replay it from the delivery log)');
    return;
  }
  throw new RetryLater(`webhook delivery ${d.id} attempt ${attempt} failed: ${outcome.error ?? 'unknown error'}`, retry.delayMs);
}
