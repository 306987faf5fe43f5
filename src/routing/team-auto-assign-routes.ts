import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { HttpError } from '../core/http-error.ts';
import type { Deps } from '../deps.ts';
import { fieldError, Nullable, routeSchema } from '../http/route-schema.ts';
import { AUTO_ASSIGN_MODES, type AutoAssignMode, effectiveMode, isAutoAssignMode } from './auto-assign.ts';

const tags = ['routing'];
const Mode = (description: string) => Type.Enum([...AUTO_ASSIGN_MODES], { description });
const teamExample = {
  team_id: 'team_01J9Z',
  auto_assign: 'first_message',
  channels: [{ id: 'ch_main', auto_assign: 'after_handoff', effective_auto_assign: 'first_message' }],
};
const TeamAutoAssign = Type.Object(
  {
    team_id: Type.String(),
    auto_assign: Nullable(Mode('the team’s own mode'), {
      description: "the team's mode: off, first_message or after_handoff; null follows each number's own setting",
    }),
    channels: Type.Array(
      Type.Object({
        id: Type.String({ description: 'channel (number) id' }),
        auto_assign: Type.String({ description: "the number's own mode" }),
        effective_auto_assign: Mode('the mode in force for its conversations'),
      }),
      { description: 'the numbers that route to this team (their auto_assign_team_id)' },
    ),
  },
  { examples: [teamExample] },
);
const params = Type.Object({ id: Type.String({ description: 'team id' }) });
const MODE_MESSAGE = `"auto_assign" must be one of ${AUTO_ASSIGN_MODES.join(', ')}, or null.`;

/** A team's auto-assignment override (auto-assign.ts): its mode, and the numbers that route to it. */
export async function teamAutoAssignRoutes(fastify: FastifyInstance, opts: { deps: Deps }): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const db = opts.deps.storage.db;

  const view = async (teamId: string) => {
    const team = await db.selectFrom('teams').select(['id', 'auto_assign']).where('id', '=', teamId).executeTakeFirst();
    if (!team) throw new HttpError(404, 'team_not_found', `No team ${teamId}.`);
    const channels = await db
      .selectFrom('channels')
      .select(['id', 'auto_assign'])
      .where('auto_assign_team_id', '=', teamId)
      .orderBy('id')
      .execute();
    return {
      team_id: team.id,
      auto_assign: isAutoAssignMode(team.auto_assign) ? team.auto_assign : null,
      channels: channels.map((c) => ({
        id: c.id,
        auto_assign: c.auto_assign,
        effective_auto_assign: effectiveMode(c.auto_assign, team.auto_assign),
      })),
    };
  };

  app.get(
    '/api/v1/teams/:id/auto-assign',
    routeSchema(
      { summary: "A team's auto-assignment override and the numbers that route to it", tags, params, response: { 200: TeamAutoAssign } },
      { config: { access: 'conversations:read' } },
    ),
    async (req) => view(req.params.id),
  );

  app.put(
    '/api/v1/teams/:id/auto-assign',
    routeSchema(
      {
        summary: "Set a team's auto-assignment (admin)",
        description:
          "For the conversations a number routes to this team (the number's auto_assign_team_id), the team's mode applies instead of the number's: off, first_message or after_handoff, as on PATCH /api/v1/channels/{id}. null: follow each number's own setting (the default).",
        tags,
        params,
        body: Type.Object(
          {
            // `nullable` (OpenAPI 3.0, and Ajv) rather than a union: the enum stays where clients read it.
            auto_assign: Type.Unsafe<AutoAssignMode | null>({
              type: 'string',
              enum: [...AUTO_ASSIGN_MODES, null], // OpenAPI 3.0: a nullable enum lists null too
              nullable: true,
              description: 'off, first_message, after_handoff, or null to follow the number',
              ...fieldError('invalid_auto_assign', 422, MODE_MESSAGE),
            }),
          },
          { additionalProperties: false, examples: [{ auto_assign: 'first_message' }, { auto_assign: null }] },
        ),
        response: {
          200: Type.Object(TeamAutoAssign.properties, { description: 'the team’s setting as changed', examples: [teamExample] }),
        },
      },
      { config: { access: 'admin' } },
    ),
    async (req) => {
      const { id } = req.params;
      const res = await db
        .updateTable('teams')
        .set({ auto_assign: req.body.auto_assign, updated_at: opts.deps.clock.now() })
        .where('id', '=', id)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) === 0) throw new HttpError(404, 'team_not_found', `No team ${id}.`);
      return view(id);
    },
  );
}
