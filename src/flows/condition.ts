import { isPlainObject, lookup, parseExpr } from './expression.ts';

/**
 * Structured conditions (JSON, no code): a comparison `{var, op, value}` or `{all: [...]}`,
 * `{any: [...]}`, `{not: ...}`. `var` is a variable path (`session.age`); `value` may hold
 * `{{...}}` templates, interpolated before comparing.
 */
export type Op = 'eq' | 'neq' | 'gt' | 'gte' | 'lt' | 'lte' | 'contains' | 'matches' | 'empty' | 'not_empty';
export type Condition = { var: string; op: Op; value?: unknown } | { all: Condition[] } | { any: Condition[] } | { not: Condition };

export const OPS: readonly Op[] = ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'contains', 'matches', 'empty', 'not_empty'];
const MAX_MATCH_INPUT = 2000; // bounds the cost of a bot builder's regex on a customer's text

export function evaluateCondition(c: Condition, scope: unknown, resolve: (v: unknown) => unknown = (v) => v): boolean {
  if ('all' in c) return c.all.every((x) => evaluateCondition(x, scope, resolve));
  if ('any' in c) return c.any.some((x) => evaluateCondition(x, scope, resolve));
  if ('not' in c) return !evaluateCondition(c.not, scope, resolve);
  const parsed = parseExpr(c.var);
  const left = parsed.ok ? lookup(scope, parsed.expr.path) : undefined;
  const right = resolve(c.value);
  switch (c.op) {
    case 'empty':
      return isEmpty(left);
    case 'not_empty':
      return !isEmpty(left);
    case 'eq':
      return looseEqual(left, right);
    case 'neq':
      return !looseEqual(left, right);
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      return compare(left, right, c.op);
    case 'contains':
      if (Array.isArray(left)) return left.some((x) => looseEqual(x, right));
      return typeof left === 'string' && left.toLowerCase().includes(String(right ?? '').toLowerCase());
    case 'matches': {
      const re = safeRegex(String(right ?? ''));
      return re !== null && typeof left === 'string' && re.test(left.slice(0, MAX_MATCH_INPUT));
    }
  }
}

export function safeRegex(source: string): RegExp | null {
  try {
    return new RegExp(source, 'iu');
  } catch {
    return null;
  }
}

function isEmpty(v: unknown): boolean {
  if (v === undefined || v === null) return true;
  if (typeof v === 'string') return v.trim() === '';
  if (Array.isArray(v)) return v.length === 0;
  if (isPlainObject(v)) return Object.keys(v).length === 0;
  return false;
}

/** Numbers compare as numbers when both sides read as numbers ("5" eq 5); text case-insensitively. */
function looseEqual(a: unknown, b: unknown): boolean {
  const na = asNumber(a);
  const nb = asNumber(b);
  if (na !== null && nb !== null) return na === nb;
  if (typeof a === 'string' && typeof b === 'string') return a.trim().toLowerCase() === b.trim().toLowerCase();
  if (typeof a === 'boolean' || typeof b === 'boolean') return String(a) === String(b);
  return a === b || (a == null && b == null);
}

function compare(a: unknown, b: unknown, op: 'gt' | 'gte' | 'lt' | 'lte'): boolean {
  const na = asNumber(a);
  const nb = asNumber(b);
  let cmp: number;
  if (na !== null && nb !== null) cmp = na - nb;
  else if (typeof a === 'string' && typeof b === 'string')
    cmp = a < b ? -1 : a > b ? 1 : 0; // ISO dates order as text
  else return false;
  return op === 'gt' ? cmp > 0 : op === 'gte' ? cmp >= 0 : op === 'lt' ? cmp < 0 : cmp <= 0;
}

function asNumber(v: unknown): number | null {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(v)) return Number(v);
  return null;
}
