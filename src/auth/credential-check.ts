import type { FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../storage/database-types.ts';
import type { AdminTokenCheck } from './admin-token.ts';
import type { Principal } from './principal.ts';
import { sha256Hex } from './secret-token.ts';
import { SESSION_COOKIE } from './session-cookie.ts';
import { findSessionWithUser } from './session-store.ts';

/** The credential a long-lived request (the inbox stream) was opened with, to check again while it is open. */
export interface HeldCredential {
  /**
   * The same for every request made with the same credential (the API token's id, a hash of the
   * session cookie or of the admin token, never the secret itself): streams share one check by it.
   */
  key: string;
  /**
   * Is it still good? A token revoked or expired, a session ended (logout, password change, user
   * deleted) all answer false. The admin token is checked again too: `npm run admin-token`
   * replaces a stored one (one set in the environment stays valid while the process runs).
   */
  stillValid(now: number): Promise<boolean>;
}

/** The credential of an authenticated request, as `HeldCredential`; keeps only what the check needs, not the request. */
export function heldCredential(
  db: Kysely<Database>,
  req: FastifyRequest,
  principal: Principal,
  adminToken?: AdminTokenCheck,
): HeldCredential {
  if (principal.kind === 'admin_token') {
    const presented = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];
    return {
      key: `admin:${presented === undefined ? '' : sha256Hex(presented)}`,
      stillValid: async () => adminToken === undefined || (presented !== undefined && (await adminToken.matches(presented))),
    };
  }
  if (principal.kind === 'token') {
    const tokenId = principal.tokenId;
    return {
      key: `token:${tokenId ?? ''}`,
      async stillValid(now) {
        if (!tokenId) return false;
        const row = await db
          .selectFrom('api_tokens as t')
          .leftJoin('users as u', 'u.id', 't.user_id')
          .select(['t.revoked_at', 't.expires_at', 't.user_id', 'u.deleted_at'])
          .where('t.id', '=', tokenId)
          .executeTakeFirst();
        if (!row || row.revoked_at !== null || (row.expires_at !== null && row.expires_at <= now)) return false;
        return row.user_id === null || row.deleted_at === null;
      },
    };
  }
  const cookie = req.cookies[SESSION_COOKIE];
  const sessionId = cookie ? sha256Hex(cookie) : undefined;
  const userId = principal.userId;
  return {
    key: `session:${sessionId ?? ''}:${userId ?? ''}`,
    async stillValid(now) {
      if (!sessionId) return false;
      const found = await findSessionWithUser(db, sessionId);
      return !!found && found.expiresAt > now && found.user.id === userId;
    },
  };
}
