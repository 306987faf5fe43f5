import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Executor } from '../jobs/job-queue.ts';

const KEY = 'admin_token_sha256';

export function hashToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/**
 * The admin bearer token is kept only as a hash. When none is configured, one is generated at
 * first start and returned so main.ts can print it once; later starts keep the stored hash.
 */
export async function ensureAdminToken(db: Executor, configured: string | undefined): Promise<{ hash: Buffer; generated?: string }> {
  if (configured) return { hash: hashToken(configured) };
  const stored = await db.selectFrom('meta').select('value').where('key', '=', KEY).executeTakeFirst();
  if (stored) return { hash: Buffer.from(stored.value, 'hex') };
  const token = `sb_${randomBytes(24).toString('base64url')}`;
  const hash = hashToken(token);
  await db.insertInto('meta').values({ key: KEY, value: hash.toString('hex') }).onConflict((oc) => oc.column('key').doNothing()).execute();
  const winner = await db.selectFrom('meta').select('value').where('key', '=', KEY).executeTakeFirstOrThrow();
  // Another process may have generated one at the same moment; only the stored one is valid.
  return winner.value === hash.toString('hex') ? { hash, generated: token } : { hash: Buffer.from(winner.value, 'hex') };
}

/** Constant-time check of a presented bearer token against the stored hash. */
export function tokenMatches(presented: string, expectedHash: Buffer): boolean {
  const h = hashToken(presented);
  return h.length === expectedHash.length && timingSafeEqual(h, expectedHash);
}
