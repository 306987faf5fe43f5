import type { Clock } from '../core/clock.ts';

interface AdvanceableClock extends Clock {
  advance(ms: number): void;
}

function canAdvance(c: Clock): c is AdvanceableClock {
  return typeof (c as Partial<AdvanceableClock>).advance === 'function';
}

/**
 * The simulator's notion of "now" (timestamps, 24 h window, media expiry, template times).
 * When the injected clock can advance (FakeClock/OffsetClock) we move *it*, so the application
 * under test and the simulator agree on the time; otherwise we keep our own offset.
 */
export class SimClock implements Clock {
  private offset = 0;
  constructor(private readonly base: Clock) {}

  /** True when advancing moves the injected clock too (an app sharing it sees the same time). */
  get shared(): boolean {
    return canAdvance(this.base);
  }

  now(): number {
    return this.base.now() + this.offset;
  }

  advance(ms: number): void {
    if (canAdvance(this.base)) this.base.advance(ms);
    else this.offset += ms;
  }
}
