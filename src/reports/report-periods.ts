import { localInstant, localParts } from './local-time.ts';

const HOUR = 3_600_000;
export const INTERVALS = ['hour', 'day', 'week', 'none'] as const;
export type Interval = (typeof INTERVALS)[number];

/** A report's range, in whole UTC hours (rollups are hourly), and its periods in the chosen zone. */
export interface ReportRange {
  from: number; // inclusive, an hour start
  to: number; // exclusive, an hour start
  timeZone: string;
  interval: Interval;
}

/** `from` rounded down and `to` rounded up to whole hours. */
export function hourRange(from: number, to: number): { from: number; to: number } {
  return { from: Math.floor(from / HOUR) * HOUR, to: Math.ceil(to / HOUR) * HOUR };
}

/**
 * The label of the period an hour bucket belongs to: the local start of its hour, day or ISO week
 * (Monday) with its UTC offset, like 2026-03-29T00:00:00+01:00. Days follow the zone's calendar,
 * so a DST day holds 23 or 25 hourly buckets. A zone whose offset is not whole hours (India,
 * Nepal) puts each UTC hour in the local day where it starts (docs/reports.md).
 */
export function periodOf(hour: number, range: ReportRange, cache: Map<number, string>): string | null {
  if (range.interval === 'none') return null;
  const hit = cache.get(hour);
  if (hit !== undefined) return hit;
  const p = localParts(hour, range.timeZone);
  let start: number;
  if (range.interval === 'hour') start = hour;
  else {
    const back = range.interval === 'week' ? p.weekday - 1 : 0;
    const day = new Date(Date.UTC(p.y, p.mo - 1, p.d - back));
    start = localInstant(day.getUTCFullYear(), day.getUTCMonth() + 1, day.getUTCDate(), 0, range.timeZone);
  }
  const label = isoWithOffset(start, range.timeZone);
  cache.set(hour, label);
  return label;
}

export function isoWithOffset(t: number, timeZone: string): string {
  const p = localParts(t, timeZone);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const off = Math.abs(p.offsetMin);
  const sign = p.offsetMin < 0 ? '-' : '+';
  return `${pad(p.y, 4)}-${pad(p.mo)}-${pad(p.d)}T${pad(p.h)}:${pad(p.mi)}:00${sign}${pad(Math.floor(off / 60))}:${pad(off % 60)}`;
}
