import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { invalid } from './errors.ts';

export interface Recipient {
  /** What the business sent, echoed in contacts[].input. */
  input: string;
  /** Canonical WhatsApp id: digits, no '+'. */
  waId: string;
}

const allowedChars = /^[+\d\s\-()]+$/;

/** The business number's country calling code ("1" for 15550783881). */
export function callingCodeOf(displayPhoneNumber: string): string {
  const p = parsePhoneNumberFromString(`+${displayPhoneNumber}`);
  return p?.countryCallingCode ?? '1';
}

/**
 * Meta's `to` rules (reference §10): digits with + - ( ) and spaces; without '+', the business
 * number's own country code is prepended (libphonenumber also strips a national prefix, so a US
 * business sending "16505551234" reaches +1 650 555 1234, while "447911123456" becomes
 * +1 447911123456 and fails). Exceptions, our choice:
 *  - digits equal to the wa_id of a known user (wrote to the business, or created with
 *    sim.customer()) are taken as that wa_id,
 *    because replying to a webhook's `from` (digits, no '+') is Meta's own sample-app pattern and
 *    works in practice;
 *  - numbers whose digits start with 999 are "plausible but not on WhatsApp" (they fail later with
 *    131026), so they skip the validity check.
 * Anything else that is not a *possible* number (libphonenumber length rules; we do not require
 * "valid" so 555 demo numbers work) is refused synchronously with 131009.
 * Mexico/Brazil: a number matching a known customer's wa_id in the other historical form
 * (52 ↔ 521, Brazilian 9th digit) maps to that wa_id, as Meta's "may be modified" note describes.
 */
export function normalizeRecipient(to: string, businessCallingCode: string, knownWaId: (digits: string) => boolean): Recipient {
  if (!allowedChars.test(to)) throw invalid(`Invalid phone number '${to}': only digits, '+', '-', '(', ')' and spaces are allowed.`);
  const digits = to.replace(/\D/g, '');
  if (digits.length === 0) throw invalid(`Invalid phone number '${to}'.`);
  if (digits.startsWith('999')) return { input: to, waId: digits };
  const hasPlus = to.trim().startsWith('+');
  if (!hasPlus && knownWaId(digits)) return { input: to, waId: digits };
  const parsed = hasPlus
    ? parsePhoneNumberFromString(`+${digits}`)
    : parsePhoneNumberFromString(digits, { defaultCallingCode: businessCallingCode });
  let waId = parsed?.number.replace(/\D/g, '');
  if (!parsed || !waId || !(parsed.isPossible() || isLegacyMexicanMobile(waId))) {
    const hint = hasPlus ? '' : ` (no '+': the business country code +${businessCallingCode} was prepended)`;
    throw invalid(`Invalid phone number '${to}'${hint}.`);
  }
  for (const alt of alternateForms(waId)) {
    if (knownWaId(alt)) {
      waId = alt;
      break;
    }
  }
  return { input: to, waId };
}

/** Mexican mobiles registered as 521 + 10 digits (libphonenumber's new metadata calls them impossible). */
function isLegacyMexicanMobile(digits: string): boolean {
  return /^521\d{10}$/.test(digits);
}

function alternateForms(waId: string): string[] {
  const out: string[] = [];
  let m = /^52(\d{10})$/.exec(waId);
  if (m) out.push(`521${m[1]}`);
  m = /^521(\d{10})$/.exec(waId);
  if (m) out.push(`52${m[1]}`);
  m = /^55(\d{2})9(\d{8})$/.exec(waId);
  if (m) out.push(`55${m[1]}${m[2]}`);
  m = /^55(\d{2})(\d{8})$/.exec(waId);
  if (m) out.push(`55${m[1]}9${m[2]}`);
  return out;
}
