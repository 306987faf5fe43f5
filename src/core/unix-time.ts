/** The largest Unix time in seconds a Date can hold (year 275760); past it, a time is no time. */
export const MAX_UNIX_SECONDS = 8_640_000_000_000;

/** Epoch milliseconds for a provider's Unix seconds, or undefined unless finite, positive and a valid Date. */
export function unixSecondsToEpochMs(n: number): number | undefined {
  return Number.isFinite(n) && n > 0 && n <= MAX_UNIX_SECONDS ? n * 1000 : undefined;
}
