/** Latency summaries (milliseconds). Nearest-rank percentiles over the full sample. */
export interface LatencySummary {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] ?? NaN;
}

export function summarize(samples: ArrayLike<number>): LatencySummary {
  const sorted = Float64Array.from(samples).sort();
  let sum = 0;
  for (let i = 0; i < sorted.length; i++) sum += sorted[i] ?? 0;
  return {
    count: sorted.length,
    p50: round(percentile(sorted, 50)),
    p90: round(percentile(sorted, 90)),
    p99: round(percentile(sorted, 99)),
    max: round(sorted.length ? (sorted[sorted.length - 1] ?? NaN) : NaN),
    mean: round(sorted.length ? sum / sorted.length : NaN),
  };
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] ?? NaN) : ((s[mid - 1] ?? NaN) + (s[mid] ?? NaN)) / 2;
}

export function round(n: number, digits = 2): number {
  if (!Number.isFinite(n)) return n;
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/** Bounded sample buffer: keeps the first `max` values (enough for any phase here). */
export class Samples {
  private readonly buf: Float64Array;
  private n = 0;
  dropped = 0;
  constructor(max: number) {
    this.buf = new Float64Array(max);
  }
  add(v: number): void {
    if (this.n < this.buf.length) this.buf[this.n++] = v;
    else this.dropped++;
  }
  values(): Float64Array {
    return this.buf.subarray(0, this.n);
  }
}
