import { createHash, randomBytes } from 'node:crypto';

/**
 * Session and API tokens: 256 random bits, so a plain SHA-256 is a safe way to store them (no
 * slow KDF needed: nobody can guess the input), and the database only ever holds the hash.
 */
export function newSecretToken(prefix = ''): string {
  return `${prefix}${randomBytes(32).toString('base64url')}`;
}

export function sha256Hex(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}
