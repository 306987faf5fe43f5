import { sql, type Transaction } from 'kysely';
import type { Executor } from '../jobs/job-queue.ts';
import type { Database } from '../storage/database-types.ts';
import type { Candidate } from './pick-agent.ts';

type Trx = Transaction<Database>;

/** The queue key of a team; '*' is the queue of conversations without a team (every agent serves it). */
export const ANY_TEAM = '*';

export function queueKey(teamId: string | null): string {
  return teamId ?? ANY_TEAM;
}

/**
 * Serialises routing of one queue across processes: on PostgreSQL the team's row is locked FOR
 * UPDATE until the transaction ends. SQLite has one writer at a time already.
 */
export async function lockQueue(trx: Trx, key: string, rowLocks: boolean, now: number): Promise<void> {
  await trx
    .insertInto('team_routing')
    .values({ team_id: key, routed_at: null })
    .onConflict((oc) => oc.column('team_id').doNothing())
    .execute();
  if (rowLocks) await sql`select team_id from team_routing where team_id = ${key} for update`.execute(trx);
  await trx.updateTable('team_routing').set({ routed_at: now }).where('team_id', '=', key).execute();
}

/** Oldest first: conversations of this queue that asked for a human and have nobody yet. */
export async function waitingConversations(trx: Trx, key: string, limit: number): Promise<string[]> {
  let q = trx
    .selectFrom('conversations as c')
    .innerJoin('contacts as ct', 'ct.id', 'c.contact_id')
    .select('c.id')
    .where('c.awaiting_human_since', 'is not', null)
    .where('c.assignee_id', 'is', null)
    .where('c.status', '<>', 'closed')
    .where('ct.blocked', '=', 0);
  q = key === ANY_TEAM ? q.where('c.team_id', 'is', null) : q.where('c.team_id', '=', key);
  const rows = await q.orderBy('c.awaiting_human_since').orderBy('c.id').limit(limit).execute();
  return rows.map((r) => r.id);
}

/** Queues that have someone waiting, so a drain-everything touches only those. */
export async function queuesWithWaiting(trx: Executor): Promise<string[]> {
  const rows = await trx
    .selectFrom('conversations')
    .select('team_id')
    .distinct()
    .where('awaiting_human_since', 'is not', null)
    .where('assignee_id', 'is', null)
    .where('status', '<>', 'closed')
    .execute();
  return rows.map((r) => queueKey(r.team_id));
}

/**
 * Online agents who serve this queue, with their open count and fairness stamp. On PostgreSQL
 * their routing rows are locked first (in id order, so two queues sharing agents cannot
 * deadlock), which makes the open counts exact: any other assignment to them waits for us.
 */
export async function candidatesFor(trx: Trx, key: string, rowLocks: boolean): Promise<Candidate[]> {
  let uq = trx.selectFrom('users as u').select('u.id').where('u.deleted_at', 'is', null).where('u.availability', '=', 'online');
  if (key !== ANY_TEAM) uq = uq.where('u.id', 'in', trx.selectFrom('team_members').select('user_id').where('team_id', '=', key));
  const ids = (await uq.orderBy('u.id').execute()).map((r) => r.id);
  if (ids.length === 0) return [];
  await trx
    .insertInto('user_routing')
    .values(ids.map((user_id) => ({ user_id, last_assigned_at: null, seen_availability: null })))
    .onConflict((oc) => oc.column('user_id').doNothing())
    .execute();
  if (rowLocks) await sql`select user_id from user_routing where user_id in (${sql.join(ids)}) order by user_id for update`.execute(trx);
  const rows = await trx
    .selectFrom('users as u')
    .innerJoin('user_routing as r', 'r.user_id', 'u.id')
    .select((eb) => [
      'u.id',
      'u.capacity',
      'r.last_assigned_at',
      eb
        .selectFrom('conversations as c')
        .select(eb.fn.countAll<number>().as('n'))
        .whereRef('c.assignee_id', '=', 'u.id')
        .where('c.status', '<>', 'closed')
        .as('open'),
    ])
    .where('u.id', 'in', ids)
    .execute();
  return rows.map((r) => ({ userId: r.id, capacity: r.capacity, open: Number(r.open ?? 0), lastAssignedAt: r.last_assigned_at }));
}

/** Takes a waiting conversation for an agent; false when someone else got it first. */
export async function assignWaiting(trx: Trx, conversationId: string, userId: string, stamp: number, now: number): Promise<boolean> {
  const res = await trx
    .updateTable('conversations')
    .set({ assignee_id: userId, awaiting_human_since: null, updated_at: now })
    .where('id', '=', conversationId)
    .where('assignee_id', 'is', null)
    .executeTakeFirst();
  if (Number(res.numUpdatedRows) === 0) return false;
  await touchAgent(trx, userId, stamp);
  return true;
}

/** Records that the agent just got a conversation (routing or a person): the rotation moves past them. */
export async function touchAgent(trx: Executor, userId: string, stamp: number): Promise<void> {
  await trx
    .insertInto('user_routing')
    .values({ user_id: userId, last_assigned_at: stamp, seen_availability: null })
    .onConflict((oc) => oc.column('user_id').doUpdateSet({ last_assigned_at: stamp }))
    .execute();
}

export async function isTeamMember(db: Executor, teamId: string, userId: string): Promise<boolean> {
  return (
    (await db
      .selectFrom('team_members')
      .select('user_id')
      .where('team_id', '=', teamId)
      .where('user_id', '=', userId)
      .executeTakeFirst()) !== undefined
  );
}
