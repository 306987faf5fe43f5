/**
 * The filters of the expression syntax (`{{ path | name: arg, arg }}`): checked when a template is
 * parsed (so a bad argument is a validation error naming the block), applied when it renders.
 * Arguments are quoted strings or numbers. Dates are ISO 8601 strings (`{{now}}`), YYYY-MM-DD
 * dates (what a date question stores) or epoch milliseconds; a value that is not a date renders
 * empty through a date filter rather than failing the session.
 */

export type FilterArg = string | number;
export interface Filter {
  name: string;
  args: FilterArg[];
}

type Check = { ok: true } | { ok: false; message: string };
const OK: Check = { ok: true };
const bad = (message: string): Check => ({ ok: false, message });

/** name -> argument check. */
const SPECS: Record<string, (a: FilterArg[]) => Check> = {
  default: (a) => (a.length === 1 && typeof a[0] === 'string' ? OK : bad('default takes a quoted string: default: "x"')),
  upper: none('upper'),
  lower: none('lower'),
  trim: none('trim'),
  capitalize: none('capitalize'),
  json: none('json'),
  urlencode: none('urlencode'),
  truncate: (a) =>
    isInt(a[0], 1, 4096) && (a.length === 1 || (a.length === 2 && typeof a[1] === 'string'))
      ? OK
      : bad('truncate takes a length from 1 to 4096 and an optional ending: truncate: 20, "…"'),
  replace: (a) =>
    a.length === 2 && typeof a[0] === 'string' && a[0] !== '' && typeof a[1] === 'string'
      ? OK
      : bad('replace takes two quoted strings: replace: "from", "to"'),
  round: (a) =>
    a.length === 0 || (a.length === 1 && isInt(a[0], 0, 10))
      ? OK
      : bad('round takes an optional number of decimals from 0 to 10: round: 2'),
  format_number: (a) => {
    if (a.length > 2 || (a[0] !== undefined && !isLocale(a[0])) || (a.length === 2 && !isInt(a[1], 0, 10)))
      return bad('format_number takes an optional locale and decimals: format_number: "es-MX", 2');
    return OK;
  },
  add_days: amount('add_days'),
  add_hours: amount('add_hours'),
  add_minutes: amount('add_minutes'),
  format_date: (a) => {
    if (typeof a[0] !== 'string' || a[0] === '' || a.length > 3)
      return bad('format_date takes a pattern, an optional time zone and locale: format_date: "dd/MM/yyyy", "America/Mexico_City", "es"');
    if (a[1] !== undefined && (typeof a[1] !== 'string' || !isTimeZone(a[1])))
      return bad(`"${String(a[1])}" is not an IANA time zone (e.g. America/Mexico_City)`);
    if (a[2] !== undefined && !isLocale(a[2])) return bad(`"${String(a[2])}" is not a locale (e.g. es-MX)`);
    return OK;
  },
};

export const FILTER_NAMES = Object.keys(SPECS);

export function checkFilter(f: Filter): Check {
  const spec = SPECS[f.name];
  if (!spec) return bad(`unknown filter "${f.name}" (${FILTER_NAMES.join(', ')})`);
  return spec(f.args);
}

/** Applies a checked filter. */
export function applyFilter(f: Filter, value: unknown): unknown {
  const [a0, a1, a2] = f.args;
  switch (f.name) {
    case 'default':
      return value === undefined || value === null || value === '' ? a0 : value;
    case 'upper':
      return str(value).toUpperCase();
    case 'lower':
      return str(value).toLowerCase();
    case 'trim':
      return str(value).trim();
    case 'capitalize': {
      const s = str(value);
      return s.charAt(0).toUpperCase() + s.slice(1);
    }
    case 'json':
      return JSON.stringify(value ?? null);
    case 'urlencode':
      return encodeURIComponent(str(value));
    case 'truncate': {
      const s = str(value);
      const max = Number(a0);
      const end = typeof a1 === 'string' ? a1 : '…';
      const chars = [...s]; // code points: never cut an emoji in half
      return chars.length <= max ? s : chars.slice(0, Math.max(0, max - [...end].length)).join('') + end;
    }
    case 'replace':
      return str(value).split(String(a0)).join(String(a1));
    case 'round': {
      const n = num(value);
      if (n === null) return '';
      const p = 10 ** Number(a0 ?? 0);
      return Math.round(n * p) / p;
    }
    case 'format_number': {
      const n = num(value);
      if (n === null) return '';
      const digits = a1 === undefined ? {} : { minimumFractionDigits: Number(a1), maximumFractionDigits: Number(a1) };
      return new Intl.NumberFormat(typeof a0 === 'string' ? a0 : 'en-US', digits).format(n);
    }
    case 'add_days':
    case 'add_hours':
    case 'add_minutes':
      return addTime(value, f.name, Number(a0));
    case 'format_date':
      return formatDate(value, String(a0), typeof a1 === 'string' ? a1 : 'UTC', typeof a2 === 'string' ? a2 : 'en');
    default:
      return value;
  }
}

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A date value -> epoch ms and whether it was a calendar date (YYYY-MM-DD) without a time. */
function toDate(v: unknown): { ms: number; dateOnly: boolean } | null {
  if (typeof v === 'number' && Number.isFinite(v)) return { ms: v, dateOnly: false };
  if (typeof v !== 'string' || v.trim() === '') return null;
  const s = v.trim();
  const d = DATE_ONLY.exec(s);
  if (d) {
    const ms = Date.UTC(Number(d[1]), Number(d[2]) - 1, Number(d[3]));
    return Number.isNaN(ms) ? null : { ms, dateOnly: true };
  }
  if (!/^\d{4}-\d{2}-\d{2}T/.test(s)) return null; // only ISO 8601: Date.parse guesses at anything else
  const ms = Date.parse(s);
  return Number.isNaN(ms) ? null : { ms, dateOnly: false };
}

function addTime(v: unknown, unit: string, n: number): string {
  const d = toDate(v);
  if (!d) return '';
  const ms = d.ms + n * (unit === 'add_days' ? 86_400_000 : unit === 'add_hours' ? 3_600_000 : 60_000);
  const iso = new Date(ms).toISOString();
  // A calendar date plus whole days stays a calendar date (a date question's answer + 3 days).
  return d.dateOnly && unit === 'add_days' && Number.isInteger(n) ? iso.slice(0, 10) : iso;
}

/**
 * Tokens: yyyy yy MMMM MMM MM M dd d EEEE EEE HH H hh h mm ss a; text in single quotes is literal.
 * A calendar date (YYYY-MM-DD) is that day whatever the time zone.
 */
function formatDate(v: unknown, pattern: string, timeZone: string, locale: string): string {
  const d = toDate(v);
  if (!d) return '';
  const tz = d.dateOnly ? 'UTC' : timeZone;
  const part = (opts: Intl.DateTimeFormatOptions) => new Intl.DateTimeFormat(locale, { timeZone: tz, ...opts }).formatToParts(d.ms);
  const pick = (type: Intl.DateTimeFormatPartTypes, opts: Intl.DateTimeFormatOptions) =>
    part(opts).find((p) => p.type === type)?.value ?? '';
  const nums = new Intl.DateTimeFormat('en-US', {
    timeZone: tz,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(d.ms);
  const n = (type: Intl.DateTimeFormatPartTypes) => nums.find((p) => p.type === type)?.value ?? '';
  const hour24 = Number(n('hour'));
  const hour12 = hour24 % 12 === 0 ? 12 : hour24 % 12;
  const tokens: Record<string, () => string> = {
    yyyy: () => n('year'),
    yy: () => n('year').slice(-2),
    MMMM: () => pick('month', { month: 'long' }),
    MMM: () => pick('month', { month: 'short' }),
    MM: () => n('month'),
    M: () => String(Number(n('month'))),
    dd: () => n('day'),
    d: () => String(Number(n('day'))),
    EEEE: () => pick('weekday', { weekday: 'long' }),
    EEE: () => pick('weekday', { weekday: 'short' }),
    HH: () => String(hour24).padStart(2, '0'),
    H: () => String(hour24),
    hh: () => String(hour12).padStart(2, '0'),
    h: () => String(hour12),
    mm: () => n('minute'),
    ss: () => n('second'),
    a: () => (hour24 < 12 ? 'AM' : 'PM'),
  };
  return pattern.replace(/'([^']*)'|yyyy|yy|MMMM|MMM|MM|M|dd|d|EEEE|EEE|HH|H|hh|h|mm|ss|a/g, (m, quoted: string | undefined) =>
    quoted !== undefined ? quoted : (tokens[m]?.() ?? m),
  );
}

function none(name: string): (a: FilterArg[]) => Check {
  return (a) => (a.length === 0 ? OK : bad(`${name} takes no argument`));
}

function amount(name: string): (a: FilterArg[]) => Check {
  return (a) =>
    a.length === 1 && typeof a[0] === 'number' && Math.abs(a[0]) <= 100_000
      ? OK
      : bad(`${name} takes a number (may be negative): ${name}: 3`);
}

function isInt(v: FilterArg | undefined, min: number, max: number): boolean {
  return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
}

function isLocale(v: FilterArg): boolean {
  if (typeof v !== 'string' || v === '') return false;
  try {
    return Intl.NumberFormat.supportedLocalesOf([v]).length > 0;
  } catch {
    return false;
  }
}

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

function str(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

function num(v: unknown): number | null {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : null;
}
