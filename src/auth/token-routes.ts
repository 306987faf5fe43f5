import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HttpError } from '../core/http-error.ts';
import { newId } from '../core/ids.ts';
import type { Deps } from '../deps.ts';
import { tokenView } from './access-views.ts';
import { API_TOKEN_PREFIX } from './authenticate.ts';
import { futureTimeField, jsonObject, textField } from './body-fields.ts';
import { confirmPassword } from './confirm-password.ts';
import { principalOf, type Principal } from './principal.ts';
import { hasScope, isScope, SCOPES, type Scope } from './scopes.ts';
import { newSecretToken, sha256Hex } from './secret-token.ts';
import { findToken, insertToken, listTokens, revokeToken } from './token-store.ts';
import { findUser } from './user-store.ts';

/**
 * API tokens: admins manage every token; a signed-in user manages their own, with at most their
 * own scopes. A token without `admin` cannot mint tokens (no chains of ever-newer credentials).
 * Minting from a session cookie needs the user's password again (`password`).
 */
export async function tokenRoutes(app: FastifyInstance, opts: { deps: Deps }): Promise<void> {
  const db = opts.deps.storage.db;
  const clock = opts.deps.clock;
  const access = { config: { access: 'authenticated' as const } };

  app.get('/api/v1/tokens', access, async (req) => {
    const reach = tokenReach(req);
    const rows = await listTokens(db, reach.all ? undefined : reach.ownerId);
    return { data: rows.map(tokenView) };
  });

  app.post('/api/v1/tokens', access, async (req, reply) => {
    tokenReach(req); // 403 for callers who manage no tokens
    const principal = principalOf(req);
    const b = jsonObject(req.body, ['name', 'scopes', 'expires_at', 'password']);
    const name = textField(b.name, 'name', 200);
    const scopes = scopesField(b.scopes);
    const denied = scopes.filter((s) => !hasScope(principal.scopes, s));
    if (denied.length > 0) {
      throw new HttpError(403, 'forbidden', `A token cannot have scopes its creator lacks: ${denied.join(', ')}.`, { scopes: denied });
    }
    const expiresAt = futureTimeField(b.expires_at, 'expires_at', clock.now());
    // A session cookie can be stolen or left signed in; a long-lived token made from it needs the
    // password again. API tokens and the admin token are credentials chosen on purpose: no password.
    if (principal.kind === 'user') await requirePassword(req, reply, principal, b.password);
    const now = clock.now();
    const token = newSecretToken(API_TOKEN_PREFIX);
    const row = {
      id: newId('tok', now),
      name,
      token_hash: sha256Hex(token),
      token_prefix: token.slice(0, API_TOKEN_PREFIX.length + 6),
      scopes: JSON.stringify(scopes),
      user_id: principal.userId ?? null,
      created_by: createdBy(principal),
      created_at: now,
      expires_at: expiresAt,
      last_used_at: null,
      revoked_at: null,
    };
    await insertToken(db, row);
    // The only time the token is ever shown: only its hash is stored.
    return reply.status(201).send({ ...tokenView(row), token });
  });

  const requirePassword = async (req: FastifyRequest, reply: FastifyReply, principal: Principal, password: unknown): Promise<void> => {
    if (password === undefined) {
      throw new HttpError(403, 'password_required', 'Creating an API token from a signed-in session needs your password again in "password".');
    }
    if (typeof password !== 'string') throw new HttpError(422, 'invalid_password', '"password" must be a string.');
    const user = principal.userId === undefined ? undefined : await findUser(db, principal.userId);
    if (!user || !(await confirmPassword({ db, clock }, req, reply, user, password))) {
      throw new HttpError(403, 'password_incorrect', 'The password in "password" is not right.');
    }
  };

  app.delete('/api/v1/tokens/:id', access, async (req, reply) => {
    const reach = tokenReach(req);
    const { id } = req.params as { id: string };
    const token = await findToken(db, id);
    // Someone else's token is reported as missing: its existence is not theirs to learn.
    if (!token || (!reach.all && token.user_id !== reach.ownerId)) throw new HttpError(404, 'token_not_found', `No token ${id}.`);
    await revokeToken(db, id, clock.now());
    return reply.status(204).send();
  });
}

/** Which tokens the caller may see and manage. */
function tokenReach(req: FastifyRequest): { all: true } | { all: false; ownerId: string } {
  const p = principalOf(req);
  if (p.scopes.has('admin')) return { all: true };
  if (p.kind === 'user' && p.userId !== undefined) return { all: false, ownerId: p.userId };
  throw new HttpError(403, 'forbidden', 'Only administrators and signed-in users manage API tokens.');
}

function scopesField(value: unknown): Scope[] {
  if (!Array.isArray(value) || value.length === 0 || !value.every(isScope)) {
    throw new HttpError(422, 'invalid_scopes', `"scopes" must be a non-empty list of: ${SCOPES.join(', ')}.`, { allowed: SCOPES });
  }
  return [...new Set(value)];
}

function createdBy(p: Principal): string {
  if (p.kind === 'admin_token') return 'admin_token';
  if (p.kind === 'token') return `token:${p.tokenId ?? ''}`;
  return `user:${p.userId ?? ''}`;
}
