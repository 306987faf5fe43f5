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
 * The periods of a range: the label of the period each hour bucket belongs to, the local start of
 * its hour, day or ISO week (Monday) with its UTC offset, like 2026-03-29T00:00:00+01:00. Days
 * follow the zone's calendar, so a DST day holds 23 or 25 hourly buckets. A zone whose offset is
 * not whole hours (India, Nepal) puts each UTC hour in the local day where it starts
 * (docs/reports.md). Built once per report: the zone is asked about each local day once, and
 * about each hour only on a day whose offset changes.
 */
export class PeriodIndex {
  private readonly starts: number[] = [];
  private readonly labels: string[] = [];
  private readonly offsets: number[] = []; // the offset at each local day start
  private readonly weekdays: number[] = [];
  private readonly hourLabels = new Map<number, string>();

  constructor(private readonly range: ReportRange) {
    if (range.interval === 'none') return;
    const first = localParts(range.from, range.timeZone);
    for (let i = 0; ; i++) {
      const day = new Date(Date.UTC(first.y, first.mo - 1, first.d + i));
      const start = localInstant(day.getUTCFullYear(), day.getUTCMonth() + 1, day.getUTCDate(), 0, range.timeZone);
      const p = localParts(start, range.timeZone);
      this.starts.push(start);
      this.offsets.push(p.offsetMin);
      this.weekdays.push(p.weekday);
      this.labels.push(label(p.y, p.mo, p.d, p.h, p.mi, p.offsetMin));
      if (start >= range.to) break;
    }
  }

  /** The period label of an hour bucket (null when interval=none). */
  of(hour: number): string | null {
    const interval = this.range.interval;
    if (interval === 'none') return null;
    const i = this.dayIndex(hour);
    if (interval === 'day') return this.labels[i] ?? null;
    if (interval === 'week') {
      const back = (this.weekdays[i] as number) - 1;
      if (i - back >= 0) return this.labels[i - back] ?? null;
      const p = localParts(this.starts[i] as number, this.range.timeZone);
      const monday = new Date(Date.UTC(p.y, p.mo - 1, p.d - back));
      const start = localInstant(monday.getUTCFullYear(), monday.getUTCMonth() + 1, monday.getUTCDate(), 0, this.range.timeZone);
      return isoWithOffset(start, this.range.timeZone);
    }
    let hit = this.hourLabels.get(hour);
    if (hit === undefined) {
      const off = this.offsets[i] as number;
      if (off === this.offsets[i + 1]) {
        const d = new Date(hour + off * 60_000);
        hit = label(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), off);
      } else hit = isoWithOffset(hour, this.range.timeZone); // a day whose offset changes (DST)
      this.hourLabels.set(hour, hit);
    }
    return hit;
  }

  /** The local day holding `t`: the last start at or before it. */
  private dayIndex(t: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.starts[mid] as number) <= t) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}

function label(y: number, mo: number, d: number, h: number, mi: number, offsetMin: number): string {
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const off = Math.abs(offsetMin);
  return `${pad(y, 4)}-${pad(mo)}-${pad(d)}T${pad(h)}:${pad(mi)}:00${offsetMin < 0 ? '-' : '+'}${pad(Math.floor(off / 60))}:${pad(off % 60)}`;
}

export function isoWithOffset(t: number, timeZone: string): string {
  const p = localParts(t, timeZone);
  return label(p.y, p.mo, p.d, p.h, p.mi, p.offsetMin);
}
