import type { FastifyInstance } from 'fastify';
import { HttpError } from '../core/http-error.ts';
import type { Deps } from '../deps.ts';
import { principalView, userView } from './access-views.ts';
import { jsonObject } from './body-fields.ts';
import { refuseThrottled } from './confirm-password.ts';
import { LoginThrottle, loginKeys } from './login-throttle.ts';
import { hashPassword, needsRehash, verifyPassword } from './password-hash.ts';
import { principalOf } from './principal.ts';
import { newSecretToken, sha256Hex } from './secret-token.ts';
import { clearSessionCookie, refuseCrossSite, SESSION_COOKIE, SESSION_TTL_MS, setSessionCookie } from './session-cookie.ts';
import { deleteSession, insertSession, purgeExpiredSessions } from './session-store.ts';
import { findUser, findUserByEmail, teamIdsByUser, updateUser } from './user-store.ts';

// Checked against when the email is unknown, so a miss costs as long as a wrong password.
let decoy: Promise<string> | undefined;

/**
 * Web sign-in: POST /auth/login sets the session cookie (throttled: login-throttle.ts), POST
 * /auth/logout ends it, GET /auth/me.
 */
export async function authRoutes(app: FastifyInstance, opts: { deps: Deps }): Promise<void> {
  const db = opts.deps.storage.db;
  const clock = opts.deps.clock;
  const throttle = new LoginThrottle(db);

  app.post('/api/v1/auth/login', { config: { access: 'public' } }, async (req, reply) => {
    refuseCrossSite(req);
    const b = jsonObject(req.body, ['email', 'password']);
    if (typeof b.email !== 'string' || typeof b.password !== 'string') {
      throw new HttpError(422, 'credentials_required', 'Send {"email": "...", "password": "..."}.');
    }
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
  });

  // Public so that a browser holding an expired cookie can still clear it.
  app.post('/api/v1/auth/logout', { config: { access: 'public' } }, async (req, reply) => {
    refuseCrossSite(req);
    const cookie = req.cookies[SESSION_COOKIE];
    if (cookie) await deleteSession(db, sha256Hex(cookie));
    clearSessionCookie(req, reply);
    return reply.status(204).send();
  });

  app.get('/api/v1/auth/me', { config: { access: 'authenticated' } }, async (req) => {
    const principal = principalOf(req);
    const user = principal.userId === undefined ? undefined : await findUser(db, principal.userId);
    const teams = user ? await teamIdsByUser(db, [user.id]) : undefined;
    return { principal: principalView(principal), user: user ? userView(user, teams?.get(user.id) ?? []) : null };
  });
}
