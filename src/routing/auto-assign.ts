import type { Executor } from '../jobs/job-queue.ts';

/**
 * Auto-assignment per number (issue 13): when a number's conversations go to a human without
 * anyone asking, and to which team's queue.
 * - `off` (the default, as before): only a hand-off (a flow's block or the API) or a person routes;
 * - `first_message`: a new conversation asks for a human at the customer's first message, so it is
 *   routed at once (round robin, capacity, availability) and the bot steps aside (an assigned or
 *   waiting conversation pauses the bot);
 * - `after_handoff`: the bot answers first; only its hand-off routes the conversation.
 * In both non-off modes a hand-off that names no team goes to `auto_assign_team_id` (when set).
 */
export const AUTO_ASSIGN_MODES = ['off', 'first_message', 'after_handoff'] as const;
export type AutoAssignMode = (typeof AUTO_ASSIGN_MODES)[number];

export function isAutoAssignMode(v: unknown): v is AutoAssignMode {
  return AUTO_ASSIGN_MODES.some((m) => m === v);
}

export interface AutoAssignSetting {
  mode: AutoAssignMode;
  teamId: string | null;
}

export async function autoAssignOf(db: Executor, channelId: string): Promise<AutoAssignSetting> {
  const row = await db.selectFrom('channels').select(['auto_assign', 'auto_assign_team_id']).where('id', '=', channelId).executeTakeFirst();
  return { mode: isAutoAssignMode(row?.auto_assign) ? row.auto_assign : 'off', teamId: row?.auto_assign_team_id ?? null };
}
