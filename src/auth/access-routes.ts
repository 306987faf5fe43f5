import type { FastifyInstance } from 'fastify';
import type { Deps } from '../deps.ts';
import { authRoutes } from './auth-routes.ts';
import { teamRoutes } from './team-routes.ts';
import { tokenRoutes } from './token-routes.ts';
import { userRoutes } from './user-routes.ts';

/** Sign-in, API tokens, users and teams; register inside the scope installAuth guards. */
export async function accessRoutes(app: FastifyInstance, opts: { deps: Deps }): Promise<void> {
  await app.register(authRoutes, opts);
  await app.register(tokenRoutes, opts);
  await app.register(userRoutes, opts);
  await app.register(teamRoutes, opts);
}
