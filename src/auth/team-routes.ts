import type { FastifyInstance } from 'fastify';
import { HttpError } from '../core/http-error.ts';
import { newId } from '../core/ids.ts';
import type { Deps } from '../deps.ts';
import { teamView } from './access-views.ts';
import { jsonObject, optionalTextField, textField } from './body-fields.ts';
import { addMember, deleteTeam, findTeam, insertTeam, listTeams, memberIdsByTeam, membersOf, removeMember, updateTeam } from './team-store.ts';
import { isForeignKeyViolation, isUniqueViolation } from './unique-violation.ts';
import { findUser } from './user-store.ts';

/** Teams: agents read them (to transfer and filter), administrators change them. */
export async function teamRoutes(app: FastifyInstance, opts: { deps: Deps }): Promise<void> {
  const db = opts.deps.storage.db;
  const clock = opts.deps.clock;
  const read = { config: { access: 'conversations:read' as const } };
  const admin = { config: { access: 'admin' as const } };

  const mustFind = async (id: string) => {
    const t = await findTeam(db, id);
    if (!t) throw new HttpError(404, 'team_not_found', `No team ${id}.`);
    return t;
  };
  const saving = async <T>(write: () => Promise<T>): Promise<T> => {
    try {
      return await write();
    } catch (err) {
      if (isUniqueViolation(err)) throw new HttpError(409, 'team_name_taken', 'Another team already has this name.');
      throw err;
    }
  };
  const detail = async (id: string) => teamView(await mustFind(id), { members: await membersOf(db, id) });

  app.get('/api/v1/teams', read, async () => {
    const teams = await listTeams(db);
    const members = await memberIdsByTeam(db, teams.map((t) => t.id));
    return { data: teams.map((t) => teamView(t, { member_ids: members.get(t.id) ?? [] })) };
  });

  app.post('/api/v1/teams', admin, async (req, reply) => {
    const b = jsonObject(req.body, ['name', 'description']);
    const now = clock.now();
    const row = {
      id: newId('team', now),
      name: textField(b.name, 'name', 200),
      description: b.description === undefined ? null : optionalTextField(b.description, 'description', 2000),
      auto_assign: null, // follows the number (routing/team-auto-assign-routes.ts)
      created_at: now,
      updated_at: now,
    };
    await saving(() => insertTeam(db, row));
    return reply.status(201).send(teamView(row, { members: [] }));
  });

  app.get('/api/v1/teams/:id', read, async (req) => detail((req.params as { id: string }).id));

  app.patch('/api/v1/teams/:id', admin, async (req) => {
    const { id } = req.params as { id: string };
    const b = jsonObject(req.body, ['name', 'description']);
    await mustFind(id);
    const patch: { name?: string; description?: string | null; updated_at: number } = { updated_at: clock.now() };
    if (b.name !== undefined) patch.name = textField(b.name, 'name', 200);
    if (b.description !== undefined) patch.description = optionalTextField(b.description, 'description', 2000);
    await saving(() => updateTeam(db, id, patch));
    return detail(id);
  });

  app.delete('/api/v1/teams/:id', admin, async (req, reply) => {
    const { id } = req.params as { id: string };
    try {
      if (!(await deleteTeam(db, id))) throw new HttpError(404, 'team_not_found', `No team ${id}.`);
    } catch (err) {
      // Other tables (conversations assigned to the team) may still point at it.
      if (isForeignKeyViolation(err)) throw new HttpError(409, 'team_in_use', 'Something still refers to this team (assigned conversations); reassign them first.');
      throw err;
    }
    return reply.status(204).send();
  });

  app.put('/api/v1/teams/:id/members/:userId', admin, async (req) => {
    const { id, userId } = req.params as { id: string; userId: string };
    await mustFind(id);
    if (!(await findUser(db, userId))) throw new HttpError(404, 'user_not_found', `No user ${userId}.`);
    await addMember(db, id, userId, clock.now());
    return detail(id);
  });

  app.delete('/api/v1/teams/:id/members/:userId', admin, async (req, reply) => {
    const { id, userId } = req.params as { id: string; userId: string };
    await mustFind(id);
    if (!(await removeMember(db, id, userId))) throw new HttpError(404, 'member_not_found', `User ${userId} is not in team ${id}.`);
    return reply.status(204).send();
  });
}
