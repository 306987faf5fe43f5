/** What stands in for U+0000 in every string of an inbound event: the Unicode replacement character. */
export const NUL_REPLACEMENT = '\uFFFD';

/**
 * PostgreSQL's text (and jsonb) cannot hold U+0000: a customer text, profile name or caption
 * carrying one made the whole event fail on PostgreSQL after it had been acknowledged. Every
 * string of the parsed event (keys too) gets U+FFFD instead, on both databases alike, so what is
 * stored and processed is the same everywhere. The raw event keeps the original: in JSON text a
 * U+0000 can only be the escape `\u0000`, which any text column holds.
 *
 * `rawText` is the event's JSON text: without a `\u0000` in it there is nothing to replace and the
 * parsed value is returned as it is (the hot path). The walk is recursive; the webhook route has
 * already refused bodies nested deeper than MAX_WEBHOOK_JSON_DEPTH.
 */
export function replaceNul<T>(parsed: T, rawText: string): T {
  if (!rawText.includes('\\u0000')) return parsed;
  return clean(parsed) as T;
}

function clean(v: unknown): unknown {
  if (typeof v === 'string') return v.includes('\u0000') ? v.replaceAll('\u0000', NUL_REPLACEMENT) : v;
  if (Array.isArray(v)) return v.map(clean);
  if (typeof v === 'object' && v !== null) {
    // fromEntries defines own properties: a "__proto__" key stays a key, as JSON.parse made it.
    return Object.fromEntries(Object.entries(v).map(([k, value]) => [clean(k), clean(value)]));
  }
  return v;
}
