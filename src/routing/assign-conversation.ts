import { pauseBot, releaseBot } from '../bot/bot-pause.ts';
import { emitConversationAssigned } from '../event-webhooks/pipeline-events.ts';
import type { RoutingDeps } from './routing-deps.ts';
import { isTeamMember, touchAgent } from './routing-store.ts';

export type AssignResult =
  | { ok: true; assigneeId: string | null; teamId: string | null; previousAssigneeId: string | null }
  | { ok: false; reason: 'conversation_not_found' | 'conversation_closed' | 'user_not_found' | 'team_not_found' | 'user_not_in_team' };

/**
 * A person assigns or transfers: to an agent, to a team, or both (the agent must be in the team).
 * A field left undefined keeps its value; `userId: null` leaves the conversation with the team
 * only. Naming only a team whose members do not include the current agent leaves it unassigned
 * in that team. A manual assignment skips capacity (people may overrule routing) and takes the
 * conversation out of the waiting queue; it counts for the round robin like a routed one.
 */
export async function assignConversation(
  deps: RoutingDeps,
  input: { conversationId: string; userId?: string | null; teamId?: string | null; by: string },
): Promise<AssignResult> {
  return deps.storage.db.transaction().execute(async (trx) => {
    const now = deps.clock.now();
    const conv = await trx
      .selectFrom('conversations')
      .select(['id', 'status', 'assignee_id', 'team_id', 'awaiting_human_since'])
      .where('id', '=', input.conversationId)
      .executeTakeFirst();
    if (!conv) return { ok: false, reason: 'conversation_not_found' };
    if (conv.status === 'closed') return { ok: false, reason: 'conversation_closed' };
    if (
      input.userId &&
      !(await trx.selectFrom('users').select('id').where('id', '=', input.userId).where('deleted_at', 'is', null).executeTakeFirst())
    ) {
      return { ok: false, reason: 'user_not_found' };
    }
    if (input.teamId && !(await trx.selectFrom('teams').select('id').where('id', '=', input.teamId).executeTakeFirst()))
      return { ok: false, reason: 'team_not_found' };
    const teamId = input.teamId === undefined ? conv.team_id : input.teamId;
    let assigneeId = input.userId === undefined ? conv.assignee_id : input.userId;
    if (assigneeId !== null && teamId !== null && !(await isTeamMember(trx, teamId, assigneeId))) {
      if (input.userId) return { ok: false, reason: 'user_not_in_team' };
      assigneeId = null; // transferred to a team the agent is not in
    }
    if (assigneeId === conv.assignee_id && teamId === conv.team_id)
      return { ok: true, assigneeId, teamId, previousAssigneeId: conv.assignee_id };
    await trx
      .updateTable('conversations')
      .set({
        assignee_id: assigneeId,
        team_id: teamId,
        awaiting_human_since: assigneeId === null ? conv.awaiting_human_since : null,
        updated_at: now,
      })
      .where('id', '=', conv.id)
      .execute();
    if (assigneeId !== null && assigneeId !== conv.assignee_id) await touchAgent(trx, assigneeId, now);
    // An agent holds it: the bot stays silent. Unassigned by a person: the bot may answer again.
    if (assigneeId !== null && assigneeId !== conv.assignee_id)
      await pauseBot(trx, deps, { conversationId: conv.id, by: input.by, reason: 'assigned', now });
    if (assigneeId === null && conv.assignee_id !== null)
      await releaseBot(trx, deps, { conversationId: conv.id, by: input.by, reason: 'unassigned', now });
    await emitConversationAssigned(trx, deps.jobs, {
      conversationId: conv.id,
      assigneeId,
      teamId,
      previous: { assigneeId: conv.assignee_id, teamId: conv.team_id },
      reason: assigneeId === null && conv.assignee_id !== null ? 'unassigned' : 'manual',
      by: input.by,
      now,
    });
    return { ok: true, assigneeId, teamId, previousAssigneeId: conv.assignee_id };
  });
}
