/**
 * Every knob of the benchmark in one place, so the JSON report can record what was run.
 * `BENCH_QUICK=1` shrinks every phase (a smoke run of the harness itself, not a measurement).
 */
const quick = process.env.BENCH_QUICK === '1';

export const SECRETS = {
  accessToken: 'bench-access-token',
  appSecret: 'bench-app-secret-0123456789',
  verifyToken: 'bench-verify-token',
} as const;

export const settings = {
  quick,
  webhookLoad: {
    connections: 50,
    warmupSeconds: quick ? 1 : 2,
    durationSeconds: quick ? 2 : 8,
  },
  endToEnd: {
    ratePerSecond: 300,
    durationSeconds: quick ? 3 : 10,
    /** A reply not seen this long after the last send counts as missing. */
    graceMs: 3_000,
  },
  sustained: {
    // Starts below 300 so a build that cannot sustain 300 msg/s still gets a figure.
    stepsPerSecond: quick ? [100, 300] : [50, 100, 200, 300, 500, 750, 1000, 1250, 1500],
    stepSeconds: quick ? 2 : 6,
    deadlineMs: 1_000,
    /** Before a step: wait (at most this long) until the simulator and Switchboard have no work left. */
    settleTimeoutMs: 20_000,
  },
  /** (p) issue #16: the reference and Switchboard at fixed paced rates, real status callbacks. */
  paced: {
    // BENCH_PACED_RATES=20,50: other rates (a machine too loaded to keep up at 100 still compares builds).
    ratesPerSecond: process.env.BENCH_PACED_RATES ? process.env.BENCH_PACED_RATES.split(',').map(Number) : [100, 300],
    seconds: quick ? 3 : 10,
    warmupSeconds: quick ? 1 : 2,
  },
  switchboard: {
    /** The number's outbound throughput (Meta's default tier is 80/s): raised so it is not the limit. */
    throughputPerSecond: 2_000,
    /** BENCH_WORKERS overrides it (sizing the pool by measurement, issue #16). */
    workerConcurrency: Number(process.env.BENCH_WORKERS ?? 8),
  },
  simulator: {
    throughputPerSecond: 5_000,
    pairRateLimit: false as const,
    /** Every reply is logged; the default cap (10,000) is below what one run sends. */
    maxLogEntries: 200_000,
  },
  /** Hard stop for the whole run: a hung phase must not hang the benchmark. */
  overallTimeoutMs: 12 * 60_000, // (f) flow sessions adds one to two minutes, (p) about two a repetition
};

export type Settings = typeof settings;
