/**
 * When a schedule means, in epoch ms: an ISO 8601 time with its offset (`2026-07-15T09:00:00Z`,
 * `...-06:00`), or a wall-clock time (`2026-07-15T09:00`) in an IANA time zone
 * (`America/Mexico_City`). A wall-clock time that does not exist (skipped by a daylight-saving
 * change) moves forward by the change, as clocks do. Pure.
 */
export function scheduleTime(at: string, timeZone: string | undefined): { ok: true; at: number } | { ok: false; message: string } {
  if (/(Z|[+-]\d{2}:?\d{2})$/i.test(at)) {
    const t = Date.parse(at);
    return Number.isNaN(t) ? { ok: false, message: `"at" is not an ISO 8601 time: ${at}.` } : { ok: true, at: t };
  }
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(at);
  if (!m)
    return {
      ok: false,
      message: `"at" must be an ISO 8601 time with an offset, or a local time like 2026-07-15T09:00 with "time_zone"; got ${at}.`,
    };
  if (!timeZone)
    return { ok: false, message: `"at" has no offset: give "time_zone" (like America/Mexico_City), or an offset such as Z or -06:00.` };
  let offsetAt: (t: number) => number;
  try {
    const fmt = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    offsetAt = (t) => {
      const parts = fmt.formatToParts(new Date(t));
      const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
      return Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second')) - Math.floor(t / 1000) * 1000;
    };
  } catch {
    return { ok: false, message: `"time_zone" must be an IANA time zone like America/Mexico_City; got ${timeZone}.` };
  }
  const wall = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0));
  const first = wall - offsetAt(wall);
  return { ok: true, at: wall - offsetAt(first) };
}
