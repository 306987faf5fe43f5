import { invalid, invalidParam, missing } from './errors.ts';

export type Json = Record<string, unknown>;

export function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Graph names nested params like text['body']; errors quote that path. */
export const pathOf = (parent: string, key: string): string => (parent ? `${parent}['${key}']` : key);

export function requireObject(o: Json, key: string, parent = ''): Json {
  const v = o[key];
  if (v === undefined || v === null) throw missing(`The parameter ${pathOf(parent, key)} is required.`);
  if (!isObject(v)) throw invalidParam(`(#100) Param ${pathOf(parent, key)} must be a JSON object.`);
  return v;
}

export function requireString(
  o: Json,
  key: string,
  parent = '',
  opts: { max?: number; allowEmpty?: boolean; code?: 100 | 131009 } = {},
): string {
  const v = o[key];
  const p = pathOf(parent, key);
  if (v === undefined || v === null || (v === '' && !opts.allowEmpty)) throw missing(`The parameter ${p} is required.`);
  if (typeof v !== 'string') throw invalidParam(`(#100) Param ${p} must be a string.`);
  if (opts.max !== undefined) checkMax(v, opts.max, p, opts.code ?? 100);
  return v;
}

export function optionalString(o: Json, key: string, parent = '', opts: { max?: number; code?: 100 | 131009 } = {}): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw invalidParam(`(#100) Param ${pathOf(parent, key)} must be a string.`);
  if (opts.max !== undefined) checkMax(v, opts.max, pathOf(parent, key), opts.code ?? 100);
  return v;
}

export function optionalBoolean(o: Json, key: string, parent = ''): boolean | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw invalidParam(`(#100) Param ${pathOf(parent, key)} must be a boolean.`);
  return v;
}

/** Length in characters as a user counts them (code points, not UTF-16 units). */
export function charLength(s: string): number {
  let n = 0;
  for (const _ of s) n += 1;
  return n;
}

/**
 * Over-length plain parameters are Graph's generic 100 ("must be at most N characters long");
 * interactive element limits come back as 131009 with a "... length invalid" detail, as observed.
 */
export function checkMax(v: string, max: number, path: string, code: 100 | 131009): void {
  if (charLength(v) <= max) return;
  if (code === 100) throw invalidParam(`(#100) Param ${path} must be at most ${max} characters long.`);
  throw invalid(`${path} length invalid. Min length: 1, Max length: ${max}.`);
}

/** Only absolute http(s) URLs are sendable links. */
export function isHttpUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return u.protocol === 'https:' || u.protocol === 'http:';
  } catch {
    return false;
  }
}

/** Unknown keys are Graph's 100 "Unsupported parameter"; this catches typos like `captoin`. */
export function rejectUnknownKeys(o: Json, allowed: readonly string[], parent: string): void {
  for (const k of Object.keys(o)) {
    if (!allowed.includes(k)) throw invalidParam(`(#100) Param ${pathOf(parent, k)} is not a valid parameter.`);
  }
}
