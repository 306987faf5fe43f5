import type { FastifyRequest } from 'fastify';
import { HttpError } from '../core/http-error.ts';
import { principalOf, type Principal } from './principal.ts';
import { hasScope, type Scope } from './scopes.ts';

/** Throws 403 `forbidden` unless the caller holds the scope (`admin` holds every scope). */
export function requireScope(req: FastifyRequest, scope: Scope): Principal {
  const principal = principalOf(req);
  if (!hasScope(principal.scopes, scope)) {
    throw new HttpError(403, 'forbidden', `This needs the "${scope}" scope, which these credentials do not have.`, {
      required_scope: scope,
    });
  }
  return principal;
}

/** Throws 403 `forbidden` unless the caller is an administrator (admin token, admin user or admin-scoped token). */
export function requireAdmin(req: FastifyRequest): Principal {
  return requireScope(req, 'admin');
}
