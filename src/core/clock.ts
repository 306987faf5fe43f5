/** Time is injected so tests can move it without sleeping. */
export interface Clock {
  now(): number; // epoch milliseconds
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock tests can move forward; starts at the real time unless told otherwise. */
export class FakeClock implements Clock {
  private t: number;
  constructor(start = Date.now()) {
    this.t = start;
  }
  now(): number {
    return this.t;
  }
  advance(ms: number): void {
    this.t += ms;
  }
  set(ms: number): void {
    this.t = ms;
  }
}

/** A clock that follows real time plus an offset; lets a running system "skip" hours. */
export class OffsetClock implements Clock {
  offsetMs = 0;
  private readonly listeners = new Set<(ms: number) => void>();
  now(): number {
    return Date.now() + this.offsetMs;
  }
  advance(ms: number): void {
    this.offsetMs += ms;
    for (const fn of [...this.listeners]) fn(ms);
  }
  /** Called after each advance, so timers armed in real time can re-check what became due. */
  onAdvance(fn: (ms: number) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }
}

/** Runs `fn` after every advance of a clock that can skip ahead (OffsetClock); a no-op for others. Returns the unsubscribe. */
export function onClockAdvance(clock: Clock, fn: (ms: number) => void): () => void {
  return clock instanceof OffsetClock ? clock.onAdvance(fn) : () => undefined;
}
