import { jsonObject } from '../auth/body-fields.ts';
import { HttpError } from '../core/http-error.ts';

export const MAX_ATTRIBUTES_BYTES = 16_384;
export const MAX_TAGS = 50;
const TAG = /^[\p{L}\p{N}][\p{L}\p{N} _.:-]{0,47}$/u;
const SOURCE = /^[a-z][a-z0-9_]{0,31}$/;

export function objectBody(body: unknown, allowed: readonly string[]): Record<string, unknown> {
  return { ...jsonObject(body, allowed) };
}

export function nameField(v: unknown): string | null {
  if (v === null) return null;
  // NUL: PostgreSQL cannot store it in text.
  if (typeof v !== 'string' || v.trim() === '' || v.trim().length > 200 || v.includes('\u0000')) {
    throw new HttpError(422, 'invalid_name', '"name" must be a non-empty string of at most 200 characters (no NUL characters), or null.');
  }
  return v.trim();
}

/** Merged into the stored attributes: a key set to null is removed. */
export function mergeAttributes(stored: string, patch: unknown): string {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) {
    throw new HttpError(422, 'invalid_attributes', '"attributes" must be a JSON object; its keys are merged into the contact\'s (null removes a key).');
  }
  const current: unknown = JSON.parse(stored);
  const merged: Record<string, unknown> = typeof current === 'object' && current !== null && !Array.isArray(current) ? { ...current } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (k.length > 100) throw new HttpError(422, 'invalid_attributes', `Attribute names are at most 100 characters ("${k.slice(0, 20)}...").`);
    if (v === null) delete merged[k];
    else merged[k] = v;
  }
  const text = JSON.stringify(merged);
  if (Buffer.byteLength(text) > MAX_ATTRIBUTES_BYTES) throw new HttpError(422, 'attributes_too_large', `Attributes may take at most ${MAX_ATTRIBUTES_BYTES} bytes as JSON.`);
  return text;
}

/** Replaces the tags: trimmed, de-duplicated, in the order given. */
export function tagsField(v: unknown): string[] {
  if (!Array.isArray(v) || v.length > MAX_TAGS) throw new HttpError(422, 'invalid_tags', `"tags" must be an array of at most ${MAX_TAGS} strings.`);
  const out: string[] = [];
  for (const t of v) {
    const tag = typeof t === 'string' ? t.trim() : '';
    if (!TAG.test(tag)) throw new HttpError(422, 'invalid_tags', 'Each tag is 1-48 letters, digits, spaces or _ . : - (starting with a letter or digit).');
    if (!out.includes(tag)) out.push(tag);
  }
  return out;
}

export function sourceField(v: unknown, fallback: string): string {
  if (v === undefined) return fallback;
  if (typeof v !== 'string' || !SOURCE.test(v)) {
    throw new HttpError(422, 'invalid_source', '"source" names how consent was given, like web_form, whatsapp, import or agent (lower-case letters, digits and _).');
  }
  return v;
}

export function noteField(v: unknown): string | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string' || v.length > 1000 || v.includes('\u0000')) throw new HttpError(422, 'invalid_note', '"note" must be a string of at most 1000 characters (no NUL characters).');
  return v;
}

export function boolQuery(v: string | undefined, field: string): boolean | undefined {
  if (v === undefined) return undefined;
  if (v === 'true') return true;
  if (v === 'false') return false;
  throw new HttpError(400, `invalid_${field}`, `${field} must be true or false.`);
}
