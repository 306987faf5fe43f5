import type { Executor } from '../jobs/job-queue.ts';
import type { Database } from '../storage/database-types.ts';

export type BotPauseRow = Database['bot_pauses'];

/** The pause's columns as the conversation queries select them (`bp` is `bot_pauses`, left-joined). */
export const BOT_PAUSE_COLUMNS = [
  'bp.paused_at as bot_paused_at',
  'bp.paused_by as bot_paused_by',
  'bp.reason as bot_pause_reason',
  'bp.last_activity_at as bot_last_activity_at',
  'bp.resumes_at as bot_resumes_at',
] as const;

export async function findBotPause(db: Executor, conversationId: string): Promise<BotPauseRow | undefined> {
  return db.selectFrom('bot_pauses').selectAll().where('conversation_id', '=', conversationId).executeTakeFirst();
}

/** Inserts the pause; false when the conversation is paused already (the first pause stands). */
export async function insertBotPause(db: Executor, row: BotPauseRow): Promise<boolean> {
  const r = await db
    .insertInto('bot_pauses')
    .values(row)
    .onConflict((oc) => oc.column('conversation_id').doNothing())
    .returning('conversation_id')
    .executeTakeFirst();
  return r !== undefined;
}

/** Agent activity on a paused conversation: the idle timeout counts again from now. */
export async function touchBotPause(db: Executor, conversationId: string, input: { now: number; resumesAt: number | null }): Promise<void> {
  await db
    .updateTable('bot_pauses')
    .set({ last_activity_at: input.now, resumes_at: input.resumesAt })
    .where('conversation_id', '=', conversationId)
    .execute();
}

/**
 * Deletes the pause and returns it (undefined: there was none, or another release won). With
 * `idleAt`, only a pause whose idle deadline has passed by then: agent activity in between wins.
 */
export async function deleteBotPause(
  db: Executor,
  conversationId: string,
  opts: { idleAt?: number } = {},
): Promise<BotPauseRow | undefined> {
  let q = db.deleteFrom('bot_pauses').where('conversation_id', '=', conversationId);
  if (opts.idleAt !== undefined) q = q.where('resumes_at', '<=', opts.idleAt);
  return q.returningAll().executeTakeFirst();
}

/** Paused conversations whose idle deadline has passed (the sweep). */
export async function idleBotPauses(db: Executor, now: number, limit: number): Promise<string[]> {
  const rows = await db
    .selectFrom('bot_pauses')
    .select('conversation_id')
    .where('resumes_at', '<=', now)
    .orderBy('resumes_at')
    .limit(limit)
    .execute();
  return rows.map((r) => r.conversation_id);
}
