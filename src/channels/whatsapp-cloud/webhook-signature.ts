import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Checks `X-Hub-Signature-256` on a WhatsApp webhook: HMAC-SHA256 keyed with the App Secret over
 * the raw request bytes. Hash the bytes exactly as received — re-serialised JSON differs (Meta
 * escapes non-ASCII as \uXXXX), so a parsed-then-stringified body never matches.
 *
 * Returns a result instead of throwing: a bad signature is an expected outcome at the edge.
 */
export type SignatureCheck = { ok: true } | { ok: false; reason: 'missing' | 'malformed' | 'mismatch' };

const PREFIX = 'sha256=';
const HEX_64 = /^[0-9a-fA-F]{64}$/;

export function verifyWhatsAppSignature(rawBody: Buffer, header: string | undefined, appSecret: string): SignatureCheck {
  const result = verifyWhatsAppSignatureAny(rawBody, header, [appSecret]);
  return result.ok ? { ok: true } : result;
}

/**
 * Same check against several app secrets (several Meta apps can deliver to one endpoint).
 * `secretIndex` says which secret matched so the caller can tell the apps apart.
 */
export function verifyWhatsAppSignatureAny(
  rawBody: Buffer,
  header: string | undefined,
  secrets: readonly string[],
): { ok: true; secretIndex: number } | { ok: false; reason: 'missing' | 'malformed' | 'mismatch' } {
  const received = decodeHeader(header);
  if (received === 'missing' || received === 'malformed') return { ok: false, reason: received };
  let matched = -1;
  // Compare against every secret even after a match so timing does not reveal which one matched.
  for (let i = 0; i < secrets.length; i++) {
    const secret = secrets[i];
    if (secret === undefined || secret.length === 0) continue; // an empty key would accept forged bodies
    const expected = createHmac('sha256', secret).update(rawBody).digest();
    // Both buffers are 32 bytes by construction: timingSafeEqual requires equal lengths.
    if (timingSafeEqual(expected, received) && matched === -1) matched = i;
  }
  return matched === -1 ? { ok: false, reason: 'mismatch' } : { ok: true, secretIndex: matched };
}

/** The header value Meta would send for `body` (tests, the simulator, benchmarks). */
export function signWhatsAppBody(body: string | Buffer, secret: string): string {
  return PREFIX + createHmac('sha256', secret).update(body).digest('hex');
}

/**
 * Header -> the 32 digest bytes. Format checks only look at the attacker's own input, never at
 * the expected digest, so returning early here leaks nothing about the secret.
 */
function decodeHeader(header: string | undefined): Buffer | 'missing' | 'malformed' {
  if (header === undefined) return 'missing';
  let value = header.trim();
  if (value.length === 0) return 'missing';
  if (value.length > PREFIX.length && value.slice(0, PREFIX.length).toLowerCase() === PREFIX) {
    value = value.slice(PREFIX.length);
  }
  if (!HEX_64.test(value)) return 'malformed';
  return Buffer.from(value, 'hex');
}
