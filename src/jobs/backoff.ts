/** Exponential backoff with full jitter: attempt 1 waits ~base, doubling up to max. Pure. */
export function backoffMs(attempt: number, opts: { baseMs?: number; maxMs?: number; random?: () => number } = {}): number {
  const base = opts.baseMs ?? 500;
  const max = opts.maxMs ?? 10 * 60_000;
  const random = opts.random ?? Math.random;
  const ceiling = Math.min(max, base * 2 ** Math.max(0, attempt - 1));
  // Half fixed, half random: never retries instantly, and spreads a herd of failures apart.
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
