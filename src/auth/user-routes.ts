import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { HttpError } from '../core/http-error.ts';
import { newId } from '../core/ids.ts';
import type { Deps } from '../deps.ts';
import { fieldError, NoContent, Nullable, routeSchema } from '../http/route-schema.ts';
import { rebalanceAfterUserChange } from '../routing/routing-hooks.ts';
import { User, userExample, userFields } from './access-schemas.ts';
import { userView } from './access-views.ts';
import { AVAILABILITIES } from './availability.ts';
import { emailField, passwordField, textField } from './body-fields.ts';
import { confirmPassword } from './confirm-password.ts';
import { hashPassword, MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from './password-hash.ts';
import { principalOf, VISIBILITIES } from './principal.ts';
import { ROLES } from './scopes.ts';
import { sha256Hex } from './secret-token.ts';
import { SESSION_COOKIE } from './session-cookie.ts';
import { deleteUserSessions } from './session-store.ts';
import { refuseThrottled } from './throttle-answer.ts';
import { revokeUserTokens } from './token-store.ts';
import { isUniqueViolation } from './unique-violation.ts';
import { findUser, insertUser, listUsers, softDeleteUser, teamIdsByUser, updateUser, type UserPatch, type UserRow } from './user-store.ts';

const tags = ['users'];
const params = Type.Object({ id: Type.String({ description: 'user id' }) });
const CURRENT_PASSWORD_MESSAGE = 'Changing the password needs the current one in "current_password".';

const oneOf = (field: string, allowed: readonly string[], description: string) =>
  Type.String({
    enum: [...allowed],
    description,
    ...fieldError(`invalid_${field}`, 422, `"${field}" must be one of: ${allowed.join(', ')}.`),
  });
const Email = Type.String({
  description: 'an email address; stored lower-cased',
  ...fieldError('invalid_email', 422, '"email" must be an email address like ana@example.com.'),
});
const Name = Type.String({
  description: '1 to 200 characters',
  ...fieldError('invalid_name', 422, '"name" must be a non-empty string of at most 200 characters.'),
});
const Password = (description: string) =>
  Type.String({
    description,
    ...fieldError('invalid_password', 422, `"password" must be a string of ${MIN_PASSWORD_LENGTH} to ${MAX_PASSWORD_LENGTH} characters.`),
  });
const Role = oneOf('role', ROLES, 'admin or agent (default agent)');
const Visibility = oneOf(
  'visibility',
  VISIBILITIES,
  'all (default), or assigned_and_team: only conversations assigned to them or their teams',
);
const Availability = oneOf('availability', AVAILABILITIES, 'online (routing assigns to them), away or offline');
const Capacity = Nullable(
  Type.Integer({ minimum: 0, maximum: 10_000, description: 'most open conversations routing gives them, 0 to 10000; null: no limit' }),
  fieldError('invalid_capacity', 422, '"capacity" must be a whole number from 0 to 10000, or null for no limit.'),
);

/** POST (email, name and password required) and PATCH /api/v1/users/:id bodies. */
const adminBody = (create: boolean) => {
  const fields = {
    role: Type.Optional(Role),
    visibility: Type.Optional(Visibility),
    capacity: Type.Optional(Capacity),
    availability: Type.Optional(Availability),
  };
  const example = { email: 'ana@example.com', name: 'Ana', password: 'correct horse battery staple', role: 'agent', capacity: 8 };
  return create
    ? Type.Object(
        { email: Email, name: Name, password: Password(`${MIN_PASSWORD_LENGTH} to ${MAX_PASSWORD_LENGTH} characters`), ...fields },
        { additionalProperties: false, examples: [example] },
      )
    : Type.Object(
        {
          email: Type.Optional(Email),
          name: Type.Optional(Name),
          password: Type.Optional(Password('a new password; signs the user out everywhere')),
          ...fields,
        },
        { additionalProperties: false, examples: [{ role: 'admin', capacity: null }] },
      );
};

const SelfBody = Type.Object(
  {
    name: Type.Optional(Name),
    availability: Type.Optional(Availability),
    language: Type.Optional(
      Nullable(
        Type.String({
          pattern: '^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$',
          description: "a language tag like es or en-US (the web app speaks en and es); null: the browser's",
        }),
        fieldError('invalid_language', 422, '"language" must be a language tag like "es" or "en-US", or null.'),
      ),
    ),
    password: Type.Optional(
      Password(
        `a new password, ${MIN_PASSWORD_LENGTH} to ${MAX_PASSWORD_LENGTH} characters; needs current_password, and signs you out elsewhere`,
      ),
    ),
    current_password: Type.Optional(
      Type.String({
        description: 'your current password, with password',
        ...fieldError('current_password_incorrect', 422, CURRENT_PASSWORD_MESSAGE),
      }),
    ),
  },
  {
    additionalProperties: false,
    examples: [
      { availability: 'online', language: 'es' },
      { password: 'a new long passphrase', current_password: 'correct horse battery staple' },
    ],
  },
);

const AgentList = Type.Object(
  {
    data: Type.Array(
      Type.Object({
        id: userFields.id,
        name: userFields.name,
        email: userFields.email,
        role: userFields.role,
        availability: userFields.availability,
        team_ids: userFields.team_ids,
      }),
    ),
  },
  {
    examples: [
      {
        data: [
          {
            id: 'usr_0mx9a2k3e0001a1b2c3d4e5f6a7b8',
            name: 'Ana',
            email: 'ana@example.com',
            role: 'agent',
            availability: 'online',
            team_ids: ['team_0mx9a2k3e0002a1b2c3d4e5f6a7b8'],
          },
        ],
      },
    ],
  },
);
const UserList = Type.Object({ data: Type.Array(Type.Object(userFields)) }, { examples: [{ data: [userExample] }] });

/**
 * Users: administrators manage everyone;
 * every signed-in user may read themselves and change their name, availability and password.
 */
export async function userRoutes(fastify: FastifyInstance, opts: { deps: Deps }): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const db = opts.deps.storage.db;
  const clock = opts.deps.clock;
  const self = { config: { access: 'authenticated' as const } };
  const admin = { config: { access: 'admin' as const } };
  // /users/me is for people: an API token or the admin token is refused (403) before its body is looked at.
  const signedIn = { preValidation: async (req: FastifyRequest) => void selfId(req) };

  const view = async (u: UserRow) => userView(u, (await teamIdsByUser(db, [u.id])).get(u.id) ?? []);
  const mustFind = async (id: string) => {
    const u = await findUser(db, id);
    if (!u) throw new HttpError(404, 'user_not_found', `No user ${id}.`);
    return u;
  };
  // An email clash is the caller's to fix (409), not a server error.
  const saving = async <T>(write: () => Promise<T>): Promise<T> => {
    try {
      return await write();
    } catch (err) {
      if (isUniqueViolation(err)) throw new HttpError(409, 'email_taken', 'Another user already has this email.');
      throw err;
    }
  };

  // A new password ends the user's other sessions and revokes their API tokens: whoever knew the
  // old password may have minted a token with it.
  const signOutElsewhere = async (userId: string, keepSessionId?: string) => {
    await deleteUserSessions(db, userId, keepSessionId);
    await revokeUserTokens(db, userId, clock.now());
  };

  app.addHook('onSend', rebalanceAfterUserChange(opts.deps)); // availability, capacity and deletions move routing

  app.get(
    '/api/v1/users',
    routeSchema({ summary: 'Users, with their team ids (admin)', tags, response: { 200: UserList } }, admin),
    async () => {
      const users = await listUsers(db);
      const teams = await teamIdsByUser(
        db,
        users.map((u) => u.id),
      );
      return { data: users.map((u) => userView(u, teams.get(u.id) ?? [])) };
    },
  );

  // Who can be assigned or @mentioned, for every agent (the web app's pickers): names, emails,
  // role, availability and teams; nothing an administrator alone may see (visibility, capacity).
  app.get(
    '/api/v1/agents',
    routeSchema(
      {
        summary: 'The agents directory',
        tags,
        description:
          'Every user, for assigning and @mentioning. Needs `conversations:read` (any agent); the full user records stay at `GET /api/v1/users` (admin).',
        response: { 200: AgentList },
      },
      { config: { access: 'conversations:read' } },
    ),
    async () => {
      const users = await listUsers(db);
      const teams = await teamIdsByUser(
        db,
        users.map((u) => u.id),
      );
      return {
        data: users.map((u) => ({
          id: u.id,
          name: u.name,
          email: u.email,
          role: u.role,
          availability: u.availability,
          team_ids: teams.get(u.id) ?? [],
        })),
      };
    },
  );

  app.post(
    '/api/v1/users',
    routeSchema({ summary: 'Create a user (admin)', tags, body: adminBody(true), response: { 201: User('the user') } }, admin),
    async (req, reply) => {
      const b = req.body;
      const now = clock.now();
      const fields = {
        id: newId('usr', now),
        email: emailField(b.email),
        name: textField(b.name, 'name', 200),
        role: b.role ?? 'agent',
        visibility: b.visibility ?? 'all',
        capacity: b.capacity ?? null,
        availability: b.availability ?? 'offline',
        language: null,
        created_at: now,
        updated_at: now,
      };
      // Hashed last: every cheap check has passed before the slow KDF runs.
      const row = { ...fields, password_hash: await hashPassword(passwordField(b.password)) };
      await saving(() => insertUser(db, row));
      return reply.status(201).send(userView({ ...row, deleted_at: null }, []));
    },
  );

  app.get('/api/v1/users/me', routeSchema({ summary: 'The signed-in user', tags, response: { 200: User('you') } }, self), async (req) =>
    view(await mustFind(selfId(req))),
  );

  app.patch(
    '/api/v1/users/me',
    {
      ...routeSchema(
        {
          summary:
            'Change your name, availability, language or password (a new password needs current_password, and signs you out elsewhere)',
          tags,
          body: SelfBody,
          response: { 200: User('you, as changed') },
        },
        self,
      ),
      ...signedIn,
    },
    async (req, reply) => {
      const id = selfId(req);
      const b = req.body;
      const patch: UserPatch = { updated_at: clock.now() };
      if (b.name !== undefined) patch.name = textField(b.name, 'name', 200);
      if (b.availability !== undefined) patch.availability = b.availability;
      if (b.language !== undefined) patch.language = b.language;
      if (b.password !== undefined) {
        const password = passwordField(b.password);
        const current = await mustFind(id);
        // A stolen session alone must not be enough to take the account over, nor to guess the
        // password faster than sign-in allows (the same throttle).
        const check = await confirmPassword({ db, clock }, current, b.current_password, req.ip);
        if (!check.ok && check.reason === 'throttled') refuseThrottled(req, reply, check.gate);
        if (!check.ok) throw new HttpError(422, 'current_password_incorrect', CURRENT_PASSWORD_MESSAGE);
        patch.password_hash = await hashPassword(password);
      }
      const updated = await updateUser(db, id, patch);
      if (!updated) throw new HttpError(404, 'user_not_found', `No user ${id}.`);
      if (patch.password_hash !== undefined) await signOutElsewhere(id, currentSessionId(req));
      return view(updated);
    },
  );

  app.put(
    '/api/v1/users/me/availability',
    {
      ...routeSchema(
        {
          summary: 'Set your availability: online (routing assigns to you), away or offline',
          tags,
          body: Type.Object({ availability: Availability }, { additionalProperties: false, examples: [{ availability: 'away' }] }),
          response: { 200: User('you, as changed') },
        },
        self,
      ),
      ...signedIn,
    },
    async (req) => {
      const id = selfId(req);
      const updated = await updateUser(db, id, { availability: req.body.availability, updated_at: clock.now() });
      if (!updated) throw new HttpError(404, 'user_not_found', `No user ${id}.`);
      return view(updated);
    },
  );

  app.get(
    '/api/v1/users/:id',
    routeSchema({ summary: 'A user (admin)', tags, params, response: { 200: User('the user') } }, admin),
    async (req) => view(await mustFind(req.params.id)),
  );

  app.patch(
    '/api/v1/users/:id',
    routeSchema(
      {
        summary:
          "Change a user's email, name, role, visibility, capacity, availability or password (admin; a new password signs them out everywhere)",
        tags,
        params,
        body: adminBody(false),
        response: { 200: User('the user as changed') },
      },
      admin,
    ),
    async (req) => {
      const { id } = req.params;
      const b = req.body;
      await mustFind(id);
      const patch: UserPatch = { updated_at: clock.now() };
      if (b.email !== undefined) patch.email = emailField(b.email);
      if (b.name !== undefined) patch.name = textField(b.name, 'name', 200);
      if (b.role !== undefined) patch.role = b.role;
      if (b.visibility !== undefined) patch.visibility = b.visibility;
      if (b.capacity !== undefined) patch.capacity = b.capacity;
      if (b.availability !== undefined) patch.availability = b.availability;
      if (b.password !== undefined) patch.password_hash = await hashPassword(passwordField(b.password));
      const updated = await saving(() => updateUser(db, id, patch));
      if (!updated) throw new HttpError(404, 'user_not_found', `No user ${id}.`);
      // A password reset by an administrator signs the user out everywhere.
      if (patch.password_hash !== undefined) await signOutElsewhere(id);
      return view(updated);
    },
  );

  app.delete(
    '/api/v1/users/:id',
    routeSchema(
      {
        summary: 'Delete a user (admin): their sessions, tokens and team memberships end; their history keeps their name (no body)',
        tags,
        params,
        response: { 204: NoContent },
      },
      admin,
    ),
    async (req, reply) => {
      const { id } = req.params;
      if (principalOf(req).userId === id)
        throw new HttpError(409, 'cannot_delete_self', 'You cannot delete your own user; ask another administrator.');
      if (!(await softDeleteUser(db, id, clock.now()))) throw new HttpError(404, 'user_not_found', `No user ${id}.`);
      return reply.status(204).send();
    },
  );
}

/** The signed-in user's id; /users/me is for people, not for API tokens or the admin token. */
function selfId(req: FastifyRequest): string {
  const p = principalOf(req);
  if (p.kind !== 'user' || p.userId === undefined) throw new HttpError(403, 'forbidden', 'Only a signed-in user has a /users/me.');
  return p.userId;
}

function currentSessionId(req: FastifyRequest): string | undefined {
  const cookie = req.cookies[SESSION_COOKIE];
  return cookie ? sha256Hex(cookie) : undefined;
}
