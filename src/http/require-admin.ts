import type { FastifyInstance } from 'fastify';
import { HttpError } from '../core/http-error.ts';
import { tokenMatches } from './admin-token.ts';

/** Every route registered in this scope needs the bearer token. */
export function requireAdmin(scope: FastifyInstance, tokenHash: Buffer): void {
  scope.addHook('onRequest', async (req) => {
    const header = req.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match?.[1]) throw new HttpError(401, 'unauthorized', 'Send the API token as "Authorization: Bearer <token>".');
    if (!tokenMatches(match[1], tokenHash)) throw new HttpError(401, 'unauthorized', 'The API token is not valid.');
  });
}
