/**
 * Token buckets on the scheduler's virtual clock (real time + advanceTime), so a test can also
 * "wait out" a limit by advancing time.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;
  constructor(
    private readonly capacity: number,
    private readonly refillPerMs: number,
    now: number,
  ) {
    this.tokens = capacity;
    this.last = now;
  }

  take(now: number): boolean {
    this.tokens = Math.min(this.capacity, this.tokens + (now - this.last) * this.refillPerMs);
    this.last = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return true;
    }
    return false;
  }

  /** Full again (nothing to remember). */
  isFull(now: number): boolean {
    return this.tokens + (now - this.last) * this.refillPerMs >= this.capacity;
  }
}

/**
 * Per-number throughput (Meta: 80 msg/s by default ⇒ 130429) and per (business, customer) pair
 * limit (1 msg / 6 s with bursts of 45 ⇒ 131056). Throughput allows one second's worth of burst.
 */
export class RateLimits {
  private readonly perNumber = new Map<string, TokenBucket>();
  private readonly perPair = new Map<string, TokenBucket>();
  private sweepCounter = 0;

  constructor(
    private readonly throughputPerSecond: number,
    private readonly pair: { perSeconds: number; burst: number } | false,
    private readonly now: () => number,
  ) {}

  takeThroughput(phoneNumberId: string): boolean {
    let b = this.perNumber.get(phoneNumberId);
    if (!b) {
      b = new TokenBucket(Math.max(1, this.throughputPerSecond), this.throughputPerSecond / 1000, this.now());
      this.perNumber.set(phoneNumberId, b);
    }
    return b.take(this.now());
  }

  takePair(phoneNumberId: string, waId: string): boolean {
    if (!this.pair) return true;
    const key = `${phoneNumberId}:${waId}`;
    let b = this.perPair.get(key);
    if (!b) {
      b = new TokenBucket(this.pair.burst, 1 / (this.pair.perSeconds * 1000), this.now());
      this.perPair.set(key, b);
      if (++this.sweepCounter % 10_000 === 0) this.sweep();
    }
    return b.take(this.now());
  }

  /** Full buckets carry no information; dropping them caps memory under many recipients. */
  private sweep(): void {
    const now = this.now();
    for (const [k, b] of this.perPair) if (b.isFull(now)) this.perPair.delete(k);
  }
}
