import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { principalOf } from '../auth/principal.ts';
import { findVisibleConversation } from '../conversations/conversation-access.ts';
import { ConversationParams } from '../conversations/conversation-schemas.ts';
import { HttpError } from '../core/http-error.ts';
import type { Deps } from '../deps.ts';
import { fieldError, Nullable, routeSchema } from '../http/route-schema.ts';
import { assignConversation, type AssignResult } from './assign-conversation.ts';
import { drainAll } from './drain-queue.ts';
import { requestHuman, type RequestHumanResult } from './request-human.ts';

const tags = ['routing'];
/** An id field: undefined leaves it, null clears it; a bad value is 422 invalid_<field>. */
const IdField = (field: string, description: string) =>
  Type.Optional(
    Nullable(
      Type.String({ minLength: 1, maxLength: 100, description }),
      fieldError(`invalid_${field}`, 422, `"${field}" must be an id string, or null.`),
    ),
  );
const Assigned = Type.Object(
  {
    assignee_id: Nullable(Type.String({ description: 'the agent, or null' })),
    team_id: Nullable(Type.String({ description: 'the team, or null' })),
  },
  { examples: [{ assignee_id: 'usr_01J9Z', team_id: 'team_01J9Z' }] },
);

/** Assignment, transfer, unassign and hand-off to automatic routing (conversations:write). */
export async function routingRoutes(fastify: FastifyInstance, opts: { deps: Deps }): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { deps } = opts;
  const db = deps.storage.db;

  app.post(
    '/api/v1/conversations/:id/assign',
    routeSchema({
      summary: 'Assign or transfer a conversation to an agent, a team, or both',
      description:
        'Name `user_id`, `team_id` or both (422 assignee_required otherwise); the agent must be in the team when both are given (422 user_not_in_team). A field left out keeps its value; `user_id: null` leaves the conversation with the team, `team_id: null` takes it off its team. ' +
        'Pauses the bot (reason assigned) and emits conversation.assigned. An unknown user or team is 422 user_not_found / team_not_found; a closed conversation 409 conversation_closed.',
      tags,
      params: ConversationParams,
      body: Type.Object(
        {
          user_id: IdField('user_id', 'the agent (a user id), or null to unassign the agent'),
          team_id: IdField('team_id', 'the team, or null for none'),
        },
        {
          additionalProperties: false,
          examples: [{ user_id: 'usr_01J9Z' }, { user_id: 'usr_01J9Z', team_id: 'team_01J9Z' }, { team_id: 'team_01J9Z', user_id: null }],
        },
      ),
      response: {
        200: Type.Object(Assigned.properties, {
          description: 'who it is assigned to now',
          examples: [{ assignee_id: 'usr_01J9Z', team_id: 'team_01J9Z' }],
        }),
      },
    }),
    async (req) => {
      const { id } = req.params;
      const b = req.body;
      if (b.user_id === undefined && b.team_id === undefined)
        throw new HttpError(422, 'assignee_required', 'Name "user_id", "team_id" or both.');
      const userId = idField(b.user_id, 'user_id');
      const teamId = idField(b.team_id, 'team_id');
      await findVisibleConversation(db, req, id);
      const result = await assignConversation(deps, { conversationId: id, userId, teamId, by: actorOf(req) });
      return afterAssign(result);
    },
  );

  app.post(
    '/api/v1/conversations/:id/unassign',
    routeSchema({
      summary: 'Take the agent off a conversation (it stays with its team)',
      description:
        'Takes no body. Emits conversation.assigned (reason unassigned); the freed agent gets the oldest waiting conversation when they have room.',
      tags,
      params: ConversationParams,
      response: { 200: Type.Object(Assigned.properties, { examples: [{ assignee_id: null, team_id: 'team_01J9Z' }] }) },
    }),
    async (req) => {
      const { id } = req.params;
      await findVisibleConversation(db, req, id);
      return afterAssign(await assignConversation(deps, { conversationId: id, userId: null, by: actorOf(req) }));
    },
  );

  app.post(
    '/api/v1/conversations/:id/handoff',
    routeSchema({
      summary: "Hand the conversation to a human: it joins the team's queue and goes to an online agent with room",
      description:
        "Without `team_id`, the number's routing team (or the no-team queue). `queued: true` when no agent had room: it is assigned as soon as one does. Pauses the bot (reason handoff). " +
        'The body is optional. A blocked contact is 422 contact_blocked; a closed conversation 409 conversation_closed; an unknown team 422 team_not_found.',
      tags,
      params: ConversationParams,
      body: Type.Object(
        { team_id: IdField('team_id', "the team whose queue it joins; default: the number's routing team") },
        { additionalProperties: false, nullable: true, description: 'optional', examples: [{ team_id: 'team_01J9Z' }] },
      ),
      response: {
        200: Type.Object(
          {
            conversation_id: Type.String(),
            assignee_id: Nullable(Type.String({ description: 'the agent it went to; null while queued' })),
            team_id: Nullable(Type.String({ description: 'the team whose queue it is in' })),
            queued: Type.Boolean({ description: 'true: no agent had room; it waits in the queue' }),
          },
          { examples: [{ conversation_id: 'conv_01J9Z', assignee_id: 'usr_01J9Z', team_id: 'team_01J9Z', queued: false }] },
        ),
      },
    }),
    async (req) => {
      const { id } = req.params;
      // No body at all reads as {} (the schema allows null: Fastify validates an absent body as null).
      const teamId = idField(req.body?.team_id, 'team_id') ?? undefined;
      await findVisibleConversation(db, req, id);
      const result = await requestHuman(db, deps, id, { teamId, by: actorOf(req) });
      deps.jobs.wake();
      if (!result.ok) throw refusal(result);
      return { conversation_id: id, assignee_id: result.assigneeId, team_id: result.teamId, queued: result.queued };
    },
  );

  // A person's change that frees an agent's room lets the oldest waiting conversations in.
  async function afterAssign(result: AssignResult) {
    if (!result.ok) throw refusal(result);
    deps.jobs.wake();
    if (result.previousAssigneeId !== null && result.previousAssigneeId !== result.assigneeId) await drainAll(deps);
    return { assignee_id: result.assigneeId, team_id: result.teamId };
  }
}

const REFUSALS: Record<Exclude<AssignResult | RequestHumanResult, { ok: true }>['reason'], [number, string]> = {
  conversation_not_found: [404, 'No such conversation.'],
  conversation_closed: [409, 'This conversation is closed.'],
  contact_blocked: [422, 'The contact is blocked: their conversations are not routed.'],
  user_not_found: [422, 'No such user (or the user was deleted).'],
  team_not_found: [422, 'No such team.'],
  user_not_in_team: [422, 'The user is not a member of that team; add them to it, or name only one of the two.'],
};

function refusal(r: Exclude<AssignResult | RequestHumanResult, { ok: true }>): HttpError {
  const [status, message] = REFUSALS[r.reason];
  return new HttpError(status, r.reason, message);
}

/** undefined: not given; null: clear it; else an id (the schema checked its type and length; blank is refused here). */
function idField(v: string | null | undefined, field: string): string | null | undefined {
  if (typeof v === 'string' && v.trim() === '') throw new HttpError(422, `invalid_${field}`, `"${field}" must be an id string, or null.`);
  return v;
}

/** Who acted, as event payloads name it: the user, else the token, else the admin token. */
export function actorOf(req: FastifyRequest): string {
  const p = principalOf(req);
  return p.userId ?? (p.tokenId ? `token:${p.tokenId}` : 'admin_token');
}
