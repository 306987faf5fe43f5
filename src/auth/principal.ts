import type { FastifyRequest } from 'fastify';
import { HttpError } from '../core/http-error.ts';
import { roleScopes, type Role, type Scope } from './scopes.ts';

export const VISIBILITIES = ['all', 'assigned_and_team'] as const;
/** Which conversations an agent sees: all of them, or those assigned to them or to their teams. */
export type Visibility = (typeof VISIBILITIES)[number];

/** Who is calling, resolved once per request by the authenticate hook. */
export interface Principal {
  /** admin_token: SWITCHBOARD_ADMIN_TOKEN; token: an API token; user: a signed-in user (cookie); flow: a running flow (never an HTTP caller). */
  kind: 'admin_token' | 'token' | 'user' | 'flow';
  /** kind flow: the flow acting. */
  flowId?: string;
  /** The signed-in user, or the user who owns the API token; absent for the admin token and unowned tokens. */
  userId?: string;
  /** API tokens without the admin scope act as `integration`. */
  role: Role | 'integration';
  scopes: ReadonlySet<Scope>;
  visibility: Visibility;
  /** The user's teams; loaded only when visibility is `assigned_and_team` (empty otherwise). */
  teamIds: readonly string[];
  tokenId?: string;
}

/** What a route requires: `public` (no credentials), `authenticated` (any), or one scope. */
export type RouteAccess = 'public' | 'authenticated' | Scope;

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the authenticate hook on every non-public route of the API scope. */
    principal: Principal | null;
  }
  interface FastifyContextConfig {
    /** Overrides the access a route needs; see route-access.ts for the default. */
    access?: RouteAccess;
  }
}

export const ADMIN_TOKEN_PRINCIPAL: Principal = Object.freeze({
  kind: 'admin_token',
  role: 'admin',
  scopes: new Set(roleScopes('admin')),
  visibility: 'all',
  teamIds: [],
});

/**
 * A flow acting for the business: it may reach any contact on its number (visibility all) but holds
 * no API scope, and what it sends is authored `bot:flow:<id>`. Never the admin token's identity.
 */
export function flowPrincipal(flowId: string): Principal {
  return Object.freeze({ kind: 'flow', flowId, role: 'integration', scopes: new Set<Scope>(), visibility: 'all', teamIds: [] });
}

/** The request's principal; 401 when the route was reached without one (a wiring mistake or a public route). */
export function principalOf(req: FastifyRequest): Principal {
  if (!req.principal) throw new HttpError(401, 'unauthorized', 'Sign in, or send an API token as "Authorization: Bearer <token>".');
  return req.principal;
}
