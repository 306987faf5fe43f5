/** `mimeType` -> `mime_type`; keys already in snake_case are unchanged. */
export function snakeCase(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/**
 * A JSON value with every object key in snake_case, at any depth: the API's field names are
 * snake_case everywhere, whatever shape a stored document was written in.
 */
export function snakeCaseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(snakeCaseKeys);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[snakeCase(k)] = snakeCaseKeys(v);
  return out;
}
