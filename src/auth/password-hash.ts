import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * Passwords are stored as `$scrypt$v=1$ln=15,r=8,p=1$<salt>$<key>` (base64url, no padding): the
 * parameters travel with each hash, so they can be raised later and old hashes still verify
 * (needsRehash tells the login to upgrade them). ln=15, r=8 costs 32 MiB and tens of milliseconds,
 * which is what makes a stolen table slow to attack.
 */
const CURRENT = { ln: 15, r: 8, p: 1 } as const;
const SALT_BYTES = 16;
const KEY_BYTES = 32;
/** Longer inputs are refused before hashing: a password needs no more, and work stays bounded. */
export const MAX_PASSWORD_LENGTH = 1024;
export const MIN_PASSWORD_LENGTH = 8;

interface Parsed {
  ln: number;
  r: number;
  p: number;
  salt: Buffer;
  key: Buffer;
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, CURRENT, KEY_BYTES);
  return `$scrypt$v=1$ln=${CURRENT.ln},r=${CURRENT.r},p=${CURRENT.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

/** True when the password matches; false for a wrong password or a malformed stored hash. */
export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  const parsed = parse(encoded);
  if (!parsed || password.length > MAX_PASSWORD_LENGTH) return false;
  const key = await derive(password, parsed.salt, parsed, parsed.key.length);
  return timingSafeEqual(key, parsed.key);
}

/** True when the hash was made with other parameters than today's (upgrade it after a good login). */
export function needsRehash(encoded: string): boolean {
  const parsed = parse(encoded);
  return !parsed || parsed.ln !== CURRENT.ln || parsed.r !== CURRENT.r || parsed.p !== CURRENT.p || parsed.key.length !== KEY_BYTES;
}

function derive(password: string, salt: Buffer, params: { ln: number; r: number; p: number }, length: number): Promise<Buffer> {
  const N = 2 ** params.ln;
  // scrypt needs 128*N*r bytes; Node's default ceiling (32 MiB) is exactly today's need, so raise it.
  const options: ScryptOptions = { N, r: params.r, p: params.p, maxmem: 128 * N * params.r * 2 };
  // NFC: the same password typed on two keyboards may arrive as different code points.
  const input = Buffer.from(password.normalize('NFC'), 'utf8');
  return new Promise((resolve, reject) => scrypt(input, salt, length, options, (err, key) => (err ? reject(err) : resolve(key))));
}

const FORMAT = /^\$scrypt\$v=1\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9_-]+)\$([A-Za-z0-9_-]+)$/;

function parse(encoded: string): Parsed | null {
  const m = FORMAT.exec(encoded);
  if (!m) return null;
  const [ln, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const salt = Buffer.from(m[4] ?? '', 'base64url');
  const key = Buffer.from(m[5] ?? '', 'base64url');
  // Bounds keep a corrupted row from asking for gigabytes of memory or minutes of CPU.
  if (ln < 10 || ln > 20 || r < 1 || r > 16 || p < 1 || p > 4 || 128 * 2 ** ln * r > 512 * 1024 * 1024) return null;
  if (salt.length < 8 || key.length < 16 || key.length > 64) return null;
  return { ln, r, p, salt, key };
}
