import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../core/clock.ts';
import type { Executor } from '../storage/executor.ts';

const KEY = 'admin_token_sha256';

/** How long a server trusts the stored hash before reading it again: a new token works, and the old one stops, within this. */
export const ADMIN_TOKEN_REFRESH_MS = 1_000;

export function hashToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

function newToken(): string {
  return `sb_${randomBytes(24).toString('base64url')}`;
}

/**
 * The admin bearer token is kept only as a hash. When none is configured, one is generated at
 * first start and returned so main.ts can print it once; later starts keep the stored hash.
 */
export async function ensureAdminToken(db: Executor, configured: string | undefined): Promise<{ hash: Buffer; generated?: string }> {
  if (configured) return { hash: hashToken(configured) };
  const stored = await storedHash(db);
  if (stored) return { hash: stored };
  const token = newToken();
  const hash = hashToken(token);
  await db
    .insertInto('meta')
    .values({ key: KEY, value: hash.toString('hex') })
    .onConflict((oc) => oc.column('key').doNothing())
    .execute();
  const winner = await db.selectFrom('meta').select('value').where('key', '=', KEY).executeTakeFirstOrThrow();
  // Another process may have generated one at the same moment; only the stored one is valid.
  return winner.value === hash.toString('hex') ? { hash, generated: token } : { hash: Buffer.from(winner.value, 'hex') };
}

/**
 * `npm run admin-token`: a new admin token replaces the stored one (whose hash is overwritten, so
 * the old token is revoked). Returns the token; only its hash is kept.
 */
export async function replaceAdminToken(db: Executor): Promise<string> {
  const token = newToken();
  const value = hashToken(token).toString('hex');
  await db
    .insertInto('meta')
    .values({ key: KEY, value })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
    .execute();
  return token;
}

async function storedHash(db: Executor): Promise<Buffer | undefined> {
  const stored = await db.selectFrom('meta').select('value').where('key', '=', KEY).executeTakeFirst();
  return stored ? Buffer.from(stored.value, 'hex') : undefined;
}

/** Constant-time check of a presented bearer token against the stored hash. */
export function tokenMatches(presented: string, expectedHash: Buffer): boolean {
  const h = hashToken(presented);
  return h.length === expectedHash.length && timingSafeEqual(h, expectedHash);
}

/** What authentication asks: is this bearer the admin token? */
export interface AdminTokenCheck {
  matches(presented: string): Promise<boolean>;
}

/**
 * The admin token as a running server checks it. One set in the environment (SWITCHBOARD_ADMIN_TOKEN)
 * is fixed for the life of the process. A stored one is re-read at most every
 * ADMIN_TOKEN_REFRESH_MS, so `npm run admin-token` takes effect on every server sharing the
 * database without a restart, and the admin token stays free of a database round trip per request.
 */
export function adminTokenCheck(db: Executor, clock: Clock, start: { hash: Buffer; configured: boolean }): AdminTokenCheck {
  let hash = start.hash;
  let readAt = clock.now();
  return {
    async matches(presented) {
      if (!start.configured && clock.now() - readAt >= ADMIN_TOKEN_REFRESH_MS) {
        hash = (await storedHash(db)) ?? hash;
        readAt = clock.now();
      }
      return tokenMatches(presented, hash);
    },
  };
}
