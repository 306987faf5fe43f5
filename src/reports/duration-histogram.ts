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

/** Nearest-rank percentile (the smallest value with at least p of the counts at or below it). */
export function percentile(counts: ReadonlyMap<number, number>, p: number): number | null {
  let total = 0;
  for (const n of counts.values()) total += n;
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil(p * total));
  let seen = 0;
  for (const b of [...counts.keys()].sort((a, c) => a - c)) {
    seen += counts.get(b) ?? 0;
    if (seen >= rank) return bucketValue(b);
  }
  return null;
}
