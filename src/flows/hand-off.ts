import type { Transaction } from 'kysely';
import { pauseBot } from '../bot/bot-pause.ts';
import type { Deps } from '../deps.ts';
import { requestHuman } from '../routing/request-human.ts';
import type { Database } from '../storage/database-types.ts';

/**
 * The hand-off block: the bot goes silent in this conversation (the one bot pause of
 * bot/bot-pause.ts, by `flow:<id>`, reason `handoff`) until it is released, and the
 * conversation joins routing's queue. The pause holds even when routing refuses (a blocked contact).
 */
export async function handOff(
  trx: Transaction<Database>,
  deps: Deps,
  input: { conversationId: string; sessionId: string; flowId: string; teamId: string | null; now: number },
): Promise<void> {
  const by = `flow:${input.flowId}`;
  await pauseBot(trx, deps, { conversationId: input.conversationId, by, reason: 'handoff', sessionId: input.sessionId, now: input.now });
  const routed = await requestHuman(trx, deps, input.conversationId, input.teamId ? { teamId: input.teamId, by } : { by });
  // An unknown team must not lose the customer: queue without a team instead.
  if (!routed.ok && routed.reason === 'team_not_found') await requestHuman(trx, deps, input.conversationId, { by });
  if (!routed.ok && routed.reason !== 'team_not_found')
    deps.logger.warn({ conversationId: input.conversationId, reason: routed.reason }, 'flow hand-off: routing refused');
}
