import type { Kysely, Selectable } from 'kysely';
import type { Database } from '../storage/database-types.ts';

export type ThrottleRow = Selectable<Database['login_throttle']>;
type Db = Kysely<Database>;

export function findThrottleRows(db: Db, keys: readonly string[]): Promise<ThrottleRow[]> {
  return db.selectFrom('login_throttle').selectAll().where('key', 'in', keys).execute();
}

/** The first failure of a key; false when another request inserted it first. */
export async function insertThrottleRow(db: Db, row: ThrottleRow): Promise<boolean> {
  const r = await db
    .insertInto('login_throttle')
    .values(row)
    .onConflict((oc) => oc.column('key').doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0n) === 1;
}

/**
 * Compare-and-set: writes `next` only if the row still holds what `seen` read, so two concurrent
 * failures can never both count as the same one. False when the row moved on meanwhile.
 */
export async function updateThrottleRow(db: Db, seen: ThrottleRow, next: Omit<ThrottleRow, 'key'>): Promise<boolean> {
  const r = await db
    .updateTable('login_throttle')
    .set(next)
    .where('key', '=', seen.key)
    .where('failures', '=', seen.failures)
    .where('last_failure_at', '=', seen.last_failure_at)
    .where('locked_until', '=', seen.locked_until)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function deleteThrottleRows(db: Db, keys: readonly string[]): Promise<void> {
  await db.deleteFrom('login_throttle').where('key', 'in', keys).execute();
}

/** Rows quiet since `before` and no longer locked count nothing any more. */
export async function purgeThrottleRows(db: Db, before: number, now: number): Promise<void> {
  await db.deleteFrom('login_throttle').where('last_failure_at', '<', before).where('locked_until', '<=', now).execute();
}
