/**
 * When a failed delivery is tried again, or that it is dead. Pure. The nominal schedule doubles
 * from `baseMs` up to `maxDelayMs` (30 s, 1 min, 2 min ... 32 min, then hourly); ±20 % jitter
 * keeps receivers that failed together from being retried together.
 */
export function nextRetry(
  input: { attempts: number; firstAttemptAt: number; now: number },
  s: { retryBaseMs: number; maxDelayMs: number; maxAttempts: number; maxAgeMs: number },
  random: () => number = Math.random,
): { retry: true; delayMs: number } | { retry: false } {
  if (input.attempts >= s.maxAttempts) return { retry: false };
  const nominal = Math.min(s.maxDelayMs, s.retryBaseMs * 2 ** Math.max(0, input.attempts - 1));
  const delayMs = Math.max(1, Math.round(nominal * (0.8 + 0.4 * random())));
  if (input.now + delayMs - input.firstAttemptAt > s.maxAgeMs) return { retry: false };
  return { retry: true, delayMs };
}
