import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Clock } from '../core/clock.ts';
import { HttpError } from '../core/http-error.ts';
import type { AdminTokenCheck } from './admin-token.ts';
import type { Database } from '../storage/database-types.ts';
import { ADMIN_TOKEN_PRINCIPAL, type Principal, type Visibility } from './principal.ts';
import { isRole, parseStoredScopes, roleScopes, type Role } from './scopes.ts';
import { sha256Hex } from './secret-token.ts';
import { refuseCrossSite, SESSION_COOKIE, SESSION_TTL_MS, setSessionCookie } from './session-cookie.ts';
import { deleteSession, extendSession, findSessionWithUser } from './session-store.ts';
import { findTokenForAuth, touchToken } from './token-store.ts';
import { teamIdsByUser, type UserRow } from './user-store.ts';

export interface AuthContext {
  db: Kysely<Database>;
  clock: Clock;
  /** The admin token: fixed when set in the environment, else the stored one (replaced by `npm run admin-token`). */
  adminToken: AdminTokenCheck;
}

export const API_TOKEN_PREFIX = 'sbt_';

/**
 * Resolves the caller from, in order: a bearer token (the admin token, else an API token), else
 * the session cookie. A bearer that does not match is refused even when a cookie is present: a
 * caller who names a credential means that one. Throws 401 `unauthorized`.
 */
export async function authenticate(ctx: AuthContext, req: FastifyRequest, reply: FastifyReply): Promise<Principal> {
  const header = req.headers.authorization;
  if (header !== undefined) {
    const presented = /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1];
    if (!presented) throw unauthorized('Send the API token as "Authorization: Bearer <token>".');
    // The admin token needs no database round trip: it stays as cheap as before.
    if (await ctx.adminToken.matches(presented)) return ADMIN_TOKEN_PRINCIPAL;
    if (presented.startsWith(API_TOKEN_PREFIX)) {
      const principal = await apiTokenPrincipal(ctx, presented);
      if (principal) return principal;
    }
    throw unauthorized('The API token is not valid (unknown, revoked or expired).');
  }
  const cookie = req.cookies[SESSION_COOKIE];
  if (cookie) {
    const principal = await sessionPrincipal(ctx, req, reply, cookie);
    if (principal) return principal;
    throw unauthorized('The session has ended; sign in again.');
  }
  throw unauthorized('Sign in, or send an API token as "Authorization: Bearer <token>".');
}

async function apiTokenPrincipal(ctx: AuthContext, presented: string): Promise<Principal | null> {
  const found = await findTokenForAuth(ctx.db, sha256Hex(presented));
  const now = ctx.clock.now();
  if (!found) return null;
  const { token, owner } = found;
  // Checked on every request, never cached: a revoked token is refused at once.
  if (token.revoked_at !== null || (token.expires_at !== null && token.expires_at <= now)) return null;
  if (token.user_id !== null && !owner) return null; // its owner was deleted
  await touchToken(ctx.db, token, now);
  const ownerRole = owner ? roleOf(owner) : undefined;
  // An owned token never exceeds what its owner may do today (a demoted admin's tokens lose admin).
  const scopes = new Set(parseStoredScopes(token.scopes).filter((s) => ownerRole === undefined || roleScopes(ownerRole).includes(s)));
  const restricted = owner && ownerRole === 'agent' ? visibilityOf(owner) : 'all';
  return {
    kind: 'token',
    userId: owner?.id,
    tokenId: token.id,
    role: scopes.has('admin') ? 'admin' : owner ? 'agent' : 'integration',
    scopes,
    visibility: restricted,
    teamIds: owner && restricted === 'assigned_and_team' ? await teamsOf(ctx, owner.id) : [],
  };
}

async function sessionPrincipal(ctx: AuthContext, req: FastifyRequest, reply: FastifyReply, cookie: string): Promise<Principal | null> {
  const id = sha256Hex(cookie);
  const found = await findSessionWithUser(ctx.db, id);
  const now = ctx.clock.now();
  if (!found) return null;
  if (found.expiresAt <= now) {
    await deleteSession(ctx.db, id);
    return null;
  }
  refuseCrossSite(req);
  if (found.expiresAt - now < SESSION_TTL_MS / 2) {
    const expiresAt = now + SESSION_TTL_MS;
    await extendSession(ctx.db, id, expiresAt);
    setSessionCookie(req, reply, cookie, expiresAt, now);
  }
  return userPrincipal(ctx, found.user);
}

/** The principal of a signed-in user, from the user's current row (role changes apply at once). */
export async function userPrincipal(ctx: Pick<AuthContext, 'db'>, user: UserRow): Promise<Principal> {
  const role = roleOf(user);
  const visibility = role === 'admin' ? 'all' : visibilityOf(user);
  return {
    kind: 'user',
    userId: user.id,
    role,
    scopes: new Set(roleScopes(role)),
    visibility,
    teamIds: visibility === 'assigned_and_team' ? await teamsOf(ctx, user.id) : [],
  };
}

// Stored values are checked on the way out too; an unknown one gets the narrower meaning.
function roleOf(user: UserRow): Role {
  return isRole(user.role) ? user.role : 'agent';
}

function visibilityOf(user: UserRow): Visibility {
  return user.visibility === 'all' ? 'all' : 'assigned_and_team';
}

async function teamsOf(ctx: Pick<AuthContext, 'db'>, userId: string): Promise<string[]> {
  return (await teamIdsByUser(ctx.db, [userId])).get(userId) ?? [];
}

function unauthorized(message: string): HttpError {
  return new HttpError(401, 'unauthorized', message);
}
