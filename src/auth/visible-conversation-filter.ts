import type { Principal } from './principal.ts';

/**
 * Which conversations a principal may see, for the conversations code to turn into a WHERE clause:
 * - `{ all: true }`: no restriction (admins, the admin token, unowned API tokens, agents set to `all`);
 * - `{ all: false, userId, teamIds }`: only conversations assigned to `userId`, or to one of `teamIds`
 *   (an agent set to `assigned_and_team`, or an API token that agent owns). `teamIds` may be empty.
 * It does not check scopes: call requireScope(req, 'conversations:read') first.
 */
export type ConversationVisibility = { all: true } | { all: false; userId: string; teamIds: readonly string[] };

export function visibleConversationFilter(principal: Principal): ConversationVisibility {
  if (principal.scopes.has('admin') || principal.visibility === 'all') return { all: true };
  // A restricted principal always has a user; should one ever lack it, fail closed (matches nothing).
  return { all: false, userId: principal.userId ?? '', teamIds: principal.teamIds };
}
