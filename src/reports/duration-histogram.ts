/**
 * Durations are kept as counts per logarithmic bucket: bucket 0 holds 0 ms, bucket k >= 1 holds
 * [1.05^(k-1), 1.05^k) ms. A percentile is read as the geometric middle of its bucket, so it is
 * within 2.5% of the exact value (docs/reports.md); the average is exact (sum / count).
 */
const RATIO = 1.05;
const LOG_RATIO = Math.log(RATIO);

export function bucketOf(ms: number): number {
  return ms < 1 ? 0 : 1 + Math.floor(Math.log(ms) / LOG_RATIO);
}

export function bucketValue(bucket: number): number {
  return bucket === 0 ? 0 : Math.round(RATIO ** (bucket - 0.5));
}

/**
 * Nearest-rank percentile (the smallest value with at least p of the counts at or below it), of
 * counts by bucket: a Map, or an array indexed by bucket.
 */
export function percentile(counts: ReadonlyMap<number, number> | readonly number[], p: number): number | null {
  const sorted: Array<[number, number]> = Array.isArray(counts)
    ? counts.map((n, b): [number, number] => [b, n])
    : [...(counts as ReadonlyMap<number, number>).entries()].sort((a, c) => a[0] - c[0]);
  let total = 0;
  for (const [, n] of sorted) total += n;
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil(p * total));
  let seen = 0;
  for (const [b, n] of sorted) {
    seen += n;
    if (seen >= rank) return bucketValue(b);
  }
  return null;
}
