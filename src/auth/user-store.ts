import type { Kysely, Selectable, Updateable } from 'kysely';
import type { Database } from '../storage/database-types.ts';

export type UserRow = Selectable<Database['users']>;
export type UserPatch = Omit<Updateable<Database['users']>, 'id' | 'created_at' | 'deleted_at'>;
type Db = Kysely<Database>;

/** Emails are compared lower-cased (stored that way), so `Ana@X.com` and `ana@x.com` are one user. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export async function insertUser(db: Db, row: Omit<UserRow, 'deleted_at'>): Promise<void> {
  await db
    .insertInto('users')
    .values({ ...row, deleted_at: null })
    .execute();
}

export function findUser(db: Db, id: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
}

export function findUserByEmail(db: Db, email: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('email', '=', normalizeEmail(email)).where('deleted_at', 'is', null).executeTakeFirst();
}

export function listUsers(db: Db): Promise<UserRow[]> {
  return db.selectFrom('users').selectAll().where('deleted_at', 'is', null).orderBy('name').orderBy('id').execute();
}

export async function updateUser(db: Db, id: string, patch: UserPatch): Promise<UserRow | undefined> {
  await db.updateTable('users').set(patch).where('id', '=', id).where('deleted_at', 'is', null).execute();
  return findUser(db, id);
}

/**
 * Deleting keeps the row (history names its author) but ends every way in: sessions, tokens and
 * team memberships go in the same transaction, so nothing of the user's works a moment later.
 */
export async function softDeleteUser(db: Db, id: string, now: number): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const res = await trx
      .updateTable('users')
      .set({ deleted_at: now, updated_at: now })
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) === 0) return false;
    await trx.deleteFrom('sessions').where('user_id', '=', id).execute();
    await trx.deleteFrom('team_members').where('user_id', '=', id).execute();
    await trx.updateTable('api_tokens').set({ revoked_at: now }).where('user_id', '=', id).where('revoked_at', 'is', null).execute();
    return true;
  });
}

/** Team ids per user, for many users in one query. */
export async function teamIdsByUser(db: Db, userIds: readonly string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>(userIds.map((id) => [id, []]));
  if (userIds.length === 0) return out;
  const rows = await db
    .selectFrom('team_members')
    .select(['user_id', 'team_id'])
    .where('user_id', 'in', userIds)
    .orderBy('team_id')
    .execute();
  for (const r of rows) out.get(r.user_id)?.push(r.team_id);
  return out;
}
