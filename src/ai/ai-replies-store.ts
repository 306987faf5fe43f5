import type { Selectable } from 'kysely';
import { newId } from '../core/ids.ts';
import type { Database } from '../storage/database-types.ts';
import type { Executor } from '../storage/executor.ts';

export type AiReplyRow = Selectable<Database['ai_replies']>;

export async function insertAiReply(db: Executor, row: Omit<AiReplyRow, 'id'>): Promise<AiReplyRow> {
  const full = { ...row, id: newId('air', row.created_at) };
  await db.insertInto('ai_replies').values(full).execute();
  return full;
}

export async function findAiReply(db: Executor, id: string): Promise<AiReplyRow | undefined> {
  return db.selectFrom('ai_replies').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function aiRepliesOf(db: Executor, conversationId: string, limit = 50): Promise<AiReplyRow[]> {
  return db.selectFrom('ai_replies').selectAll().where('conversation_id', '=', conversationId).orderBy('id', 'desc').limit(limit).execute();
}
