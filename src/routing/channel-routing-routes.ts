import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { HttpError } from '../core/http-error.ts';
import type { Deps } from '../deps.ts';
import { fieldError, Nullable, routeSchema } from '../http/route-schema.ts';
import { AUTO_ASSIGN_MODES, effectiveMode } from './auto-assign.ts';

const tags = ['routing'];
const Channel = Type.Object({
  id: Type.String({ description: 'channel id' }),
  kind: Type.String({ description: 'whatsapp' }),
  account_id: Type.String({ description: 'the WhatsApp phone_number_id' }),
  display_phone_number: Nullable(Type.String({ description: 'the number as WhatsApp shows it' })),
  name: Type.String(),
  auto_assign: Type.String({ description: "the number's mode: off, first_message or after_handoff" }),
  auto_assign_team_id: Nullable(
    Type.String({ description: 'the team whose queue gets its conversations (and hand-offs that name no team); null: the no-team queue' }),
  ),
  team_auto_assign: Nullable(Type.String({ description: "that team's own mode, which overrides the number's; null: none" })),
  effective_auto_assign: Type.Enum([...AUTO_ASSIGN_MODES], { description: 'the mode in force for its conversations' }),
});
const channelExample = {
  id: 'ch_main',
  kind: 'whatsapp',
  account_id: '106540352242922',
  display_phone_number: '+1 555 078 3881',
  name: 'Support',
  auto_assign: 'after_handoff',
  auto_assign_team_id: 'team_01J9Z',
  team_auto_assign: null,
  effective_auto_assign: 'after_handoff',
};

type ChannelRow = {
  id: string;
  kind: string;
  account_id: string;
  display_phone_number: string | null;
  name: string;
  auto_assign: string;
  auto_assign_team_id: string | null;
  team_auto_assign: string | null;
};

/** The numbers (channels) and their auto-assignment setting (auto-assign.ts). */
export async function channelRoutingRoutes(fastify: FastifyInstance, opts: { deps: Deps }): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const db = opts.deps.storage.db;
  const view = (c: ChannelRow) => ({
    id: c.id,
    kind: c.kind,
    account_id: c.account_id,
    display_phone_number: c.display_phone_number,
    name: c.name,
    auto_assign: c.auto_assign,
    auto_assign_team_id: c.auto_assign_team_id,
    // The team's own setting overrides the number's for the conversations the number routes to it.
    team_auto_assign: c.team_auto_assign,
    effective_auto_assign: effectiveMode(c.auto_assign, c.team_auto_assign),
  });
  const rows = () =>
    db
      .selectFrom('channels as ch')
      .leftJoin('teams as t', 't.id', 'ch.auto_assign_team_id')
      .select([
        'ch.id',
        'ch.kind',
        'ch.account_id',
        'ch.display_phone_number',
        'ch.name',
        'ch.auto_assign',
        'ch.auto_assign_team_id',
        't.auto_assign as team_auto_assign',
      ]);

  app.get(
    '/api/v1/channels',
    routeSchema(
      {
        summary: 'The numbers (channels), with their auto-assignment setting',
        tags,
        response: { 200: Type.Object({ data: Type.Array(Channel) }, { examples: [{ data: [channelExample] }] }) },
      },
      { config: { access: 'conversations:read' } },
    ),
    async () => ({ data: (await rows().orderBy('ch.id').execute()).map(view) }),
  );

  app.patch(
    '/api/v1/channels/:id',
    routeSchema(
      {
        summary: "Set a number's auto-assignment (admin)",
        description:
          "auto_assign: off (only hand-offs and people route), first_message (a new conversation is routed to a human at the customer's first message; the bot steps aside at once), after_handoff (the bot answers first; its hand-off routes). auto_assign_team_id: the team whose queue gets them (also hand-offs that name no team); null: the no-team queue. When that team sets its own mode (PUT /api/v1/teams/:id/auto-assign) it applies instead: the answer's effective_auto_assign is the mode in force.",
        tags,
        params: Type.Object({ id: Type.String({ description: 'channel id' }) }),
        body: Type.Object(
          {
            auto_assign: Type.Optional(
              Type.Enum([...AUTO_ASSIGN_MODES], {
                description: 'off, first_message or after_handoff',
                ...fieldError('invalid_auto_assign', 422, `"auto_assign" must be one of ${AUTO_ASSIGN_MODES.join(', ')}.`),
              }),
            ),
            auto_assign_team_id: Type.Optional(
              Nullable(Type.String({ maxLength: 100, description: 'a team id' }), {
                description: 'the team whose queue gets its conversations, or null for the no-team queue',
                ...fieldError('invalid_auto_assign_team_id', 422, '"auto_assign_team_id" must be a team id, or null.'),
              }),
            ),
          },
          { additionalProperties: false, examples: [{ auto_assign: 'first_message', auto_assign_team_id: 'team_01J9Z' }] },
        ),
        response: { 200: Type.Object(Channel.properties, { description: 'the number as changed', examples: [channelExample] }) },
      },
      { config: { access: 'admin' } },
    ),
    async (req) => {
      const { id } = req.params;
      const b = req.body;
      const patch: { auto_assign?: string; auto_assign_team_id?: string | null } = {};
      if (b.auto_assign !== undefined) patch.auto_assign = b.auto_assign;
      if (b.auto_assign_team_id !== undefined) {
        const t = b.auto_assign_team_id;
        if (t !== null && !(await db.selectFrom('teams').select('id').where('id', '=', t).executeTakeFirst()))
          throw new HttpError(422, 'team_not_found', 'No such team.', { field: 'auto_assign_team_id' });
        patch.auto_assign_team_id = t;
      }
      if (Object.keys(patch).length === 0)
        throw new HttpError(422, 'nothing_to_change', 'Name "auto_assign", "auto_assign_team_id" or both.');
      const exists = await db.selectFrom('channels').select('id').where('id', '=', id).executeTakeFirst();
      if (!exists) throw new HttpError(404, 'channel_not_found', `No channel ${id}.`);
      await db.updateTable('channels').set(patch).where('id', '=', id).execute();
      return view(await rows().where('ch.id', '=', id).executeTakeFirstOrThrow());
    },
  );
}
