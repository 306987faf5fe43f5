import type { Kysely } from 'kysely';
import type { Database } from '../storage/database-types.ts';
import type { UserRow } from './user-store.ts';

type Db = Kysely<Database>;

export async function insertSession(db: Db, row: Database['sessions']): Promise<void> {
  await db.insertInto('sessions').values(row).execute();
}

/** The session and its (not deleted) user, by the hash of the cookie's token. */
export async function findSessionWithUser(db: Db, id: string): Promise<{ expiresAt: number; user: UserRow } | undefined> {
  const row = await db
    .selectFrom('sessions as s')
    .innerJoin('users as u', 'u.id', 's.user_id')
    .selectAll('u')
    .select('s.expires_at as session_expires_at')
    .where('s.id', '=', id)
    .where('u.deleted_at', 'is', null)
    .executeTakeFirst();
  if (!row) return undefined;
  const { session_expires_at, ...user } = row;
  return { expiresAt: session_expires_at, user };
}

export async function extendSession(db: Db, id: string, expiresAt: number): Promise<void> {
  await db.updateTable('sessions').set({ expires_at: expiresAt }).where('id', '=', id).execute();
}

export async function deleteSession(db: Db, id: string): Promise<void> {
  await db.deleteFrom('sessions').where('id', '=', id).execute();
}

/** Ends a user's sessions (password changed), optionally keeping the one making the change. */
export async function deleteUserSessions(db: Db, userId: string, exceptId?: string): Promise<void> {
  let q = db.deleteFrom('sessions').where('user_id', '=', userId);
  if (exceptId !== undefined) q = q.where('id', '<>', exceptId);
  await q.execute();
}

/** Expired rows are refused anyway; removing them at each login keeps the table small. */
export async function purgeExpiredSessions(db: Db, now: number): Promise<void> {
  await db.deleteFrom('sessions').where('expires_at', '<=', now).execute();
}
