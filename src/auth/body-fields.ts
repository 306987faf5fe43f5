import { HttpError } from '../core/http-error.ts';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from './password-hash.ts';

/**
 * Request-body checks for the auth routes: a body that is not a JSON object is 400 `invalid_body`,
 * an unknown field or a bad value 422 with a code naming the field, so a typo never passes silently.
 */
export function jsonObject(body: unknown, allowed: readonly string[]): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new HttpError(400, 'invalid_body', 'Send a JSON object (Content-Type: application/json).');
  }
  const unknown = Object.keys(body).filter((k) => !allowed.includes(k));
  if (unknown.length > 0) {
    throw new HttpError(422, 'unknown_field', `Unknown field(s): ${unknown.join(', ')}. Allowed: ${allowed.join(', ')}.`, { fields: unknown });
  }
  return body as Record<string, unknown>;
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
  if (typeof value !== 'string' || value.length > max) throw new HttpError(422, `invalid_${field}`, `"${field}" must be a string of at most ${max} characters, or null.`);
  return value;
}

export function passwordField(value: unknown, field = 'password'): string {
  if (typeof value !== 'string' || value.length < MIN_PASSWORD_LENGTH || value.length > MAX_PASSWORD_LENGTH) {
    throw new HttpError(422, `invalid_${field}`, `"${field}" must be a string of ${MIN_PASSWORD_LENGTH} to ${MAX_PASSWORD_LENGTH} characters.`);
  }
  return value;
}

export function oneOfField<T extends string>(value: unknown, field: string, allowed: readonly T[]): T {
  const match = allowed.find((a) => a === value);
  if (match === undefined) throw new HttpError(422, `invalid_${field}`, `"${field}" must be one of: ${allowed.join(', ')}.`);
  return match;
}

/** Max open conversations: a whole number from 0 to 10,000, or null for no limit. */
export function capacityField(value: unknown): number | null {
  if (value === null) return null;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 10_000) {
    throw new HttpError(422, 'invalid_capacity', '"capacity" must be a whole number from 0 to 10000, or null for no limit.');
  }
  return value;
}

/** An ISO 8601 time in the future, or null. */
export function futureTimeField(value: unknown, field: string, now: number): number | null {
  if (value === null || value === undefined) return null;
  const at = typeof value === 'string' ? Date.parse(value) : NaN;
  if (!Number.isFinite(at) || at <= now) throw new HttpError(422, `invalid_${field}`, `"${field}" must be an ISO 8601 time in the future, or null.`);
  return at;
}
