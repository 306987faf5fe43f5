import type { AskBlock } from './flow-types.ts';

/** What a date rule needs to know about "today" and the business (flow-time.ts settings). */
export interface AnswerContext {
  now: number;
  /** The zone "today" is counted in (the flow's business_hours.timezone, else BUSINESS_TIMEZONE, else UTC). */
  timezone: string;
  /** Days the business works: 1 = Monday ... 7 = Sunday. */
  days: ReadonlySet<number>;
}

/** Longest pattern accepted, and the longest answer a pattern is run on (a guard on run time). */
export const MAX_PATTERN_LENGTH = 200;
export const MAX_PATTERN_INPUT = 1000;

/**
 * Why a `pattern` cannot be published, or null. Besides being a valid regular expression it must
 * not be able to backtrack catastrophically: a quantified group that itself holds a quantifier
 * (`(a+)+`, `(\w*)*`, `(a|aa){2,}`) and back-references are refused, the classic ReDoS shapes.
 */
export function patternProblem(pattern: string): string | null {
  if (pattern.length > MAX_PATTERN_LENGTH) return `a pattern has at most ${MAX_PATTERN_LENGTH} characters`;
  try {
    new RegExp(pattern, 'u');
  } catch (err) {
    return `not a valid regular expression: ${err instanceof Error ? err.message : String(err)}`;
  }
  if (/\\[1-9]|\\k</.test(pattern)) return 'back-references are not allowed in a pattern';
  if (nestedQuantifier(pattern))
    return 'a quantified group holds a quantifier or alternatives (like (a+)+): it can take exponential time; rewrite it';
  return null;
}

/** True when a group containing a quantifier or `|` is itself quantified. */
function nestedQuantifier(p: string): boolean {
  const stack: Array<{ risky: boolean }> = [];
  let inClass = false;
  for (let i = 0; i < p.length; i++) {
    const c = p[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') inClass = true;
    else if (c === '(') stack.push({ risky: false });
    else if (c === ')') {
      const g = stack.pop();
      const next = p[i + 1];
      const quantified = next === '*' || next === '+' || next === '{';
      if (g?.risky && quantified) return true;
      if (g?.risky && stack.length) stack[stack.length - 1]!.risky = true;
      if (quantified && stack.length) stack[stack.length - 1]!.risky = true;
    } else if ((c === '*' || c === '+' || c === '{' || c === '|') && stack.length) stack[stack.length - 1]!.risky = true;
  }
  return false;
}

/** A text answer against the block's pattern: null when it passes. */
export function checkPattern(block: AskBlock, text: string): string | null {
  if (block.pattern === undefined) return null;
  if (text.length > MAX_PATTERN_INPUT) return 'no_match';
  return new RegExp(block.pattern, 'u').test(text) ? null : 'no_match';
}

/** A whole-number rule for number answers: null when it passes. */
export function checkInteger(block: AskBlock, n: number): string | null {
  return block.integer && !Number.isInteger(n) ? 'not_an_integer' : null;
}

/** A date (YYYY-MM-DD) against min_date / max_date / future / within_days / business_days: null when it passes. */
export function checkDate(block: AskBlock, iso: string, ctx: AnswerContext | undefined): string | null {
  const today = ctx ? localDate(ctx.now, ctx.timezone) : null;
  const bound = (b: string) => (b === 'today' ? today : b);
  if (block.min_date !== undefined) {
    const min = bound(block.min_date);
    if (min && iso < min) return 'before_min_date';
  }
  if (block.max_date !== undefined) {
    const max = bound(block.max_date);
    if (max && iso > max) return 'after_max_date';
  }
  if (today && block.future && iso <= today) return 'not_in_future';
  if (today && block.within_days !== undefined && iso > addDays(today, block.within_days)) return 'too_far_ahead';
  if (ctx && block.business_days && !ctx.days.has(isoWeekday(iso))) return 'not_a_business_day';
  return null;
}

/** YYYY-MM-DD -> the date written in a block's format (DD/MM/YYYY, ...). */
export function formatDate(iso: string, format: string): string {
  const [y = '', m = '', d = ''] = iso.split('-');
  return format.replace('YYYY', y).replace('MM', m).replace('DD', d);
}

function localDate(t: number, timezone: string): string {
  // en-CA writes dates as YYYY-MM-DD.
  return new Intl.DateTimeFormat('en-CA', { timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(t));
}

function addDays(iso: string, days: number): string {
  const [y, m, d] = iso.split('-').map(Number);
  return new Date(Date.UTC(y ?? 1970, (m ?? 1) - 1, (d ?? 1) + days)).toISOString().slice(0, 10);
}

function isoWeekday(iso: string): number {
  const [y, m, d] = iso.split('-').map(Number);
  const wd = new Date(Date.UTC(y ?? 1970, (m ?? 1) - 1, d ?? 1)).getUTCDay();
  return wd === 0 ? 7 : wd;
}
