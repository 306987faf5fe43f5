import type { Kysely, Selectable } from 'kysely';
import type { Database } from '../storage/database-types.ts';
import type { UserRow } from './user-store.ts';

export type TokenRow = Selectable<Database['api_tokens']>;
type Db = Kysely<Database>;

/** last_used_at is written at most this often per token: one write a minute, not one per request. */
export const LAST_USED_RESOLUTION_MS = 60_000;

export async function insertToken(db: Db, row: TokenRow): Promise<void> {
  await db.insertInto('api_tokens').values(row).execute();
}

export function findToken(db: Db, id: string): Promise<TokenRow | undefined> {
  return db.selectFrom('api_tokens').selectAll().where('id', '=', id).executeTakeFirst();
}

/** All tokens, or only one user's; newest first. */
export function listTokens(db: Db, ownerId?: string): Promise<TokenRow[]> {
  let q = db.selectFrom('api_tokens').selectAll();
  if (ownerId !== undefined) q = q.where('user_id', '=', ownerId);
  return q.orderBy('created_at', 'desc').orderBy('id', 'desc').execute();
}

/** The token by hash with its owner (undefined when it has none, or the owner was deleted). */
export async function findTokenForAuth(db: Db, hash: string): Promise<{ token: TokenRow; owner: UserRow | undefined } | undefined> {
  const token = await db.selectFrom('api_tokens').selectAll().where('token_hash', '=', hash).executeTakeFirst();
  if (!token) return undefined;
  const owner =
    token.user_id === null
      ? undefined
      : await db.selectFrom('users').selectAll().where('id', '=', token.user_id).where('deleted_at', 'is', null).executeTakeFirst();
  return { token, owner };
}

/** Idempotent: revoking twice keeps the first time. */
export async function revokeToken(db: Db, id: string, now: number): Promise<void> {
  await db.updateTable('api_tokens').set({ revoked_at: now }).where('id', '=', id).where('revoked_at', 'is', null).execute();
}

/** Revokes every live token a user owns (their password changed); returns how many. */
export async function revokeUserTokens(db: Db, userId: string, now: number): Promise<number> {
  const r = await db
    .updateTable('api_tokens')
    .set({ revoked_at: now })
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/**
 * Records use, at most once per LAST_USED_RESOLUTION_MS: callers skip it when the value they read
 * is recent, and the WHERE makes concurrent requests write once.
 */
export async function touchToken(db: Db, token: TokenRow, now: number): Promise<void> {
  const stale = now - LAST_USED_RESOLUTION_MS;
  if (token.last_used_at !== null && token.last_used_at > stale) return;
  await db
    .updateTable('api_tokens')
    .set({ last_used_at: now })
    .where('id', '=', token.id)
    .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<=', stale)]))
    .execute();
}
