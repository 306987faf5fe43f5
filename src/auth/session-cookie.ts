import type { FastifyReply, FastifyRequest } from 'fastify';
import { HttpError } from '../core/http-error.ts';

export const SESSION_COOKIE = 'sb_session';
/** A session lasts 14 days and slides: used in its second half, it is extended (one write a week). */
export const SESSION_TTL_MS = 14 * 24 * 3600_000;

/** HttpOnly keeps the token from scripts; SameSite=Lax keeps it off cross-site POSTs. */
export function setSessionCookie(req: FastifyRequest, reply: FastifyReply, token: string, expiresAt: number, now: number): void {
  reply.setCookie(SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'lax',
    path: '/',
    secure: req.protocol === 'https',
    maxAge: Math.max(0, Math.floor((expiresAt - now) / 1000)),
  });
}

export function clearSessionCookie(req: FastifyRequest, reply: FastifyReply): void {
  reply.clearCookie(SESSION_COOKIE, { httpOnly: true, sameSite: 'lax', path: '/', secure: req.protocol === 'https' });
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * A second line against CSRF for cookie-authenticated changes: browsers mark requests from other
 * sites (and sibling subdomains, which SameSite=Lax lets through) with Sec-Fetch-Site. Clients that
 * send no such header (curl, servers) are not browsers and carry no ambient cookie to abuse.
 */
export function refuseCrossSite(req: FastifyRequest): void {
  if (SAFE_METHODS.has(req.method)) return;
  const site = req.headers['sec-fetch-site'];
  if (site === 'cross-site' || site === 'same-site') {
    throw new HttpError(403, 'cross_site_request', 'Requests from another site cannot use the session cookie.');
  }
}
