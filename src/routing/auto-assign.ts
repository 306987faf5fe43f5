import type { Executor } from '../jobs/job-queue.ts';

/**
 * Auto-assignment per number and team (issue 13): when a number's conversations go to a human
 * without anyone asking, and to which team's queue.
 * - `off` (the default, as before): only a hand-off (a flow's block or the API) or a person routes;
 * - `first_message`: a new conversation asks for a human at the customer's first message, so it is
 *   routed at once (round robin, capacity, availability) and the bot steps aside (an assigned or
 *   waiting conversation pauses the bot);
 * - `after_handoff`: the bot answers first; only its hand-off routes the conversation.
 * In both non-off modes a hand-off that names no team goes to `auto_assign_team_id` (when set).
 * The team a number routes to may set its own mode (`teams.auto_assign`), which then applies to
 * that number's conversations instead of the number's; null follows the number.
 */
export const AUTO_ASSIGN_MODES = ['off', 'first_message', 'after_handoff'] as const;
export type AutoAssignMode = (typeof AUTO_ASSIGN_MODES)[number];

export function isAutoAssignMode(v: unknown): v is AutoAssignMode {
  return AUTO_ASSIGN_MODES.some((m) => m === v);
}

export interface AutoAssignSetting {
  /** What applies: the team's mode when it sets one, else the number's. */
  mode: AutoAssignMode;
  teamId: string | null;
  numberMode: AutoAssignMode;
  teamMode: AutoAssignMode | null;
}

/** A number's auto-assignment, its team's override applied. */
export async function autoAssignOf(db: Executor, channelId: string): Promise<AutoAssignSetting> {
  const row = await db
    .selectFrom('channels as ch')
    .leftJoin('teams as t', 't.id', 'ch.auto_assign_team_id')
    .select(['ch.auto_assign', 'ch.auto_assign_team_id', 't.auto_assign as team_auto_assign'])
    .where('ch.id', '=', channelId)
    .executeTakeFirst();
  return autoAssignFromRow(row);
}

/** The setting from the number's columns and its team's mode, read by autoAssignOf or with a conversation's insert. */
export function autoAssignFromRow(
  row: { auto_assign: string | null; auto_assign_team_id: string | null; team_auto_assign: string | null } | undefined,
): AutoAssignSetting {
  const numberMode = isAutoAssignMode(row?.auto_assign) ? row.auto_assign : 'off';
  const teamMode = isAutoAssignMode(row?.team_auto_assign) ? row.team_auto_assign : null;
  return { mode: teamMode ?? numberMode, teamId: row?.auto_assign_team_id ?? null, numberMode, teamMode };
}

/** The mode that applies to a number given its own and its team's (for views). */
export function effectiveMode(numberMode: string, teamMode: string | null): AutoAssignMode {
  if (isAutoAssignMode(teamMode)) return teamMode;
  return isAutoAssignMode(numberMode) ? numberMode : 'off';
}
