import { createHash } from 'node:crypto';
import { parsePhoneNumberFromString } from 'libphonenumber-js';

/**
 * Business-scoped user IDs (BSUIDs) and usernames, as docs/whatsapp-identity.md records them:
 * a BSUID is a two-letter country code, '.', then up to 128 alphanumerics
 * (`US.13491208655302741918`), one per user per business portfolio, new when the phone number
 * changes. The simulator derives it deterministically from the phone number and the business
 * (its WABA id), so a test can predict it and a restart gives the same id.
 */
export const BSUID_PATTERN = /^[A-Z]{2}\.[A-Za-z0-9]{1,128}$/;

export function isBsuid(s: string): boolean {
  return BSUID_PATTERN.test(s);
}

/** The customer's BSUID for this business: country of the number + 20 digits of a hash. */
export function bsuidFor(waId: string, businessId: string): string {
  const country = parsePhoneNumberFromString(`+${waId}`)?.country ?? 'ZZ';
  const hash = createHash('sha256').update(`${businessId}:${waId}`).digest();
  // 20 decimal digits, like Meta's example; the leading digit is never 0.
  const n = (hash.readBigUInt64BE(0) % 9_000_000_000_000_000_000n) + 1_000_000_000_000_000_000n;
  return `${country}.${n.toString()}${String(hash.readUInt8(8) % 10)}`;
}

/** Usernames: letters, digits, '.' and '_', 3-35 characters (our choice; Meta's exact rules are not in the docs we read). */
export const USERNAME_PATTERN = /^[A-Za-z0-9._]{3,35}$/;

const DAY = 24 * 60 * 60 * 1000;
/** Meta's 30-day window in which a username user's phone number is still shared. */
export const PHONE_SHARE_WINDOW_MS = 30 * DAY;

/** A parent BSUID: country code, `.ENT.`, then alphanumerics (docs/whatsapp-identity.md). */
export const PARENT_BSUID_PATTERN = /^[A-Z]{2}\.ENT\.[A-Za-z0-9]{1,128}$/;

export interface IdentityState {
  username?: string;
  /** Parent BSUID (linked portfolios), when the business has them enabled for this user. */
  parentUserId?: string;
  /** The user hides their number behind the username (only meaningful with a username). */
  hidePhone: boolean;
  /** Last time the business sent a message to this user's phone number (`to`), simulator clock. */
  lastSentToPhoneAt?: number;
}

/**
 * Whether webhooks carry the phone number (`wa_id`, `from`, `recipient_id`). Simplified from
 * Meta's rules: always without a username or when the user does not hide it; otherwise only when
 * the business sent to this phone number in the last 30 days (the 30-day and contact-book rule:
 * the business already knows the number). Meta's contact book also keeps older pairs; not modelled.
 */
export function phoneShared(c: IdentityState, now: number): boolean {
  if (!c.username || !c.hidePhone) return true;
  return c.lastSentToPhoneAt !== undefined && now - c.lastSentToPhoneAt < PHONE_SHARE_WINDOW_MS;
}
