import { unixSecondsToEpochMs } from '../../core/unix-time.ts';
/**
 * Tiny narrowing helpers for provider JSON. They replace `as` casts at the boundary and allocate
 * nothing, because the webhook parser runs them on every field of every delivery.
 */

export type JsonRecord = Record<string, unknown>;

export function isRecord(v: unknown): v is JsonRecord {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The value if it is a string, else undefined. */
export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** The value if it is a non-empty string, else undefined (ids must never be ""). */
export function nonEmptyStr(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

/** The value if it is a finite number, else undefined. */
export function finiteNum(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** The value if it is a boolean, else undefined. */
export function bool(v: unknown): boolean | undefined {
  return typeof v === 'boolean' ? v : undefined;
}

/**
 * Meta sends Unix seconds as a string ("1749416383"); be lenient and accept a number too.
 * Returns epoch milliseconds, or undefined when absent, non-numeric, not positive or past any Date.
 */
export function unixSecondsToMs(v: unknown): number | undefined {
  let n: number;
  if (typeof v === 'string') {
    if (v.length === 0) return undefined;
    n = Number(v);
  } else if (typeof v === 'number') {
    n = v;
  } else {
    return undefined;
  }
  // A huge number would even overflow to Infinity once in milliseconds.
  return unixSecondsToEpochMs(n);
}
