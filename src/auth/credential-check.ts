import type { FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../storage/database-types.ts';
import type { AdminTokenCheck } from '../http/admin-token.ts';
import type { Principal } from './principal.ts';
import { sha256Hex } from './secret-token.ts';
import { SESSION_COOKIE } from './session-cookie.ts';
import { findSessionWithUser } from './session-store.ts';

/**
 * Is the credential a long-lived request (the inbox stream) was opened with still good? A token
 * revoked or expired, a session ended (logout, password change, user deleted) all answer false.
 * The admin token is checked again too: `npm run admin-token` replaces a stored one (one set in
 * the environment stays valid while the process runs).
 */
export async function credentialStillValid(db: Kysely<Database>, now: number, req: FastifyRequest, principal: Principal, adminToken?: AdminTokenCheck): Promise<boolean> {
  if (principal.kind === 'admin_token') {
    const presented = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];
    return adminToken === undefined || (presented !== undefined && (await adminToken.matches(presented)));
  }
  if (principal.kind === 'token') {
    if (!principal.tokenId) return false;
    const row = await db
      .selectFrom('api_tokens as t')
      .leftJoin('users as u', 'u.id', 't.user_id')
      .select(['t.revoked_at', 't.expires_at', 't.user_id', 'u.deleted_at'])
      .where('t.id', '=', principal.tokenId)
      .executeTakeFirst();
    if (!row || row.revoked_at !== null || (row.expires_at !== null && row.expires_at <= now)) return false;
    return row.user_id === null || row.deleted_at === null;
  }
  const cookie = req.cookies[SESSION_COOKIE];
  if (!cookie) return false;
  const found = await findSessionWithUser(db, sha256Hex(cookie));
  return !!found && found.expiresAt > now && found.user.id === principal.userId;
}
