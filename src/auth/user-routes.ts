import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HttpError } from '../core/http-error.ts';
import { newId } from '../core/ids.ts';
import type { Deps } from '../deps.ts';
import { rebalanceAfterUserChange } from '../routing/routing-hooks.ts';
import { userView } from './access-views.ts';
import { AVAILABILITIES } from './availability.ts';
import { capacityField, emailField, jsonObject, oneOfField, passwordField, textField } from './body-fields.ts';
import { confirmPassword } from './confirm-password.ts';
import { hashPassword } from './password-hash.ts';
import { principalOf, VISIBILITIES } from './principal.ts';
import { ROLES } from './scopes.ts';
import { sha256Hex } from './secret-token.ts';
import { SESSION_COOKIE } from './session-cookie.ts';
import { deleteUserSessions } from './session-store.ts';
import { revokeUserTokens } from './token-store.ts';
import { isUniqueViolation } from './unique-violation.ts';
import { findUser, insertUser, listUsers, softDeleteUser, teamIdsByUser, updateUser, type UserPatch, type UserRow } from './user-store.ts';

const ADMIN_FIELDS = ['email', 'name', 'role', 'password', 'visibility', 'capacity', 'availability'] as const;
const SELF_FIELDS = ['name', 'availability', 'language', 'password', 'current_password'] as const;

/**
 * Users: administrators manage everyone;
 * every signed-in user may read themselves and change their name, availability and password.
 */
export async function userRoutes(app: FastifyInstance, opts: { deps: Deps }): Promise<void> {
  const db = opts.deps.storage.db;
  const clock = opts.deps.clock;
  const self = { config: { access: 'authenticated' as const } };
  const admin = { config: { access: 'admin' as const } };

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

  app.get('/api/v1/users', admin, async () => {
    const users = await listUsers(db);
    const teams = await teamIdsByUser(db, users.map((u) => u.id));
    return { data: users.map((u) => userView(u, teams.get(u.id) ?? [])) };
  });

  // Who can be assigned or @mentioned, for every agent (the web app's pickers): names, emails,
  // role, availability and teams; nothing an administrator alone may see (visibility, capacity).
  app.get(
    '/api/v1/agents',
    {
      config: { access: 'conversations:read' },
      schema: {
        summary: 'The agents directory',
        tags: ['users'],
        description: 'Every user, for assigning and @mentioning. Needs `conversations:read` (any agent); the full user records stay at `GET /api/v1/users` (admin).',
        response: { 200: AGENTS_RESPONSE },
      },
      // The schema documents; the answer is serialised as returned (as src/http/route-schema.ts does).
      serializerCompiler: () => (data: unknown) => JSON.stringify(data),
    },
    async () => {
      const users = await listUsers(db);
      const teams = await teamIdsByUser(db, users.map((u) => u.id));
      return { data: users.map((u) => ({ id: u.id, name: u.name, email: u.email, role: u.role, availability: u.availability, team_ids: teams.get(u.id) ?? [] })) };
    },
  );

  app.post('/api/v1/users', admin, async (req, reply) => {
    const b = jsonObject(req.body, ADMIN_FIELDS);
    const now = clock.now();
    const fields = {
      id: newId('usr', now),
      email: emailField(b.email),
      name: textField(b.name, 'name', 200),
      role: b.role === undefined ? 'agent' : oneOfField(b.role, 'role', ROLES),
      visibility: b.visibility === undefined ? 'all' : oneOfField(b.visibility, 'visibility', VISIBILITIES),
      capacity: b.capacity === undefined ? null : capacityField(b.capacity),
      availability: b.availability === undefined ? 'offline' : oneOfField(b.availability, 'availability', AVAILABILITIES),
      language: null,
      created_at: now,
      updated_at: now,
    };
    // Hashed last: every cheap check has passed before the slow KDF runs.
    const row = { ...fields, password_hash: await hashPassword(passwordField(b.password)) };
    await saving(() => insertUser(db, row));
    return reply.status(201).send(userView({ ...row, deleted_at: null }, []));
  });

  app.get('/api/v1/users/me', self, async (req) => view(await mustFind(selfId(req))));

  app.patch('/api/v1/users/me', self, async (req, reply) => {
    const id = selfId(req);
    const b = jsonObject(req.body, SELF_FIELDS);
    const patch: UserPatch = { updated_at: clock.now() };
    if (b.name !== undefined) patch.name = textField(b.name, 'name', 200);
    if (b.availability !== undefined) patch.availability = oneOfField(b.availability, 'availability', AVAILABILITIES);
    if (b.language !== undefined) patch.language = languageField(b.language);
    if (b.password !== undefined) {
      const password = passwordField(b.password);
      const current = await mustFind(id);
      // A stolen session alone must not be enough to take the account over, nor to guess the
      // password faster than sign-in allows (the same throttle).
      if (!(await confirmPassword({ db, clock }, req, reply, current, b.current_password))) {
        throw new HttpError(422, 'current_password_incorrect', 'Changing the password needs the current one in "current_password".');
      }
      patch.password_hash = await hashPassword(password);
    }
    const updated = await updateUser(db, id, patch);
    if (!updated) throw new HttpError(404, 'user_not_found', `No user ${id}.`);
    if (patch.password_hash !== undefined) await signOutElsewhere(id, currentSessionId(req));
    return view(updated);
  });

  app.put('/api/v1/users/me/availability', self, async (req) => {
    const id = selfId(req);
    const b = jsonObject(req.body, ['availability']);
    const updated = await updateUser(db, id, { availability: oneOfField(b.availability, 'availability', AVAILABILITIES), updated_at: clock.now() });
    if (!updated) throw new HttpError(404, 'user_not_found', `No user ${id}.`);
    return view(updated);
  });

  app.get('/api/v1/users/:id', admin, async (req) => view(await mustFind((req.params as { id: string }).id)));

  app.patch('/api/v1/users/:id', admin, async (req) => {
    const { id } = req.params as { id: string };
    const b = jsonObject(req.body, ADMIN_FIELDS);
    await mustFind(id);
    const patch: UserPatch = { updated_at: clock.now() };
    if (b.email !== undefined) patch.email = emailField(b.email);
    if (b.name !== undefined) patch.name = textField(b.name, 'name', 200);
    if (b.role !== undefined) patch.role = oneOfField(b.role, 'role', ROLES);
    if (b.visibility !== undefined) patch.visibility = oneOfField(b.visibility, 'visibility', VISIBILITIES);
    if (b.capacity !== undefined) patch.capacity = capacityField(b.capacity);
    if (b.availability !== undefined) patch.availability = oneOfField(b.availability, 'availability', AVAILABILITIES);
    if (b.password !== undefined) patch.password_hash = await hashPassword(passwordField(b.password));
    const updated = await saving(() => updateUser(db, id, patch));
    if (!updated) throw new HttpError(404, 'user_not_found', `No user ${id}.`);
    // A password reset by an administrator signs the user out everywhere.
    if (patch.password_hash !== undefined) await signOutElsewhere(id);
    return view(updated);
  });

  app.delete('/api/v1/users/:id', admin, async (req, reply) => {
    const { id } = req.params as { id: string };
    if (principalOf(req).userId === id) throw new HttpError(409, 'cannot_delete_self', 'You cannot delete your own user; ask another administrator.');
    if (!(await softDeleteUser(db, id, clock.now()))) throw new HttpError(404, 'user_not_found', `No user ${id}.`);
    return reply.status(204).send();
  });
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

/** The web app's language: a language tag like `es` or `es-MX` (the app speaks en and es), or null for the browser's. */
function languageField(v: unknown): string | null {
  if (v === null) return null;
  if (typeof v !== 'string' || !/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$/.test(v)) {
    throw new HttpError(422, 'invalid_language', '"language" must be a language tag like "es" or "en-US", or null.', { field: 'language' });
  }
  return v;
}

const AGENTS_RESPONSE = {
  type: 'object',
  required: ['data'],
  properties: {
    data: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'name', 'email', 'role', 'availability', 'team_ids'],
        properties: {
          id: { type: 'string' },
          name: { type: 'string' },
          email: { type: 'string' },
          role: { type: 'string', enum: ['admin', 'agent'] },
          availability: { type: 'string', enum: ['online', 'away', 'offline'] },
          team_ids: { type: 'array', items: { type: 'string' } },
        },
      },
    },
  },
  examples: [{ data: [{ id: 'usr_0mx9a2k3e0001a1b2c3d4e5f6a7b8', name: 'Ana', email: 'ana@example.com', role: 'agent', availability: 'online', team_ids: ['team_0mx9a2k3e0002a1b2c3d4e5f6a7b8'] }] }],
};
