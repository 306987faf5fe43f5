import fastifyCookie from '@fastify/cookie';
import type { FastifyInstance } from 'fastify';
import { authenticate, type AuthContext } from './authenticate.ts';
import { requireScope } from './require-scope.ts';
import { routeAccess } from './route-access.ts';

/**
 * Guards every route registered in `scope` after this call: resolves `req.principal`
 * from the admin token, an API token or the session cookie (401 when none is valid), then checks
 * the route's access (403 when the scope is missing). Routes with `config: { access: 'public' }`
 * are left alone.
 */
export async function installAuth(scope: FastifyInstance, ctx: AuthContext): Promise<void> {
  // The web app may register the cookie plugin higher up; a second registration would throw.
  if (!scope.hasRequestDecorator('cookies')) await scope.register(fastifyCookie);
  scope.decorateRequest('principal', null);
  scope.addHook('onRequest', async (req, reply) => {
    const access = routeAccess(req);
    if (access === 'public') return;
    req.principal = await authenticate(ctx, req, reply);
    if (access !== 'authenticated') requireScope(req, access);
  });
}
