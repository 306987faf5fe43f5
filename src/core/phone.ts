import { parsePhoneNumberFromString, validatePhoneNumberLength, type CountryCode } from 'libphonenumber-js';

/**
 * Phone numbers as WhatsApp sees them. Uses libphonenumber's "min" metadata on purpose: it checks
 * lengths per country rather than exact number ranges, so real WhatsApp ids whose ranges are
 * newer than the metadata (or Brazil's legacy 8-digit mobiles) still normalise.
 */
export type NormalizedPhone =
  | { ok: true; e164: string; waId: string; country?: string }
  | { ok: false; reason: 'empty' | 'invalid_characters' | 'too_short' | 'too_long' | 'invalid_number'; message: string };

// Digits, one leading '+', and the separators people type; anything else is not a phone number.
const ALLOWED = /^\+?[\d\s().\-/\u00a0]*$/;
const MAX_INPUT_LENGTH = 64;

/**
 * Free-form input -> E.164 plus the WhatsApp id form (E.164 digits without '+').
 *
 * Without '+', digits are read as a national number of `defaultCountry` first (what the Cloud API
 * does with a `to` lacking '+'), then as an international number (the wa_id form); without a
 * default country they are read as international. Mexico's legacy mobile '1' (52 1 XX…) is
 * dropped: libphonenumber rejects it, and WhatsApp reaches the user either way. `waId` is
 * therefore the canonical form, which may differ from the id in webhooks; match contacts with
 * `waIdVariants`.
 */
export function normalizePhone(input: string, defaultCountry?: CountryCode): NormalizedPhone {
  const trimmed = input.trim();
  if (trimmed.length === 0) return fail('empty', 'phone number is empty');
  if (trimmed.length > MAX_INPUT_LENGTH) return fail('too_long', 'phone number is too long');
  if (!ALLOWED.test(trimmed)) return fail('invalid_characters', 'phone number may only contain digits, a leading +, spaces and ( ) - . /');
  const digits = trimmed.replace(/\D/g, '');
  if (digits.length === 0) return fail('empty', 'phone number has no digits');
  if (trimmed.startsWith('+') || defaultCountry === undefined) {
    // '00' is the international call prefix in most of the world: '0044…' means '+44…'.
    return fromInternational(!trimmed.startsWith('+') && digits.startsWith('00') ? digits.slice(2) : digits);
  }
  const national = parsePhoneNumberFromString(digits, defaultCountry);
  if (national?.isValid()) return ok(national.number, national.country);
  // Not valid as a national number of the default country: maybe it already is a wa_id.
  const asInternational = fromInternational(digits);
  if (asInternational.ok) return asInternational;
  return fromLibraryVerdict(digits, defaultCountry);
}

/** '5215512345678' -> '+5215512345678'. Only strips non-digits; does not validate. */
export function waIdToE164(waId: string): string {
  return `+${waId.replace(/\D/g, '')}`;
}

/**
 * All ids under which WhatsApp may know the same person, the given one first (digits only):
 * - Mexico: '521' + 10 digits <-> '52' + 10 digits (legacy mobile prefix);
 * - Brazil: '55' + area + 9 + 8 digits <-> '55' + area + 8 digits (accounts registered before
 *   the ninth digit keep the old id). Only 8-digit numbers starting 6–9 (mobile ranges) get a 9.
 * Applying it to any returned variant yields the same set.
 */
export function waIdVariants(waId: string): string[] {
  const id = waId.replace(/\D/g, '');
  if (id.length === 0) return [];
  if (id.startsWith('52')) {
    if (id.length === 13 && id[2] === '1') return [id, `52${id.slice(3)}`];
    if (id.length === 12) return [id, `521${id.slice(2)}`];
    return [id];
  }
  if (id.startsWith('55') && isBrazilAreaCode(id.slice(2, 4))) {
    if (id.length === 13 && id[4] === '9' && isMobileLead(id[5])) return [id, id.slice(0, 4) + id.slice(5)];
    if (id.length === 12 && isMobileLead(id[4])) return [id, `${id.slice(0, 4)}9${id.slice(4)}`];
  }
  return [id];
}

function fromInternational(digits: string): NormalizedPhone {
  // Mexico's legacy mobile '1' after the country code (wa_ids still carry it).
  const canonical = digits.length === 13 && digits.startsWith('521') ? `52${digits.slice(3)}` : digits;
  const parsed = parsePhoneNumberFromString(`+${canonical}`);
  if (parsed?.isValid()) return ok(parsed.number, parsed.country);
  return fromLibraryVerdict(`+${canonical}`, undefined);
}

function fromLibraryVerdict(text: string, country: CountryCode | undefined): NormalizedPhone {
  const verdict = validatePhoneNumberLength(text, country);
  if (verdict === 'TOO_SHORT') return fail('too_short', 'phone number is too short');
  if (verdict === 'TOO_LONG') return fail('too_long', 'phone number is too long');
  return fail('invalid_number', 'not a valid phone number');
}

function ok(e164: string, country: string | undefined): NormalizedPhone {
  const waId = e164.slice(1);
  return country !== undefined ? { ok: true, e164, waId, country } : { ok: true, e164, waId };
}

function fail(reason: Extract<NormalizedPhone, { ok: false }>['reason'], message: string): NormalizedPhone {
  return { ok: false, reason, message };
}

function isBrazilAreaCode(dd: string): boolean {
  // Brazilian area codes run 11–99 and never contain a 0.
  return dd.length === 2 && dd[0] !== '0' && dd[1] !== '0';
}

function isMobileLead(d: string | undefined): boolean {
  return d === '6' || d === '7' || d === '8' || d === '9';
}
