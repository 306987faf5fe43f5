import type { Config } from '../config.ts';

export interface WebhookSettings {
  /** Deliver to loopback/private addresses (the simulator and tests); off in production. */
  allowPrivate: boolean;
  timeoutMs: number;
  /** First retry waits about this long; each later one doubles, up to maxDelayMs. */
  retryBaseMs: number;
  maxDelayMs: number;
  /** A delivery is dead after this many attempts or after maxAgeMs, whichever comes first. */
  maxAttempts: number;
  maxAgeMs: number;
  /** Default for a new subscription's max_concurrency (deliveries in flight at once). */
  concurrencyPerSubscription: number;
  /** Bytes of a receiver's response kept in the delivery log. */
  responseExcerptBytes: number;
}

export const DEFAULT_WEBHOOK_SETTINGS: WebhookSettings = {
  allowPrivate: false,
  timeoutMs: 10_000,
  retryBaseMs: 30_000,
  maxDelayMs: 3_600_000,
  maxAttempts: 40,
  maxAgeMs: 24 * 3_600_000,
  concurrencyPerSubscription: 2,
  responseExcerptBytes: 1024,
};

export function webhookSettings(config: Config): WebhookSettings {
  return { ...DEFAULT_WEBHOOK_SETTINGS, ...config.eventWebhooks };
}
