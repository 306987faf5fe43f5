import type { FastifyInstance } from 'fastify';
import { jsonObject } from '../auth/body-fields.ts';
import { HttpError } from '../core/http-error.ts';
import type { Deps } from '../deps.ts';
import { obj, routeDoc, str } from '../http/route-doc.ts';
import { AUTO_ASSIGN_MODES, effectiveMode, isAutoAssignMode } from './auto-assign.ts';

const tags = ['routing'];

/** A team's auto-assignment override (auto-assign.ts): its mode, and the numbers that route to it. */
export async function teamAutoAssignRoutes(app: FastifyInstance, opts: { deps: Deps }): Promise<void> {
  const db = opts.deps.storage.db;

  const view = async (teamId: string) => {
    const team = await db.selectFrom('teams').select(['id', 'auto_assign']).where('id', '=', teamId).executeTakeFirst();
    if (!team) throw new HttpError(404, 'team_not_found', `No team ${teamId}.`);
    const channels = await db.selectFrom('channels').select(['id', 'auto_assign']).where('auto_assign_team_id', '=', teamId).orderBy('id').execute();
    return {
      team_id: team.id,
      auto_assign: isAutoAssignMode(team.auto_assign) ? team.auto_assign : null,
      channels: channels.map((c) => ({ id: c.id, auto_assign: c.auto_assign, effective_auto_assign: effectiveMode(c.auto_assign, team.auto_assign) })),
    };
  };

  app.get(
    '/api/v1/teams/:id/auto-assign',
    routeDoc(
      {
        summary: "A team's auto-assignment override and the numbers that route to it",
        tags,
        params: { id: str('team id') },
        responses: { 200: '{ team_id, auto_assign: off|first_message|after_handoff|null, channels: [{ id, auto_assign, effective_auto_assign }] }' },
      },
      { config: { access: 'conversations:read' } },
    ),
    async (req) => view((req.params as { id: string }).id),
  );

  app.put(
    '/api/v1/teams/:id/auto-assign',
    routeDoc(
      {
        summary: "Set a team's auto-assignment (admin)",
        description:
          'For the conversations a number routes to this team (the number\'s auto_assign_team_id), the team\'s mode applies instead of the number\'s: off, first_message or after_handoff, as on PATCH /api/v1/channels/:id. null: follow each number\'s own setting (the default).',
        tags,
        params: { id: str('team id') },
        body: obj({ auto_assign: str('off, first_message, after_handoff, or null to follow the number', { enum: [...AUTO_ASSIGN_MODES], nullable: true }) }, ['auto_assign']),
      },
      { config: { access: 'admin' } },
    ),
    async (req) => {
      const { id } = req.params as { id: string };
      const b = jsonObject(req.body, ['auto_assign']);
      if (b.auto_assign === undefined) throw new HttpError(422, 'invalid_auto_assign', '"auto_assign" is required: off, first_message, after_handoff, or null.', { field: 'auto_assign' });
      if (b.auto_assign !== null && !isAutoAssignMode(b.auto_assign)) throw new HttpError(422, 'invalid_auto_assign', `"auto_assign" must be one of ${AUTO_ASSIGN_MODES.join(', ')}, or null.`, { field: 'auto_assign' });
      const res = await db.updateTable('teams').set({ auto_assign: b.auto_assign, updated_at: opts.deps.clock.now() }).where('id', '=', id).executeTakeFirst();
      if (Number(res.numUpdatedRows) === 0) throw new HttpError(404, 'team_not_found', `No team ${id}.`);
      return view(id);
    },
  );
}
