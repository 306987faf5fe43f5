import type { FastifyRequest } from 'fastify';
import type { RouteAccess } from './principal.ts';
import type { Scope } from './scopes.ts';

/**
 * Routes that name no `config.access` get it from their path: reads (GET/HEAD) need the resource's
 * `:read` scope, anything else its `:write` scope. Any other API route needs `admin` until it says
 * otherwise, so a new route is closed by default rather than open to every token.
 */
const RESOURCES: ReadonlyArray<{ prefix: string; read: Scope; write: Scope }> = [
  { prefix: '/api/v1/conversations', read: 'conversations:read', write: 'conversations:write' },
  { prefix: '/api/v1/labels', read: 'conversations:read', write: 'conversations:write' },
  { prefix: '/api/v1/canned-replies', read: 'conversations:read', write: 'conversations:write' },
  { prefix: '/api/v1/contacts', read: 'contacts:read', write: 'contacts:write' },
];

export function routeAccess(req: FastifyRequest): RouteAccess {
  const declared = req.routeOptions.config.access;
  if (declared !== undefined) return declared;
  const url = req.routeOptions.url ?? '';
  const read = req.method === 'GET' || req.method === 'HEAD';
  for (const r of RESOURCES) {
    if (url === r.prefix || url.startsWith(`${r.prefix}/`)) return read ? r.read : r.write;
  }
  return 'admin';
}
