import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { HttpError } from '../core/http-error.ts';
import { newId } from '../core/ids.ts';
import type { Deps } from '../deps.ts';
import { teamView } from './access-views.ts';
import { optionalTextField, textField } from './body-fields.ts';
import { fieldError, NoContent, Nullable, routeSchema, Timestamp } from '../http/route-schema.ts';
import {
  addMember,
  deleteTeam,
  findTeam,
  insertTeam,
  listTeams,
  memberIdsByTeam,
  membersOf,
  removeMember,
  updateTeam,
} from './team-store.ts';
import { isForeignKeyViolation, isUniqueViolation } from './unique-violation.ts';
import { findUser } from './user-store.ts';

const tags = ['teams'];
const teamFields = {
  id: Type.String(),
  name: Type.String(),
  description: Nullable(Type.String()),
};
const times = { created_at: Timestamp(), updated_at: Timestamp() };
const Member = Type.Object({
  id: Type.String(),
  name: Type.String(),
  email: Type.String(),
  role: Type.String(),
  availability: Type.String(),
});
const teamExample = {
  id: 'team_01J9Z',
  name: 'Billing',
  description: 'Invoices and refunds',
  created_at: '2026-05-01T10:00:00.000Z',
  updated_at: '2026-05-01T10:00:00.000Z',
};
const detailExample = {
  ...teamExample,
  members: [{ id: 'usr_01J9Z', name: 'Ana', email: 'ana@example.com', role: 'agent', availability: 'online' }],
};
const TeamDetail = (description: string) =>
  Type.Object(
    { ...teamFields, members: Type.Array(Member, { description: 'the team members' }), ...times },
    { description, examples: [detailExample] },
  );
const Name = Type.String({
  description: '1 to 200 characters',
  ...fieldError('invalid_name', 422, '"name" must be a non-empty string of at most 200 characters.'),
});
const Description = Nullable(
  Type.String({ description: 'at most 2000 characters' }),
  fieldError('invalid_description', 422, '"description" must be a string of at most 2000 characters, or null.'),
);
const params = Type.Object({ id: Type.String({ description: 'team id' }) });
const memberParams = Type.Object({ id: Type.String({ description: 'team id' }), userId: Type.String({ description: 'user id' }) });

/** Teams: agents read them (to transfer and filter), administrators change them. */
export async function teamRoutes(fastify: FastifyInstance, opts: { deps: Deps }): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
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

  app.get(
    '/api/v1/teams',
    routeSchema(
      {
        summary: 'Teams with their member ids',
        tags,
        response: {
          200: Type.Object(
            { data: Type.Array(Type.Object({ ...teamFields, member_ids: Type.Array(Type.String()), ...times })) },
            { examples: [{ data: [{ ...teamExample, member_ids: ['usr_01J9Z'] }] }] },
          ),
        },
      },
      read,
    ),
    async () => {
      const teams = await listTeams(db);
      const members = await memberIdsByTeam(
        db,
        teams.map((t) => t.id),
      );
      return { data: teams.map((t) => teamView(t, { member_ids: members.get(t.id) ?? [] })) };
    },
  );

  const body = (required: boolean) =>
    Type.Object(
      { name: required ? Name : Type.Optional(Name), description: Type.Optional(Description) },
      { additionalProperties: false, examples: [{ name: 'Billing', description: 'Invoices and refunds' }] },
    );

  app.post(
    '/api/v1/teams',
    routeSchema({ summary: 'Create a team (admin)', tags, body: body(true), response: { 201: TeamDetail('the team') } }, admin),
    async (req, reply) => {
      const b = req.body;
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
    },
  );

  app.get(
    '/api/v1/teams/:id',
    routeSchema({ summary: 'A team with its members', tags, params, response: { 200: TeamDetail('the team') } }, read),
    async (req) => detail(req.params.id),
  );

  app.patch(
    '/api/v1/teams/:id',
    routeSchema(
      {
        summary: "Change a team's name or description (admin)",
        tags,
        params,
        body: body(false),
        response: { 200: TeamDetail('the team as changed') },
      },
      admin,
    ),
    async (req) => {
      const { id } = req.params;
      const b = req.body;
      await mustFind(id);
      const patch: { name?: string; description?: string | null; updated_at: number } = { updated_at: clock.now() };
      if (b.name !== undefined) patch.name = textField(b.name, 'name', 200);
      if (b.description !== undefined) patch.description = optionalTextField(b.description, 'description', 2000);
      await saving(() => updateTeam(db, id, patch));
      return detail(id);
    },
  );

  app.delete(
    '/api/v1/teams/:id',
    routeSchema(
      {
        summary: 'Delete a team (admin; 409 team_in_use while conversations are assigned to it)',
        tags,
        params,
        response: { 204: NoContent },
      },
      admin,
    ),
    async (req, reply) => {
      const { id } = req.params;
      try {
        if (!(await deleteTeam(db, id))) throw new HttpError(404, 'team_not_found', `No team ${id}.`);
      } catch (err) {
        // Other tables (conversations assigned to the team) may still point at it.
        if (isForeignKeyViolation(err))
          throw new HttpError(409, 'team_in_use', 'Something still refers to this team (assigned conversations); reassign them first.');
        throw err;
      }
      return reply.status(204).send();
    },
  );

  app.put(
    '/api/v1/teams/:id/members/:userId',
    routeSchema(
      { summary: 'Add a user to a team (admin)', tags, params: memberParams, response: { 200: TeamDetail('the team with its members') } },
      admin,
    ),
    async (req) => {
      const { id, userId } = req.params;
      await mustFind(id);
      if (!(await findUser(db, userId))) throw new HttpError(404, 'user_not_found', `No user ${userId}.`);
      await addMember(db, id, userId, clock.now());
      return detail(id);
    },
  );

  app.delete(
    '/api/v1/teams/:id/members/:userId',
    routeSchema({ summary: 'Take a user out of a team (admin)', tags, params: memberParams, response: { 204: NoContent } }, admin),
    async (req, reply) => {
      const { id, userId } = req.params;
      await mustFind(id);
      if (!(await removeMember(db, id, userId))) throw new HttpError(404, 'member_not_found', `User ${userId} is not in team ${id}.`);
      return reply.status(204).send();
    },
  );
}
