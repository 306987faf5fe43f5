import type { Clock } from './clock.ts';

const IN_FLIGHT_RECHECK_MS = 20;

export type RateSlot = { ok: true; release(): void } | { ok: false; waitMs: number };

/**
 * At most `limit` events in any `windowMs` sliding window (a ring of the last `limit` times).
 * Stricter than a token bucket, whose refill can let nearly 2x the rate through within one
 * second; WhatsApp counts messages per second, so we never exceed the rate in any second.
 *
 * A slot counts from when it is taken until it is released (the Graph API answered), and is
 * stamped with the release time: Meta counts a message when it arrives, somewhere in between, so
 * a request delayed in flight pushes the next ones back instead of arriving bunched with them.
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
  take(): RateSlot {
    const now = this.clock.now();
    const index = this.next;
    const oldest = this.times[index] ?? -Infinity;
    // Still in flight: its arrival time at Meta is unknown until it answers.
    if (oldest === Infinity) return { ok: false, waitMs: IN_FLIGHT_RECHECK_MS };
    if (now - oldest < this.windowMs) return { ok: false, waitMs: Math.max(1, oldest + this.windowMs - now) };
    this.times[index] = Infinity;
    this.next = (index + 1) % this.limit;
    let released = false;
    return {
      ok: true,
      release: () => {
        if (released) return;
        released = true;
        this.times[index] = this.clock.now();
      },
    };
  }
}
