import { getCountryCallingCode, isSupportedCountry } from 'libphonenumber-js';

/**
 * The identifiers WhatsApp gives a customer (docs/whatsapp-identity.md):
 * - a phone number as a wa_id: digits only, no '+' (6 to 15 digits: E.164 allows at most 15);
 * - a business-scoped user ID (BSUID, `user_id`): a two-letter country code, '.', then 1 to 128
 *   letters or digits, e.g. `US.13491208655302741918`; a parent BSUID (`parent_user_id`) has
 *   `ENT.` after the country code, e.g. `US.ENT.11815799212886844830`.
 * Anything else is malformed and must not become a contact's identity.
 */
const WA_ID = /^\d{6,15}$/;
const BSUID = /^[A-Z]{2}\.[A-Za-z0-9]{1,128}$/;
const PARENT_BSUID = /^[A-Z]{2}\.ENT\.[A-Za-z0-9]{1,128}$/;

export function isWaId(v: unknown): v is string {
  return typeof v === 'string' && WA_ID.test(v);
}

/** A business's own BSUID for a user (what `user_id` carries); a parent BSUID is not one. */
export function isBsuid(v: unknown): v is string {
  return typeof v === 'string' && BSUID.test(v);
}

export function isParentBsuid(v: unknown): v is string {
  return typeof v === 'string' && PARENT_BSUID.test(v);
}

/** An address a message can be sent to by BSUID (Graph's `recipient`): a BSUID or a parent BSUID. */
export function isBsuidAddress(v: unknown): v is string {
  return isBsuid(v) || isParentBsuid(v);
}

/** A username as shown: at most 100 characters, no control characters (Meta documents no exact format). */
export function cleanUsername(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined;
  const u = v.trim();
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this refuses
  if (u === '' || u.length > 100 || /[\u0000-\u001f\u007f]/.test(u)) return undefined;
  return u;
}

/**
 * The number a price is looked up by (rate cards are keyed by calling code): the E.164 phone,
 * else a wa_id, else for a BSUID its country's calling code (`BR.…` -> `55`), else ''.
 */
export function pricingNumber(phoneE164: string | null, externalId: string): string {
  const country = externalId.slice(0, 2);
  if (phoneE164) return phoneE164;
  if (isWaId(externalId)) return externalId;
  if (isBsuidAddress(externalId) && isSupportedCountry(country)) return getCountryCallingCode(country);
  return '';
}
