import type { Transaction } from 'kysely';
import { emitConversationAssigned } from '../event-webhooks/pipeline-events.ts';
import type { Database } from '../storage/database-types.ts';
import { drainAll } from './drain-queue.ts';
import type { RoutingDeps } from './routing-deps.ts';

/**
 * Brings routing in line with the agents as they are now: an agent who went offline (or was
 * deleted) since routing last looked gives their open conversations back to the queue, then every
 * queue is drained (someone came online, raised their capacity, or the requeued conversations
 * find another agent). The last availability routing acted on is stored per agent, so a change
 * is acted on once, by whichever process sees it first.
 */
export async function rebalance(deps: RoutingDeps): Promise<void> {
  const db = deps.storage.db;
  const users = await db
    .selectFrom('users as u')
    .leftJoin('user_routing as r', 'r.user_id', 'u.id')
    .select(['u.id', 'u.availability', 'u.deleted_at', 'r.seen_availability'])
    .execute();
  for (const u of users) {
    const state = u.deleted_at !== null ? 'deleted' : u.availability;
    if (state === (u.seen_availability ?? 'offline')) continue;
    await db.transaction().execute(async (trx) => {
      if (state === 'offline' || state === 'deleted') await requeueAgent(trx, deps, u.id);
      await trx
        .insertInto('user_routing')
        .values({ user_id: u.id, last_assigned_at: null, seen_availability: state })
        .onConflict((oc) => oc.column('user_id').doUpdateSet({ seen_availability: state }))
        .execute();
    });
  }
  await drainAll(deps);
  deps.jobs.wake();
}

/** The agent's open conversations go back to their queues (the back of them: they wait from now). */
async function requeueAgent(trx: Transaction<Database>, deps: RoutingDeps, userId: string): Promise<void> {
  const now = deps.clock.now();
  const rows = await trx
    .updateTable('conversations')
    .set({ assignee_id: null, awaiting_human_since: now, updated_at: now })
    .where('assignee_id', '=', userId)
    .where('status', '<>', 'closed')
    .returning(['id', 'team_id'])
    .execute();
  for (const r of rows) {
    await emitConversationAssigned(trx, deps.jobs, {
      conversationId: r.id,
      assigneeId: null,
      teamId: r.team_id,
      previous: { assigneeId: userId, teamId: r.team_id },
      reason: 'agent_offline',
      by: 'system',
      now,
    });
  }
}
