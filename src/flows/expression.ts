/**
 * The safe expression syntax: `{{ path | filter: "arg" | filter }}` inside texts, URLs, headers
 * and bodies. A path is dot-separated names (`session.name`, `contact.attributes.city`,
 * `session.items.0`); filters (expression-filters.ts) take quoted strings and numbers as
 * arguments: `default: "x"`, `truncate: 20`, `format_date: "dd/MM/yyyy", "America/Mexico_City"`. No code runs: lookups read own properties of plain data only, and names that reach
 * prototypes (`__proto__`, `constructor`, `prototype`) are refused. Parsing never throws.
 */

import { applyFilter, checkFilter, type Filter, type FilterArg } from './expression-filters.ts';

export type { Filter } from './expression-filters.ts';
export interface Expr {
  path: string[];
  filters: Filter[];
}
export type Piece = { text: string } | { expr: Expr };
export type ParseResult = { ok: true; pieces: Piece[] } | { ok: false; message: string; at: number };

const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);
const SEGMENT = /^[A-Za-z0-9_-]{1,64}$/;
const MAX_TEMPLATE = 20_000;

export function parseTemplate(input: string): ParseResult {
  if (typeof input !== 'string') return { ok: false, message: 'template must be a string', at: 0 };
  if (input.length > MAX_TEMPLATE) return { ok: false, message: `template longer than ${MAX_TEMPLATE} characters`, at: 0 };
  const pieces: Piece[] = [];
  let i = 0;
  while (i < input.length) {
    const open = input.indexOf('{{', i);
    if (open < 0) {
      pieces.push({ text: input.slice(i) });
      break;
    }
    if (open > i) pieces.push({ text: input.slice(i, open) });
    const close = findClose(input, open + 2);
    if (close < 0) return { ok: false, message: 'unclosed {{', at: open };
    const parsed = parseExpr(input.slice(open + 2, close));
    if (!parsed.ok) return { ok: false, message: parsed.message, at: open };
    pieces.push({ expr: parsed.expr });
    i = close + 2;
  }
  return { ok: true, pieces };
}

/** The matching `}}`, skipping quoted strings (a default may contain "}}"). */
function findClose(s: string, from: number): number {
  let quote: string | null = null;
  for (let i = from; i < s.length; i++) {
    const c = s[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '}' && s[i + 1] === '}') return i;
  }
  return -1;
}

export function parseExpr(src: string): { ok: true; expr: Expr } | { ok: false; message: string } {
  const parts = splitPipes(src);
  if (!parts) return { ok: false, message: 'unterminated string in expression' };
  const [head = '', ...rest] = parts;
  const pathText = head.trim();
  if (pathText === '') return { ok: false, message: 'empty expression' };
  const path = pathText.split('.');
  for (const seg of path) {
    if (!SEGMENT.test(seg))
      return { ok: false, message: `"${pathText}" is not a variable path (letters, digits, _ and - separated by dots)` };
    if (FORBIDDEN.has(seg)) return { ok: false, message: `"${seg}" cannot be used in a variable path` };
  }
  const filters: Filter[] = [];
  for (const raw of rest) {
    const f = parseFilter(raw.trim());
    if (!f.ok) return f;
    filters.push(f.filter);
  }
  return { ok: true, expr: { path, filters } };
}

function parseFilter(src: string): { ok: true; filter: Filter } | { ok: false; message: string } {
  const m = /^([a-z_]+)\s*(?::\s*(.*))?$/s.exec(src);
  if (!m) return { ok: false, message: `"${src}" is not a filter` };
  const name = m[1] ?? '';
  const argText = m[2];
  const args: FilterArg[] = [];
  if (argText !== undefined) {
    const parts = splitOutsideQuotes(argText, ',');
    if (!parts) return { ok: false, message: `unterminated string in ${name}'s arguments` };
    for (const raw of parts) {
      const t = raw.trim();
      const str = parseString(t);
      if (str !== null) args.push(str);
      else if (/^-?\d+(\.\d+)?$/.test(t)) args.push(Number(t));
      else return { ok: false, message: `${name}: "${t}" is not a quoted string or a number` };
    }
  }
  const filter: Filter = { name, args };
  const check = checkFilter(filter);
  return check.ok ? { ok: true, filter } : check;
}

function parseString(s: string): string | null {
  if (s.length < 2) return null;
  const q = s[0];
  if ((q !== '"' && q !== "'") || s[s.length - 1] !== q) return null;
  let out = '';
  for (let i = 1; i < s.length - 1; i++) {
    const c = s[i];
    if (c === '\\' && i + 1 < s.length - 1) out += s[++i];
    else if (c === q) return null;
    else out += c;
  }
  return out;
}

/** Splits on `|` outside quotes; null when a quote is left open. */
function splitPipes(src: string): string[] | null {
  return splitOutsideQuotes(src, '|');
}

function splitOutsideQuotes(src: string, sep: string): string[] | null {
  const parts: string[] = [];
  let quote: string | null = null;
  let cur = '';
  for (let i = 0; i < src.length; i++) {
    const c = src[i] ?? '';
    if (quote) {
      cur += c;
      if (c === '\\' && i + 1 < src.length) cur += src[++i];
      else if (c === quote) quote = null;
    } else if (c === '"' || c === "'") {
      quote = c;
      cur += c;
    } else if (c === sep) {
      parts.push(cur);
      cur = '';
    } else cur += c;
  }
  if (quote) return null;
  parts.push(cur);
  return parts;
}

/** Reads a path through own properties of plain objects and arrays only. */
export function lookup(root: unknown, path: readonly string[]): unknown {
  let cur: unknown = root;
  for (const seg of path) {
    if (FORBIDDEN.has(seg)) return undefined;
    if (Array.isArray(cur)) {
      if (!/^\d+$/.test(seg)) return undefined;
      cur = cur[Number(seg)];
    } else if (isPlainObject(cur)) {
      if (!Object.hasOwn(cur, seg)) return undefined;
      cur = cur[seg];
    } else return undefined;
  }
  return cur;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

export function evaluateExpr(expr: Expr, scope: unknown): string {
  let value: unknown = lookup(scope, expr.path);
  for (const f of expr.filters) value = applyFilter(f, value);
  return stringify(value);
}

export function stringify(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

/** Interpolates a template; a malformed one is returned as written (validation reports it). */
export function interpolate(template: string, scope: unknown): string {
  const parsed = parseTemplate(template);
  if (!parsed.ok) return template;
  let out = '';
  for (const p of parsed.pieces) out += 'text' in p ? p.text : evaluateExpr(p.expr, scope);
  return out;
}

/**
 * A template that is exactly one expression keeps its value's type (`"{{session.age}}"` in a
 * JSON body stays a number); anything else interpolates to a string.
 */
export function interpolateValue(template: string, scope: unknown): unknown {
  const parsed = parseTemplate(template);
  if (parsed.ok && parsed.pieces.length === 1) {
    const only = parsed.pieces[0];
    if (only && 'expr' in only && only.expr.filters.length === 0) return lookup(scope, only.expr.path) ?? null;
  }
  return interpolate(template, scope);
}

/** Interpolates every string inside a JSON value (body templates). */
export function interpolateDeep(value: unknown, scope: unknown): unknown {
  if (typeof value === 'string') return interpolateValue(value, scope);
  if (Array.isArray(value)) return value.map((v) => interpolateDeep(v, scope));
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (!FORBIDDEN.has(k)) out[k] = interpolateDeep(v, scope);
    return out;
  }
  return value;
}

export function isForbiddenName(name: string): boolean {
  return FORBIDDEN.has(name);
}
