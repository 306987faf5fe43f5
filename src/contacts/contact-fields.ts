export const MAX_ATTRIBUTES_BYTES = 16_384;
export const MAX_TAGS = 50;
const TAG = /^[\p{L}\p{N}][\p{L}\p{N} _.:-]{0,47}$/u;
/** How consent was given: lower-case letters, digits and _ (the route's schema holds this pattern). */
export const SOURCE_PATTERN = '^[a-z][a-z0-9_]{0,31}$';

/**
 * What the contact routes' schemas cannot say (trimming, a merge with the stored attributes, the
 * size of the result): each check returns its value, or the reason it was refused; the route maps
 * reasons to answers (contact-routes.ts).
 */
export type FieldCheck<T> = { ok: true; value: T } | { ok: false; reason: ContactFieldReason; detail?: string };
export type ContactFieldReason = 'invalid_name' | 'invalid_attribute_name' | 'attributes_too_large' | 'invalid_tag' | 'invalid_note';

/** A name agents give: trimmed, non-empty, at most 200 characters, no NUL (PostgreSQL cannot store it in text); null clears it. */
export function checkName(v: string | null): FieldCheck<string | null> {
  if (v === null) return { ok: true, value: null };
  const name = v.trim();
  if (name === '' || name.length > 200 || name.includes('\u0000')) return { ok: false, reason: 'invalid_name' };
  return { ok: true, value: name };
}

/** Merged into the stored attributes (JSON text): a key set to null is removed. */
export function mergeAttributes(stored: string, patch: Readonly<Record<string, unknown>>): FieldCheck<string> {
  const current: unknown = JSON.parse(stored);
  const merged: Record<string, unknown> = typeof current === 'object' && current !== null && !Array.isArray(current) ? { ...current } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (k.length > 100) return { ok: false, reason: 'invalid_attribute_name', detail: k.slice(0, 20) };
    if (v === null) delete merged[k];
    else merged[k] = v;
  }
  const text = JSON.stringify(merged);
  if (Buffer.byteLength(text) > MAX_ATTRIBUTES_BYTES) return { ok: false, reason: 'attributes_too_large' };
  return { ok: true, value: text };
}

/** Replaces the tags: trimmed, de-duplicated, in the order given. */
export function checkTags(v: readonly string[]): FieldCheck<string[]> {
  const out: string[] = [];
  for (const t of v) {
    const tag = t.trim();
    if (!TAG.test(tag)) return { ok: false, reason: 'invalid_tag' };
    if (!out.includes(tag)) out.push(tag);
  }
  return { ok: true, value: out };
}

/** A note on a consent change: at most 1000 characters, no NUL. */
export function checkNote(v: string | null | undefined): FieldCheck<string | null> {
  if (v === undefined || v === null) return { ok: true, value: null };
  if (v.length > 1000 || v.includes('\u0000')) return { ok: false, reason: 'invalid_note' };
  return { ok: true, value: v };
}
