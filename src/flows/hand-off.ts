import type { Transaction } from 'kysely';
import type { Deps } from '../deps.ts';
import { requestHuman } from '../routing/request-human.ts';
import type { Database } from '../storage/database-types.ts';
import type { Executor } from '../jobs/job-queue.ts';
import { pauseBot, resumeBot } from './flow-store.ts';

/**
 * The hand-off block: the bot goes silent in this conversation (until an agent resumes it, or the
 * conversation closes and a new one starts), and the conversation joins routing's queue.
 */
export async function handOff(trx: Transaction<Database>, deps: Deps, input: { conversationId: string; sessionId: string; teamId: string | null; now: number }): Promise<void> {
  await pauseBot(trx, { conversationId: input.conversationId, sessionId: input.sessionId, reason: 'handoff', now: input.now });
  const routed = await requestHuman(trx, deps, input.conversationId, input.teamId ? { teamId: input.teamId } : {});
  // An unknown team must not lose the customer: queue without a team instead.
  if (!routed.ok && routed.reason === 'team_not_found') await requestHuman(trx, deps, input.conversationId, {});
  if (!routed.ok && routed.reason !== 'team_not_found') deps.logger.warn({ conversationId: input.conversationId, reason: routed.reason }, 'flow hand-off: routing refused');
}

/**
 * An agent closed the conversation, or unassigned / returned it: the bot may speak again there.
 * Routing and the inbox call this in their own transaction (one line each); no pause is fine.
 */
export async function liftBotPause(db: Executor, conversationId: string): Promise<void> {
  await resumeBot(db, conversationId);
}
