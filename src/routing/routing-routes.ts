import type { FastifyInstance, FastifyRequest } from 'fastify';
import { jsonObject } from '../auth/body-fields.ts';
import { principalOf } from '../auth/principal.ts';
import { findVisibleConversation } from '../conversations/conversation-access.ts';
import { HttpError } from '../core/http-error.ts';
import type { Deps } from '../deps.ts';
import { assignConversation, type AssignResult } from './assign-conversation.ts';
import { drainAll } from './drain-queue.ts';
import { requestHuman, type RequestHumanResult } from './request-human.ts';

/** Assignment, transfer, unassign and hand-off to automatic routing (conversations:write). */
export async function routingRoutes(app: FastifyInstance, opts: { deps: Deps }): Promise<void> {
  const { deps } = opts;
  const db = deps.storage.db;

  app.post('/api/v1/conversations/:id/assign', async (req) => {
    const { id } = req.params as { id: string };
    const b = bodyOf(req.body, ['user_id', 'team_id']);
    if (b.user_id === undefined && b.team_id === undefined) throw new HttpError(422, 'assignee_required', 'Name "user_id", "team_id" or both.');
    const userId = idField(b.user_id, 'user_id');
    const teamId = idField(b.team_id, 'team_id');
    await findVisibleConversation(db, req, id);
    const result = await assignConversation(deps, { conversationId: id, userId, teamId, by: actorOf(req) });
    return afterAssign(result);
  });

  app.post('/api/v1/conversations/:id/unassign', async (req) => {
    const { id } = req.params as { id: string };
    await findVisibleConversation(db, req, id);
    return afterAssign(await assignConversation(deps, { conversationId: id, userId: null, by: actorOf(req) }));
  });

  app.post('/api/v1/conversations/:id/handoff', async (req) => {
    const { id } = req.params as { id: string };
    const b = bodyOf(req.body ?? {}, ['team_id']);
    const teamId = idField(b.team_id, 'team_id') ?? undefined;
    await findVisibleConversation(db, req, id);
    const result = await requestHuman(db, deps, id, { teamId, by: actorOf(req) });
    deps.jobs.wake();
    if (!result.ok) throw refusal(result);
    return { conversation_id: id, assignee_id: result.assigneeId, team_id: result.teamId, queued: result.queued };
  });

  // A person's change that frees an agent's room lets the oldest waiting conversations in.
  async function afterAssign(result: AssignResult) {
    if (!result.ok) throw refusal(result);
    deps.jobs.wake();
    if (result.previousAssigneeId !== null && result.previousAssigneeId !== result.assigneeId) await drainAll(deps);
    return { assignee_id: result.assigneeId, team_id: result.teamId };
  }
}

const REFUSALS: Record<string, [number, string]> = {
  conversation_not_found: [404, 'No such conversation.'],
  conversation_closed: [409, 'This conversation is closed.'],
  contact_blocked: [422, 'The contact is blocked: their conversations are not routed.'],
  user_not_found: [422, 'No such user (or the user was deleted).'],
  team_not_found: [422, 'No such team.'],
  user_not_in_team: [422, 'The user is not a member of that team; add them to it, or name only one of the two.'],
};

function refusal(r: Exclude<AssignResult | RequestHumanResult, { ok: true }>): HttpError {
  const [status, message] = REFUSALS[r.reason] ?? [422, r.reason];
  return new HttpError(status, r.reason, message);
}

function bodyOf(body: unknown, allowed: readonly string[]): Record<string, unknown> {
  return { ...jsonObject(body, allowed) };
}

/** undefined: not given; null: clear it; else an id. */
function idField(v: unknown, field: string): string | null | undefined {
  if (v === undefined || v === null) return v;
  if (typeof v !== 'string' || v.trim() === '' || v.length > 100) throw new HttpError(422, `invalid_${field}`, `"${field}" must be an id string, or null.`);
  return v;
}

/** Who acted, as event payloads name it: the user, else the token, else the admin token. */
export function actorOf(req: FastifyRequest): string {
  const p = principalOf(req);
  return p.userId ?? (p.tokenId ? `token:${p.tokenId}` : 'admin_token');
}
