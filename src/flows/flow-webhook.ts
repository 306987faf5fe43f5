import type { Deps } from '../deps.ts';
import { privateHostOf } from '../event-webhooks/address-guard.ts';
import { postSignedWebhook } from '../event-webhooks/deliver-webhook.ts';
import { nextRetry } from '../event-webhooks/retry-schedule.ts';
import { webhookSettings } from '../event-webhooks/webhook-settings.ts';
import { enqueueJob } from '../jobs/job-definition.ts';
import { JOBS } from '../jobs/job-catalog.ts';

export interface FlowWebhookJob {
  id: string;
  url: string;
  /** The exact JSON sent and signed. */
  body: string;
  secret: string;
  firstAttemptAt: number;
  /** 1 for the first try; each retry is a new job with the next number (see below). */
  attempt: number;
}

/**
 * Job `flow.webhook`: one attempt of a flow's outgoing webhook block. Signed and retried exactly
 * like event webhooks (postSignedWebhook, the same Switchboard-Signature and retry schedule), but
 * addressed by the block rather than a subscription, and allowed to private addresses by the
 * HTTP block's switch (FLOW_HTTP_ALLOW_PRIVATE), since both reach the business's own systems.
 * The flow never waits for it: the block has already moved on. A retry is a new job carrying the
 * attempt number, due at the app's clock: the engines' own attempt counters are not comparable
 * (in-place short retries, graphile-worker's re-added jobs), and this count decides when to stop.
 */
export async function deliverFlowWebhook(
  deps: Deps,
  payload: FlowWebhookJob | (Omit<FlowWebhookJob, 'attempt'> & { attempt?: number }),
): Promise<void> {
  const p: FlowWebhookJob = { ...payload, attempt: payload.attempt ?? 1 };
  const settings = webhookSettings(deps.config);
  const allowPrivate = deps.config.flows?.httpAllowPrivate ?? false;
  let url: URL | null = null;
  try {
    url = new URL(p.url);
  } catch {
    url = null;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    deps.logger.warn({ webhook: p.id, url: p.url.slice(0, 200) }, 'flow webhook: not an http(s) URL; dropped');
    return;
  }
  if (!allowPrivate && privateHostOf(url)) {
    deps.logger.warn(
      { webhook: p.id, host: url.hostname },
      'flow webhook: private or loopback address refused; set FLOW_HTTP_ALLOW_PRIVATE=true to allow it',
    );
    return;
  }
  const now = deps.clock.now();
  const outcome = await postSignedWebhook({
    url: p.url,
    body: p.body,
    secret: p.secret,
    headers: { 'switchboard-event-id': p.id, 'switchboard-event-type': 'flow.webhook', 'switchboard-delivery-attempt': String(p.attempt) },
    now,
    timeoutMs: settings.timeoutMs,
    allowPrivate,
    responseExcerptBytes: 256,
  });
  if (outcome.ok) return;
  if (/EPRIVATEADDRESS|private address/.test(outcome.error ?? '')) {
    deps.logger.warn({ webhook: p.id, error: outcome.error }, 'flow webhook: resolves to a private address; dropped');
    return;
  }
  const at = deps.clock.now();
  const retry = nextRetry({ attempts: p.attempt, firstAttemptAt: p.firstAttemptAt, now: at }, settings);
  if (!retry.retry) {
    deps.logger.warn({ webhook: p.id, attempts: p.attempt, error: outcome.error }, 'flow webhook: gave up');
    return;
  }
  const next: FlowWebhookJob = { ...p, attempt: p.attempt + 1 };
  await enqueueJob(deps.storage.db, deps.jobs, JOBS.flowWebhook, next, { runAt: at + retry.delayMs });
  deps.jobs.wake();
}
