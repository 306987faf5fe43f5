import type { Clock } from '../core/clock.ts';

export type BreakerState = 'closed' | 'open' | 'half_open';

export interface BreakerSettings {
  /** Consecutive failures that open the breaker. */
  failures: number;
  /** The first open period; doubles after each failed probe, up to maxCooldownMs. */
  cooldownMs: number;
  maxCooldownMs: number;
}

export type Admission = { ok: true; probe: boolean } | { ok: false; retryAt: number };

/** What /health/ready shows for a number. */
export interface BreakerSnapshot {
  state: BreakerState;
  consecutive_failures: number;
  open_until: string | null;
  trips: number;
}

/**
 * A per-number circuit breaker for calls to the Graph API. Closed: every call goes through.
 * After `failures` consecutive retryable failures it opens for a cool-down: callers are told when
 * to come back instead of calling. After the cool-down it is half open: one call (the probe) goes
 * through while the others wait; a success closes it, a failure opens it again for twice as long.
 * A probe that never reports (its process died) is replaced after the cool-down again.
 * Per process and in memory: a restart starts closed, which at worst costs one probe. Pure logic
 * over an injected clock.
 */
export class CircuitBreaker {
  private consecutive = 0;
  private openUntil: number | null = null;
  private cooldown: number;
  private trips = 0;
  private probeSince: number | null = null;

  constructor(
    private readonly settings: BreakerSettings,
    private readonly clock: Clock,
  ) {
    this.cooldown = settings.cooldownMs;
  }

  state(): BreakerState {
    if (this.openUntil === null) return 'closed';
    return this.clock.now() < this.openUntil ? 'open' : 'half_open';
  }

  /** May a call go out now? A refusal says when to ask again. */
  admit(): Admission {
    const now = this.clock.now();
    if (this.openUntil === null) return { ok: true, probe: false };
    if (now < this.openUntil) return { ok: false, retryAt: this.openUntil };
    // Half open: one probe at a time; a probe silent for a whole cool-down is presumed lost.
    if (this.probeSince !== null && now - this.probeSince < this.cooldown)
      return { ok: false, retryAt: Math.min(now + 1000, this.probeSince + this.cooldown) };
    this.probeSince = now;
    return { ok: true, probe: true };
  }

  /** The Graph API answered (an acceptance, or an error about the message itself): the number works. */
  success(): void {
    this.consecutive = 0;
    this.openUntil = null;
    this.probeSince = null;
    this.cooldown = this.settings.cooldownMs;
  }

  /** A retryable failure of the number (network, 5xx, throughput). `retryAfterMs`: the server's own wait, when it gave one. */
  failure(retryAfterMs?: number): void {
    this.consecutive++;
    if (this.openUntil === null) {
      if (this.consecutive >= this.settings.failures) this.open(retryAfterMs);
      return;
    }
    // Open already: a call that started before it opened changes nothing; a failed probe doubles the cool-down.
    if (this.probeSince === null) return;
    this.cooldown = Math.min(this.cooldown * 2, this.settings.maxCooldownMs);
    this.open(retryAfterMs);
  }

  private open(retryAfterMs: number | undefined): void {
    this.trips++;
    this.probeSince = null;
    this.openUntil = this.clock.now() + Math.max(this.cooldown, retryAfterMs ?? 0);
  }

  snapshot(): BreakerSnapshot {
    const state = this.state();
    return {
      state,
      consecutive_failures: this.consecutive,
      open_until: state === 'closed' || this.openUntil === null ? null : new Date(this.openUntil).toISOString(),
      trips: this.trips,
    };
  }
}
