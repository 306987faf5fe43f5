import { pauseBot } from '../bot/bot-pause.ts';
import type { Executor } from '../jobs/job-queue.ts';
import { autoAssignOf } from './auto-assign.ts';
import { drainQueue } from './drain-queue.ts';
import { inTransaction, type RoutingDeps } from './routing-deps.ts';
import { isTeamMember, queueKey } from './routing-store.ts';

export type RequestHumanResult =
  | { ok: true; assigneeId: string | null; teamId: string | null; queued: boolean }
  | { ok: false; reason: 'conversation_not_found' | 'conversation_closed' | 'contact_blocked' | 'team_not_found' };

/**
 * A conversation needs a human (the flow engine's hand-off block, or the API): it joins its
 * team's queue (or the no-team queue) and is routed at once when an online agent has room;
 * otherwise it waits, oldest first. A conversation that already has an agent (in that team, when
 * one is named) keeps them. Either way the bot is paused (reason `handoff`, by `opts.by`, default
 * `system`). Runs in the caller's transaction when given one.
 */
export async function requestHuman(
  db: Executor,
  deps: RoutingDeps,
  conversationId: string,
  opts: { teamId?: string; by?: string } = {},
): Promise<RequestHumanResult> {
  return inTransaction(db, async (trx) => {
    const now = deps.clock.now();
    const conv = await trx
      .selectFrom('conversations as c')
      .innerJoin('contacts as ct', 'ct.id', 'c.contact_id')
      .select(['c.id', 'c.status', 'c.assignee_id', 'c.team_id', 'c.channel_id', 'ct.blocked'])
      .where('c.id', '=', conversationId)
      .executeTakeFirst();
    if (!conv) return { ok: false, reason: 'conversation_not_found' };
    if (conv.status === 'closed') return { ok: false, reason: 'conversation_closed' };
    if (conv.blocked) return { ok: false, reason: 'contact_blocked' };
    // A hand-off naming no team, in a conversation without one: the number's auto-assign team.
    const auto = opts.teamId === undefined && conv.team_id === null ? await autoAssignOf(trx, conv.channel_id) : undefined;
    const teamId = opts.teamId ?? conv.team_id ?? (auto && auto.mode !== 'off' ? auto.teamId : null);
    if (opts.teamId !== undefined && !(await trx.selectFrom('teams').select('id').where('id', '=', opts.teamId).executeTakeFirst())) {
      return { ok: false, reason: 'team_not_found' };
    }
    await pauseBot(trx, deps, { conversationId: conv.id, by: opts.by ?? 'system', reason: 'handoff', now });
    if (conv.assignee_id !== null && (teamId === null || (await isTeamMember(trx, teamId, conv.assignee_id)))) {
      if (teamId !== conv.team_id)
        await trx.updateTable('conversations').set({ team_id: teamId, updated_at: now }).where('id', '=', conv.id).execute();
      return { ok: true, assigneeId: conv.assignee_id, teamId, queued: false };
    }
    await trx
      .updateTable('conversations')
      .set((eb) => ({
        team_id: teamId,
        assignee_id: null,
        awaiting_human_since: eb.fn.coalesce('awaiting_human_since', eb.val(now)),
        updated_at: now,
      }))
      .where('id', '=', conv.id)
      .execute();
    const assigned = (await drainQueue(trx, deps, queueKey(teamId))).find((a) => a.conversationId === conv.id);
    return { ok: true, assigneeId: assigned?.userId ?? null, teamId, queued: !assigned };
  });
}
