import type { FlowDocument } from './flow-types.ts';

/** The re-engagement message when a flow sets none (docs/flows.md). */
export const DEFAULT_REENGAGE_MESSAGE = 'Are you still there? Shall we continue where we left off?';
export const DEFAULT_REENGAGE_YES = 'Yes, continue';
export const DEFAULT_REENGAGE_NO = 'No, thanks';
/** Button ids of the re-engagement question: the answer is recognised by them (or by the titles). */
export const REENGAGE_YES_ID = 'reengage_yes';
export const REENGAGE_NO_ID = 'reengage_no';

/** Operator defaults (BUSINESS_HOURS, BUSINESS_TIMEZONE) a flow's settings override. */
export interface TimeDefaults {
  businessHours?: { start: string; end: string };
  timezone?: string;
}

export interface TimeSettings {
  reengage: { enabled: boolean; delayMs: number; message: string; yes: string; no: string };
  hours: BusinessHours;
  timeoutMs: number;
}

export interface BusinessHours {
  startMin: number; // minutes after local midnight
  endMin: number;
  timezone: string;
  days: ReadonlySet<number>; // 1 = Monday ... 7 = Sunday
}

const ALL_DAYS: ReadonlySet<number> = new Set([1, 2, 3, 4, 5, 6, 7]);

/** A flow's time rules with every default filled in. */
export function timeSettings(doc: FlowDocument, defaults: TimeDefaults = {}): TimeSettings {
  const s = doc.settings ?? {};
  const r = s.reengagement ?? {};
  const bh = s.business_hours ?? {};
  return {
    reengage: {
      enabled: r.enabled ?? false,
      delayMs: (r.delay_minutes ?? 120) * 60_000,
      message: r.message ?? DEFAULT_REENGAGE_MESSAGE,
      yes: r.yes ?? DEFAULT_REENGAGE_YES,
      no: r.no ?? DEFAULT_REENGAGE_NO,
    },
    hours: {
      startMin: minutesOf(bh.start ?? defaults.businessHours?.start ?? '08:00'),
      endMin: minutesOf(bh.end ?? defaults.businessHours?.end ?? '19:00'),
      timezone: bh.timezone ?? defaults.timezone ?? 'UTC',
      days: bh.days?.length ? new Set(bh.days) : ALL_DAYS,
    },
    timeoutMs: (s.session_timeout_minutes ?? 1440) * 60_000,
  };
}

/** "08:30" -> 510; "24:00" is the end of the day. */
export function minutesOf(hhmm: string): number {
  const m = /^(\d{2}):(\d{2})$/.exec(hhmm);
  return m ? Number(m[1]) * 60 + Number(m[2]) : 0;
}

export function isValidTimezone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The wall clock in a zone, by Intl (no dependency; DST comes from the runtime's tz data). */
function localParts(t: number, timezone: string): { y: number; mo: number; d: number; h: number; mi: number; weekday: number } {
  let f = formatters.get(timezone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      weekday: 'short',
    });
    formatters.set(timezone, f);
  }
  const p: Record<string, string> = {};
  for (const part of f.formatToParts(new Date(t))) p[part.type] = part.value;
  const weekday = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].indexOf(p.weekday ?? '') + 1;
  return { y: Number(p.year), mo: Number(p.month), d: Number(p.day), h: Number(p.hour) % 24, mi: Number(p.minute), weekday };
}

/** The instant a local wall-clock time happens in a zone (offset found by two corrections, for DST). */
function instantOf(y: number, mo: number, d: number, minutes: number, timezone: string): number {
  const wall = Date.UTC(y, mo - 1, d, 0, minutes);
  let t = wall;
  for (let i = 0; i < 2; i++) {
    const p = localParts(t, timezone);
    const seen = Date.UTC(p.y, p.mo - 1, p.d, p.h, p.mi);
    t += wall - seen;
  }
  return t;
}

export function isBusinessTime(t: number, hours: BusinessHours): boolean {
  const p = localParts(t, hours.timezone);
  const min = p.h * 60 + p.mi;
  return hours.days.has(p.weekday) && min >= hours.startMin && min < hours.endMin;
}

/** `t` itself when it is inside business hours, else the next opening (within two weeks). */
export function nextBusinessTime(t: number, hours: BusinessHours): number {
  if (isBusinessTime(t, hours)) return t;
  const p = localParts(t, hours.timezone);
  for (let day = 0; day < 15; day++) {
    // Date.UTC normalises day overflow (31 + 1 -> the 1st of the next month).
    const probe = new Date(Date.UTC(p.y, p.mo - 1, p.d + day));
    const opening = instantOf(probe.getUTCFullYear(), probe.getUTCMonth() + 1, probe.getUTCDate(), hours.startMin, hours.timezone);
    if (opening > t && isBusinessTime(opening, hours)) return opening;
  }
  return t; // no opening at all (an empty day list is refused by validation): do not block forever
}
