import { HttpError } from '../core/http-error.ts';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from './password-hash.ts';

/**
 * HTTP-input checks for routes (and http/body-guard.ts) only: each raises the 4xx answer itself.
 * Routes that declare their schemas (docs/architecture.md) leave types to the schema and keep
 * here only what it cannot say (trimming, a time in the future, a password's length in UTF-16 units).
 *
 * The request-body check of routes without a body schema: a body that is not a JSON object is 400
 * `invalid_body`, an unknown field 400 `unknown_field` naming it (`details.field`, and every one in
 * `details.fields`), so a typo never passes silently. Bad values are the field checks' business.
 */
export function jsonObject(body: unknown, allowed: readonly string[]): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new HttpError(400, 'invalid_body', 'Send a JSON object (Content-Type: application/json).');
  }
  refuseUnknownFields(body, allowed);
  return body as Record<string, unknown>;
}

/**
 * For a route that takes no body: nothing, `null`, `{}` or an empty text pass; a JSON object with
 * fields is 400 `unknown_field` naming them; anything else 400 `invalid_body`.
 */
export function refuseBody(body: unknown): void {
  if (body === undefined || body === null || body === '') return;
  if (typeof body !== 'object' || Array.isArray(body) || Buffer.isBuffer(body)) {
    throw new HttpError(400, 'invalid_body', 'This route takes no body; send none (or {}).', { field: 'body' });
  }
  refuseUnknownFields(body, [], 'a route that takes no body');
}

/** 400 `unknown_field` naming the first key of `body` that is not in `allowed`. */
export function refuseUnknownFields(body: object, allowed: readonly string[], what = 'this request'): void {
  const unknown = Object.keys(body).filter((k) => !allowed.includes(k));
  const first = unknown[0];
  if (first === undefined) return;
  const names = unknown.map((k) => `"${k}"`).join(', ');
  const known = allowed.length > 0 ? `Allowed: ${allowed.join(', ')}.` : 'It takes no fields.';
  throw new HttpError(400, 'unknown_field', `Unknown field${unknown.length > 1 ? 's' : ''} ${names} in ${what}. ${known}`, {
    field: first,
    fields: unknown,
  });
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function emailField(value: unknown): string {
  if (typeof value !== 'string' || value.trim().length > 254 || !EMAIL.test(value.trim())) {
    throw new HttpError(422, 'invalid_email', '"email" must be an email address like ana@example.com.');
  }
  return value.trim().toLowerCase();
}

export function textField(value: unknown, field: string, max: number): string {
  if (typeof value !== 'string' || value.trim() === '' || value.trim().length > max) {
    throw new HttpError(422, `invalid_${field}`, `"${field}" must be a non-empty string of at most ${max} characters.`);
  }
  return value.trim();
}

export function optionalTextField(value: unknown, field: string, max: number): string | null {
  if (value === null || value === '') return null;
  if (typeof value !== 'string' || value.length > max)
    throw new HttpError(422, `invalid_${field}`, `"${field}" must be a string of at most ${max} characters, or null.`);
  return value;
}

export function passwordField(value: unknown, field = 'password'): string {
  if (typeof value !== 'string' || value.length < MIN_PASSWORD_LENGTH || value.length > MAX_PASSWORD_LENGTH) {
    throw new HttpError(
      422,
      `invalid_${field}`,
      `"${field}" must be a string of ${MIN_PASSWORD_LENGTH} to ${MAX_PASSWORD_LENGTH} characters.`,
    );
  }
  return value;
}

/** An ISO 8601 time in the future, or null. */
export function futureTimeField(value: unknown, field: string, now: number): number | null {
  if (value === null || value === undefined) return null;
  const at = typeof value === 'string' ? Date.parse(value) : NaN;
  if (!Number.isFinite(at) || at <= now)
    throw new HttpError(422, `invalid_${field}`, `"${field}" must be an ISO 8601 time in the future, or null.`);
  return at;
}
