/** Wall-clock parts of an instant in a time zone, by Intl (DST from the runtime's tz data). */
export interface LocalParts {
  y: number;
  mo: number;
  d: number;
  h: number;
  mi: number;
  weekday: number; // 1 = Monday ... 7 = Sunday
  offsetMin: number; // local minus UTC
}

const formatters = new Map<string, Intl.DateTimeFormat>();
const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

export function localParts(t: number, timezone: string): LocalParts {
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
      second: '2-digit',
      weekday: 'short',
    });
    formatters.set(timezone, f);
  }
  const p: Record<string, string> = {};
  for (const part of f.formatToParts(new Date(t))) p[part.type] = part.value;
  const y = Number(p.year);
  const mo = Number(p.month);
  const d = Number(p.day);
  const h = Number(p.hour) % 24;
  const mi = Number(p.minute);
  const s = Number(p.second);
  const offsetMin = Math.round((Date.UTC(y, mo - 1, d, h, mi, s) - Math.floor(t / 1000) * 1000) / 60_000);
  return { y, mo, d, h, mi, weekday: WEEKDAYS.indexOf(p.weekday ?? '') + 1, offsetMin };
}

/** The instant a local date and minute of day happen in a zone (two corrections settle DST; 1440 is the next midnight). */
export function localInstant(y: number, mo: number, d: number, minutes: number, timezone: string): number {
  const wall = Date.UTC(y, mo - 1, d, 0, minutes);
  let t = wall;
  for (let i = 0; i < 2; i++) {
    const p = localParts(t, timezone);
    t += wall - Date.UTC(p.y, p.mo - 1, p.d, p.h, p.mi);
  }
  return t;
}

export function isValidTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
