import type { Clock } from './clock.ts';

/**
 * At most `limit` events in any `windowMs` sliding window (a ring of the last `limit` times).
 * Stricter than a token bucket, whose refill can let nearly 2x the rate through within one
 * second; WhatsApp counts messages per second, so we never exceed the rate in any second.
 */
export class RateWindow {
  private readonly times: number[];
  private next = 0;

  constructor(
    readonly limit: number,
    private readonly windowMs: number,
    private readonly clock: Clock,
  ) {
    this.times = new Array<number>(limit).fill(-Infinity);
  }

  /** Takes a slot now, or says how many ms until one frees up. */
  take(): { ok: true } | { ok: false; waitMs: number } {
    const now = this.clock.now();
    const oldest = this.times[this.next] ?? -Infinity;
    if (now - oldest >= this.windowMs) {
      this.times[this.next] = now;
      this.next = (this.next + 1) % this.limit;
      return { ok: true };
    }
    return { ok: false, waitMs: Math.max(1, oldest + this.windowMs - now) };
  }
}
