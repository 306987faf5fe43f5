import { CUSTOMER_WINDOW_MS } from '../conversations/customer-window.ts';
import { backoffMs } from '../jobs/backoff.ts';

/**
 * How outbound sends outlast a Graph API outage (README, "When WhatsApp is down"). Every field has
 * a setting; a Config built in code without `sendPolicy` gets DEFAULT_SEND_POLICY.
 */
export interface SendPolicy {
  /** SEND_RETRY_BASE_MS: the first retry waits about this long, doubling each attempt. */
  retryBaseMs: number;
  /** SEND_RETRY_MAX_DELAY_MS: the longest wait between two attempts of one message. */
  retryMaxDelayMs: number;
  /** SEND_RETRY_HORIZON_MS: free-form messages stop being retried this long after they were queued; 0: at the end of the customer's 24-hour window (always the latest possible). */
  freeFormHorizonMs: number;
  /** SEND_RETRY_HORIZON_TEMPLATE_MS: templates stop being retried this long after they were queued. */
  templateHorizonMs: number;
  /** SEND_BREAKER_FAILURES: consecutive retryable failures on one number that open its circuit breaker. */
  breakerFailures: number;
  /** SEND_BREAKER_COOLDOWN_MS: how long the breaker first stays open; it doubles each time a probe fails. */
  breakerCooldownMs: number;
  /** SEND_BREAKER_MAX_COOLDOWN_MS: the longest the breaker stays open before the next probe. */
  breakerMaxCooldownMs: number;
}

export const DEFAULT_SEND_POLICY: SendPolicy = {
  retryBaseMs: 1_000,
  retryMaxDelayMs: 60_000,
  freeFormHorizonMs: 0,
  templateHorizonMs: 6 * 3600_000,
  breakerFailures: 5,
  breakerCooldownMs: 5_000,
  breakerMaxCooldownMs: 60_000,
};

/** When a message stops being worth sending, and why: the end of the customer's window, or the setting for templates / free-form. */
export interface RetryHorizon {
  at: number;
  reason: 'window' | 'template' | 'setting';
}

/**
 * Past its horizon a message is failed rather than retried. A free-form message is only
 * deliverable while the customer's 24-hour window is open (the window as it is now: a new
 * customer message extends it); a template can go any time, so it gets a fixed span.
 */
export function retryHorizon(m: { kind: string; createdAt: number; lastCustomerMessageAt: number | null }, policy: SendPolicy): RetryHorizon {
  if (m.kind === 'template') return { at: m.createdAt + policy.templateHorizonMs, reason: 'template' };
  const windowEnd = m.lastCustomerMessageAt === null ? m.createdAt : m.lastCustomerMessageAt + CUSTOMER_WINDOW_MS;
  if (policy.freeFormHorizonMs > 0 && m.createdAt + policy.freeFormHorizonMs < windowEnd) return { at: m.createdAt + policy.freeFormHorizonMs, reason: 'setting' };
  return { at: windowEnd, reason: 'window' };
}

/**
 * The wait before attempt `attempts + 1` after a retryable failure: exponential with jitter
 * (backoffMs), and never sooner than the server's Retry-After (or Meta's per-code guidance,
 * which the adapter reports the same way). Pure.
 */
export function retryDelayMs(attempts: number, retryAfterMs: number | undefined, policy: SendPolicy, random: () => number = Math.random): number {
  const backoff = backoffMs(attempts, { baseMs: policy.retryBaseMs, maxMs: policy.retryMaxDelayMs, random });
  return Math.max(backoff, retryAfterMs ?? 0);
}

/** Failures that say the number (or Graph) is in trouble, as opposed to one recipient: 131056 is the business->user pair limit. */
export function countsAgainstNumber(code: string): boolean {
  return code !== 'whatsapp_131056' && code !== 'adapter_closed';
}
