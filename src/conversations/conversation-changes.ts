import { sql, type SqlBool } from 'kysely';
import type { ConversationVisibility } from '../auth/visible-conversation-filter.ts';
import type { Executor } from '../jobs/job-queue.ts';
import type { Dialect } from '../storage/dialect.ts';
import { conversationQuery, type ListRow } from './conversation-list.ts';
import { visibilitySql } from './conversation-visibility.ts';

/** A place in the change order: (sync_seq, id) of conversation_sync (0043); `0` is the beginning. */
export interface ChangeCursor {
  seq: number;
  id: string;
}

/**
 * Conversations changed after `since`, in change order (sync_seq, id), oldest change first. A
 * conversation that changes again moves to the end, so a client that pages to the end and keeps
 * polling from the last cursor sees every conversation's latest state. On PostgreSQL only changes
 * of ended transactions are returned (sync_seq is the writer's xid, below the oldest running
 * one: see 0018-sync-change-seq), so nothing committed later can land behind a cursor.
 */
export async function listChangedConversations(
  db: Executor,
  dialect: Dialect,
  since: ChangeCursor,
  limit: number,
  visibility: ConversationVisibility,
): Promise<Array<ListRow & { sync_seq: number }>> {
  let query = conversationQuery(db)
    .innerJoin('conversation_sync as s', 's.conversation_id', 'c.id')
    .select('s.sync_seq')
    .where(sql<SqlBool>`(${sql.ref('s.sync_seq')}, ${sql.ref('s.conversation_id')}) > (${since.seq}, ${since.id})`);
  if (dialect.changesCommitOutOfOrder) query = query.where(dialect.settledBelowRunningTransactions(sql.ref('s.sync_seq')));
  const visible = visibilitySql(visibility, 'c');
  if (visible) query = query.where(visible);
  return query
    .orderBy('s.sync_seq')
    .orderBy('s.conversation_id')
    .limit(limit + 1)
    .execute();
}
