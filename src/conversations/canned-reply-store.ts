import type { Selectable } from 'kysely';
import type { Executor } from '../jobs/job-queue.ts';
import type { Database } from '../storage/database-types.ts';

export type CannedReplyRow = Selectable<Database['canned_replies']>;

export async function listCannedReplies(db: Executor, q?: string): Promise<CannedReplyRow[]> {
  let query = db.selectFrom('canned_replies').selectAll().orderBy('shortcut');
  // Shortcut prefix: what the composer has typed after "/".
  if (q !== undefined) query = query.where('shortcut', '>=', q).where('shortcut', '<', `${q}\uffff`);
  return query.limit(500).execute();
}

export async function findCannedReply(db: Executor, id: string): Promise<CannedReplyRow | undefined> {
  return db.selectFrom('canned_replies').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function insertCannedReply(db: Executor, row: CannedReplyRow): Promise<void> {
  await db.insertInto('canned_replies').values(row).execute();
}

export async function updateCannedReply(
  db: Executor,
  id: string,
  patch: { shortcut?: string; text?: string; updated_at: number },
): Promise<void> {
  await db.updateTable('canned_replies').set(patch).where('id', '=', id).execute();
}

export async function deleteCannedReply(db: Executor, id: string): Promise<boolean> {
  const res = await db.deleteFrom('canned_replies').where('id', '=', id).executeTakeFirst();
  return Number(res.numDeletedRows) > 0;
}
