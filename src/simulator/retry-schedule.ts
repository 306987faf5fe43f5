/**
 * Pure backoff: the delay before attempt `attempt + 1` after `attempt` failed attempts.
 * Meta only says "decreasing frequency for up to 7 days" (schedule UNCONFIRMED); this is our
 * choice: exponential (initial × factor^(attempt-1)), capped, with ±jitter so a fleet of failed
 * deliveries does not retry in lockstep.
 */
export function retryDelayMs(
  attempt: number,
  cfg: { initialDelayMs: number; factor: number; maxDelayMs: number; jitter: number },
  random: () => number = Math.random,
): number {
  const exp = cfg.initialDelayMs * cfg.factor ** Math.max(0, attempt - 1);
  const base = Math.min(cfg.maxDelayMs, exp);
  const spread = base * cfg.jitter * (2 * random() - 1);
  return Math.max(0, Math.min(cfg.maxDelayMs, Math.round(base + spread)));
}
