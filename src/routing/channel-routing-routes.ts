import type { FastifyInstance } from 'fastify';
import { jsonObject } from '../auth/body-fields.ts';
import { HttpError } from '../core/http-error.ts';
import type { Deps } from '../deps.ts';
import { obj, routeDoc, str } from '../http/route-doc.ts';
import { AUTO_ASSIGN_MODES, effectiveMode, isAutoAssignMode } from './auto-assign.ts';

const tags = ['routing'];

type ChannelRow = { id: string; kind: string; account_id: string; display_phone_number: string | null; name: string; auto_assign: string; auto_assign_team_id: string | null; team_auto_assign: string | null };

/** The numbers (channels) and their auto-assignment setting (auto-assign.ts). */
export async function channelRoutingRoutes(app: FastifyInstance, opts: { deps: Deps }): Promise<void> {
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
      .select(['ch.id', 'ch.kind', 'ch.account_id', 'ch.display_phone_number', 'ch.name', 'ch.auto_assign', 'ch.auto_assign_team_id', 't.auto_assign as team_auto_assign']);

  app.get('/api/v1/channels', routeDoc({ summary: 'The numbers, with their auto-assignment setting', tags }, { config: { access: 'conversations:read' } }), async () => ({
    data: (await rows().orderBy('ch.id').execute()).map(view),
  }));

  app.patch(
    '/api/v1/channels/:id',
    routeDoc(
      {
        summary: "Set a number's auto-assignment (admin)",
        description:
          'auto_assign: off (only hand-offs and people route), first_message (a new conversation is routed to a human at the customer\'s first message; the bot steps aside at once), after_handoff (the bot answers first; its hand-off routes). auto_assign_team_id: the team whose queue gets them (also hand-offs that name no team); null: the no-team queue. When that team sets its own mode (PUT /api/v1/teams/:id/auto-assign) it applies instead: the answer\'s effective_auto_assign is the mode in force.',
        tags,
        params: { id: str('channel id') },
        body: obj({ auto_assign: str('off, first_message or after_handoff', { enum: [...AUTO_ASSIGN_MODES] }), auto_assign_team_id: str('team id, or null') }, []),
      },
      { config: { access: 'admin' } },
    ),
    async (req) => {
      const { id } = req.params as { id: string };
      const b = jsonObject(req.body, ['auto_assign', 'auto_assign_team_id']);
      const patch: { auto_assign?: string; auto_assign_team_id?: string | null } = {};
      if (b.auto_assign !== undefined) {
        if (!isAutoAssignMode(b.auto_assign)) throw new HttpError(422, 'invalid_auto_assign', `"auto_assign" must be one of ${AUTO_ASSIGN_MODES.join(', ')}.`, { field: 'auto_assign' });
        patch.auto_assign = b.auto_assign;
      }
      if (b.auto_assign_team_id !== undefined) {
        const t = b.auto_assign_team_id;
        if (t !== null && (typeof t !== 'string' || t.length > 100)) throw new HttpError(422, 'invalid_auto_assign_team_id', '"auto_assign_team_id" must be a team id, or null.', { field: 'auto_assign_team_id' });
        if (t !== null && !(await db.selectFrom('teams').select('id').where('id', '=', t).executeTakeFirst())) throw new HttpError(422, 'team_not_found', 'No such team.', { field: 'auto_assign_team_id' });
        patch.auto_assign_team_id = t;
      }
      if (Object.keys(patch).length === 0) throw new HttpError(422, 'nothing_to_change', 'Name "auto_assign", "auto_assign_team_id" or both.');
      const exists = await db.selectFrom('channels').select('id').where('id', '=', id).executeTakeFirst();
      if (!exists) throw new HttpError(404, 'channel_not_found', `No channel ${id}.`);
      await db.updateTable('channels').set(patch).where('id', '=', id).execute();
      return view(await rows().where('ch.id', '=', id).executeTakeFirstOrThrow());
    },
  );
}
