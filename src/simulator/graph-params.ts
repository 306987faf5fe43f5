/**
 * How Graph reads a request's parameters, as real client libraries rely on it:
 * - parameters may come in the query string as well as in the body (JSON or form); a parameter in
 *   the body wins over the same one in the query (Meta documents query parameters on POST, e.g.
 *   `POST /{id}/feed?message=Hello`; which wins when both are given is UNCONFIRMED);
 * - an object or array parameter may be sent as a JSON-encoded string (`"contacts": "[{...}]"`,
 *   as whatsapp-api-js does on purpose, and as every form-encoded Graph call must): Graph decodes
 *   it. Only strings that start with `{` or `[` and parse as JSON are decoded; everything else
 *   stays as sent.
 * `access_token` is the credential, never a parameter; parameters that are strings by definition
 * (`to`, `type`, `biz_opaque_callback_data`, ...) are never decoded.
 */
export function graphParams(query: unknown, body: unknown): unknown {
  const fromQuery = isObject(query) ? query : {};
  if (body !== undefined && !isObject(body)) return body; // not an object: the validator says why
  const merged: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fromQuery)) if (k !== 'access_token' && typeof v === 'string') merged[k] = v;
  if (body === undefined && Object.keys(merged).length === 0) return undefined;
  Object.assign(merged, body ?? {});
  for (const [k, v] of Object.entries(merged)) if (!stringParams.has(k)) merged[k] = decodeJsonString(v);
  return merged;
}

// Parameters that are strings by definition: a value that looks like JSON stays text.
const stringParams = new Set([
  'messaging_product',
  'recipient_type',
  'to',
  'recipient',
  'type',
  'biz_opaque_callback_data',
  'status',
  'message_id',
  'file',
  'phone_number_id',
]);

/** A string holding a JSON object or array becomes that object or array. */
export function decodeJsonString(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  const t = v.trim();
  if (!(t.startsWith('{') && t.endsWith('}')) && !(t.startsWith('[') && t.endsWith(']'))) return v;
  try {
    const parsed: unknown = JSON.parse(t);
    return typeof parsed === 'object' && parsed !== null ? parsed : v;
  } catch {
    return v;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
