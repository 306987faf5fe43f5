import { pauseBot } from '../bot/bot-pause.ts';
import { emitConversationAssigned } from '../event-webhooks/pipeline-events.ts';
import type { Executor } from '../jobs/job-queue.ts';
import { planAssignments, type Assignment } from './pick-agent.ts';
import { inTransaction, type RoutingDeps } from './routing-deps.ts';
import { ANY_TEAM, assignWaiting, candidatesFor, lockQueue, queuesWithWaiting, waitingConversations } from './routing-store.ts';

// One drain assigns at most this many; a longer queue continues on the next trigger.
const DRAIN_BATCH = 200;

/**
 * Assigns a queue's waiting conversations, oldest first, round-robin among its online agents
 * with room, in one transaction holding the queue's lock. Returns what it assigned; the caller
 * wakes the job queue after commit (event webhooks).
 */
export async function drainQueue(db: Executor, deps: RoutingDeps, key: string): Promise<Assignment[]> {
  return inTransaction(db, async (trx) => {
    const now = deps.clock.now();
    const rowLocks = deps.storage.dialect.multiProcess;
    await lockQueue(trx, key, rowLocks, now);
    const waiting = await waitingConversations(trx, key, DRAIN_BATCH);
    if (waiting.length === 0) return [];
    const plan = planAssignments(waiting, await candidatesFor(trx, key, rowLocks), now);
    const done: Assignment[] = [];
    const teamId = key === ANY_TEAM ? null : key;
    for (const a of plan) {
      if (!(await assignWaiting(trx, a.conversationId, a.userId, a.stamp, now))) continue;
      done.push(a);
      await pauseBot(trx, deps, { conversationId: a.conversationId, by: 'routing', reason: 'assigned', now });
      await emitConversationAssigned(trx, deps.jobs, {
        conversationId: a.conversationId,
        assigneeId: a.userId,
        teamId,
        previous: { assigneeId: null, teamId },
        reason: 'routing',
        by: 'system',
        now,
      });
    }
    return done;
  });
}

/** Drains every queue that has someone waiting (capacity freed, an agent came online...). */
export async function drainAll(deps: RoutingDeps): Promise<number> {
  let assigned = 0;
  for (const key of await queuesWithWaiting(deps.storage.db)) assigned += (await drainQueue(deps.storage.db, deps, key)).length;
  if (assigned > 0) deps.jobs.wake();
  return assigned;
}
