import { CUSTOMER_WINDOW_MS } from '../conversations/customer-window.ts';
import { backoffMs } from '../jobs/backoff.ts';

import type { SendPolicy } from '../config.ts';

export { DEFAULT_SEND_POLICY, type SendPolicy } from '../config.ts';

/** When a message stops being worth sending, and why: the end of the customer's window, or the setting for templates / free-form. */
export interface RetryHorizon {
  at: number;
  reason: 'window' | 'template' | 'setting' | 'no_window';
}

/**
 * Past its horizon a message is failed rather than retried. A free-form message is only
 * deliverable while the customer's 24-hour window is open (the window as it is now: a new
 * customer message extends it); a template can go any time, so it gets a fixed span.
 */
export function retryHorizon(
  m: { kind: string; createdAt: number; lastCustomerMessageAt: number | null; serviceWindow?: boolean },
  policy: SendPolicy,
): RetryHorizon {
  if (m.kind === 'template') return { at: m.createdAt + policy.templateHorizonMs, reason: 'template' };
  // A channel without a service window (Telegram): retried as long as SEND_RETRY_HORIZON_MS, else as a template.
  if (m.serviceWindow === false)
    return policy.freeFormHorizonMs > 0
      ? { at: m.createdAt + policy.freeFormHorizonMs, reason: 'setting' }
      : { at: m.createdAt + policy.templateHorizonMs, reason: 'no_window' };
  const windowEnd = m.lastCustomerMessageAt === null ? m.createdAt : m.lastCustomerMessageAt + CUSTOMER_WINDOW_MS;
  if (policy.freeFormHorizonMs > 0 && m.createdAt + policy.freeFormHorizonMs < windowEnd)
    return { at: m.createdAt + policy.freeFormHorizonMs, reason: 'setting' };
  return { at: windowEnd, reason: 'window' };
}

/**
 * The wait before attempt `attempts + 1` after a retryable failure: exponential with jitter
 * (backoffMs), and never sooner than the server's Retry-After (or Meta's per-code guidance,
 * which the adapter reports the same way). Pure.
 */
export function retryDelayMs(
  attempts: number,
  retryAfterMs: number | undefined,
  policy: SendPolicy,
  random: () => number = Math.random,
): number {
  const backoff = backoffMs(attempts, { baseMs: policy.retryBaseMs, maxMs: policy.retryMaxDelayMs, random });
  return Math.max(backoff, retryAfterMs ?? 0);
}

/** Failures that say the number (or Graph) is in trouble, as opposed to one recipient: 131056 is the business->user pair limit. */
export function countsAgainstNumber(code: string): boolean {
  return code !== 'whatsapp_131056' && code !== 'adapter_closed';
}
