import { sql, type RawBuilder, type SqlBool } from 'kysely';
import type { Executor } from '../jobs/job-queue.ts';

/**
 * Per-agent unread (issue 13): besides the business-level `unread_count` (has anyone answered or
 * read the customer), each user has their own read mark per conversation, the highest message
 * `seq` it had when they marked it read. Their unread count is the customer's messages after it.
 * A user who never marked a conversation read has every customer message unread.
 */
export async function markReadFor(db: Executor, userId: string, conversationId: string, now: number): Promise<void> {
  const top = await db
    .selectFrom('messages')
    .select((eb) => eb.fn.max('seq').as('seq'))
    .where('conversation_id', '=', conversationId)
    .executeTakeFirst();
  const seq = Number(top?.seq ?? 0);
  await db
    .insertInto('conversation_reads')
    .values({ user_id: userId, conversation_id: conversationId, last_read_seq: seq, read_at: now })
    // Never backwards: two marks racing keep the higher one.
    .onConflict((oc) =>
      oc.columns(['user_id', 'conversation_id']).doUpdateSet({
        last_read_seq: sql<number>`case when excluded.last_read_seq > conversation_reads.last_read_seq then excluded.last_read_seq else conversation_reads.last_read_seq end`,
        read_at: now,
      }),
    )
    .execute();
}

/** The caller's unread customer messages per conversation, for a page of ids (one query). */
export async function myUnreadCounts(db: Executor, userId: string, ids: readonly string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>(ids.map((id) => [id, 0]));
  if (ids.length === 0) return out;
  const rows = await db
    .selectFrom('messages as m')
    .leftJoin('conversation_reads as r', (j) => j.onRef('r.conversation_id', '=', 'm.conversation_id').on('r.user_id', '=', userId))
    .select(['m.conversation_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('m.conversation_id', 'in', [...ids])
    .where('m.direction', '=', 'in')
    .where((eb) => eb.or([eb('r.last_read_seq', 'is', null), eb('m.seq', '>', eb.ref('r.last_read_seq'))]))
    .groupBy('m.conversation_id')
    .execute();
  for (const r of rows) out.set(r.conversation_id, Number(r.n));
  return out;
}

/** SQL over a conversations alias: whether `userId` has unread customer messages there. */
export function myUnreadSql(userId: string, alias: string): RawBuilder<SqlBool> {
  const id = sql.ref(`${alias}.id`);
  return sql<SqlBool>`exists (select 1 from messages m where m.conversation_id = ${id} and m.direction = 'in'
    and m.seq > coalesce((select r.last_read_seq from conversation_reads r where r.conversation_id = ${id} and r.user_id = ${userId}), 0))`;
}

/** Each user's unread customer messages in one conversation (the stream's per-client count): two queries. */
export async function unreadCountsOfUsers(db: Executor, conversationId: string, userIds: readonly string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (userIds.length === 0) return out;
  // Who never marked it read has every customer message unread.
  const all = await db
    .selectFrom('messages')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('conversation_id', '=', conversationId)
    .where('direction', '=', 'in')
    .executeTakeFirst();
  for (const u of userIds) out.set(u, Number(all?.n ?? 0));
  const marked = await db
    .selectFrom('conversation_reads as r')
    .leftJoin('messages as m', (j) =>
      j.onRef('m.conversation_id', '=', 'r.conversation_id').on('m.direction', '=', 'in').onRef('m.seq', '>', 'r.last_read_seq'),
    )
    .select(['r.user_id', (eb) => eb.fn.count<number>('m.id').as('n')])
    .where('r.conversation_id', '=', conversationId)
    .where('r.user_id', 'in', [...userIds])
    .groupBy('r.user_id')
    .execute();
  for (const r of marked) out.set(r.user_id, Number(r.n));
  return out;
}
