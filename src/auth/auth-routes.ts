import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { HttpError } from '../core/http-error.ts';
import type { Deps } from '../deps.ts';
import { NoContent, Nullable, routeSchema, Timestamp } from '../http/route-schema.ts';
import { PrincipalSchema, User, userExample, userFields } from './access-schemas.ts';
import { principalView, userView } from './access-views.ts';
import { jsonObject } from './body-fields.ts';
import { LoginThrottle, loginKeys } from './login-throttle.ts';
import { hashPassword, needsRehash, verifyPassword } from './password-hash.ts';
import { principalOf } from './principal.ts';
import { newSecretToken, sha256Hex } from './secret-token.ts';
import { clearSessionCookie, refuseCrossSite, SESSION_COOKIE, SESSION_TTL_MS, setSessionCookie } from './session-cookie.ts';
import { deleteSession, insertSession, purgeExpiredSessions } from './session-store.ts';
import { refuseThrottled } from './throttle-answer.ts';
import { findUser, findUserByEmail, teamIdsByUser, updateUser } from './user-store.ts';

// Checked against when the email is unknown, so a miss costs as long as a wrong password.
let decoy: Promise<string> | undefined;

const tags = ['auth'];
const CREDENTIALS_REQUIRED = 'Send {"email": "...", "password": "..."}.';
const LoginBody = Type.Object(
  { email: Type.String({ description: 'the email the user signs in with (any case)' }), password: Type.String() },
  { additionalProperties: false, examples: [{ email: 'ana@example.com', password: 'correct horse battery staple' }] },
);
/** A public route: no credentials needed, as /openapi.json says (routeSchema() states the bearer requirement). */
const noCredentials = <T extends { schema: object }>(route: T): T => ({ ...route, schema: { ...route.schema, security: [] } });
const principalExample = {
  kind: 'user',
  role: 'agent',
  user_id: 'usr_01J9Z',
  token_id: null,
  scopes: ['conversations:read', 'conversations:write', 'contacts:read', 'contacts:write'],
  visibility: 'all',
};

/**
 * Web sign-in: POST /auth/login sets the session cookie (throttled: login-throttle.ts), POST
 * /auth/logout ends it, GET /auth/me.
 */
export async function authRoutes(fastify: FastifyInstance, opts: { deps: Deps }): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const db = opts.deps.storage.db;
  const clock = opts.deps.clock;
  const throttle = new LoginThrottle(db);

  app.post(
    '/api/v1/auth/login',
    {
      ...noCredentials(
        routeSchema(
          {
            summary: 'Sign in with email and password: sets the session cookie (sb_session, HttpOnly)',
            description:
              '401 invalid_credentials for a wrong email or password (the same answer for both); 422 credentials_required when either is missing or not a string; after repeated failures 429 too_many_attempts with Retry-After. Browsers from another site are refused (403 cross_site_request).',
            tags,
            body: LoginBody,
            response: {
              200: Type.Object(
                {
                  user: Type.Object(userFields, { description: 'the signed-in user' }),
                  session_expires_at: Timestamp('when the session ends unless used (it slides: 14 days)'),
                },
                { examples: [{ user: userExample, session_expires_at: '2026-05-15T10:00:00.000Z' }] },
              ),
            },
          },
          { config: { access: 'public' } },
        ),
      ),
      // The answers stay as they were before the schema: the cross-site check comes first, and a
      // body that fails the schema is answered here (invalid_body, unknown_field, credentials_required).
      attachValidation: true,
    },
    async (req, reply) => {
      refuseCrossSite(req);
      if (req.validationError) {
        jsonObject(req.body, ['email', 'password']);
        throw new HttpError(422, 'credentials_required', CREDENTIALS_REQUIRED);
      }
      const b = req.body;
      const keys = loginKeys(b.email, req.ip);
      const gate = await throttle.begin(keys, clock.now());
      if (!gate.ok) refuseThrottled(req, reply, gate);
      const user = await findUserByEmail(db, b.email);
      decoy ??= hashPassword(newSecretToken());
      const ok = await verifyPassword(b.password, user?.password_hash ?? (await decoy));
      if (!user || !ok) {
        await throttle.failed(keys, clock.now());
        throw new HttpError(401, 'invalid_credentials', 'The email or the password is not right.');
      }
      const now = clock.now();
      await throttle.succeeded(keys, now);
      if (needsRehash(user.password_hash)) await updateUser(db, user.id, { password_hash: await hashPassword(b.password) });
      const token = newSecretToken();
      const expiresAt = now + SESSION_TTL_MS;
      await purgeExpiredSessions(db, now);
      await insertSession(db, { id: sha256Hex(token), user_id: user.id, created_at: now, expires_at: expiresAt });
      setSessionCookie(req, reply, token, expiresAt, now);
      const teams = await teamIdsByUser(db, [user.id]);
      return { user: userView(user, teams.get(user.id) ?? []), session_expires_at: new Date(expiresAt).toISOString() };
    },
  );

  // Public so that a browser holding an expired cookie can still clear it.
  app.post(
    '/api/v1/auth/logout',
    noCredentials(
      routeSchema(
        { summary: 'Sign out: ends the session and clears its cookie (no body)', tags, response: { 204: NoContent } },
        { config: { access: 'public' } },
      ),
    ),
    async (req, reply) => {
      refuseCrossSite(req);
      const cookie = req.cookies[SESSION_COOKIE];
      if (cookie) await deleteSession(db, sha256Hex(cookie));
      clearSessionCookie(req, reply);
      return reply.status(204).send();
    },
  );

  app.get(
    '/api/v1/auth/me',
    routeSchema(
      {
        summary: 'Who is calling: the credentials (kind, role, scopes, visibility) and the user, if a user is signed in or owns the token',
        tags,
        response: {
          200: Type.Object(
            {
              principal: PrincipalSchema,
              user: Nullable(User('the user; null for the admin token and tokens no user owns')),
              // The web app dates "Today" and the window countdowns by the server's clock, not the browser's.
              server_time: Timestamp("the server's clock now: every time in the API is on this clock"),
            },
            { examples: [{ principal: principalExample, user: userExample, server_time: '2026-03-02T15:04:05.000Z' }] },
          ),
        },
      },
      { config: { access: 'authenticated' } },
    ),
    async (req) => {
      const principal = principalOf(req);
      const user = principal.userId === undefined ? undefined : await findUser(db, principal.userId);
      const teams = user ? await teamIdsByUser(db, [user.id]) : undefined;
      return {
        principal: principalView(principal),
        user: user ? userView(user, teams?.get(user.id) ?? []) : null,
        server_time: new Date(clock.now()).toISOString(),
      };
    },
  );
}
