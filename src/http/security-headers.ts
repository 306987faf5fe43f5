import type { FastifyInstance } from 'fastify';
import { securityHeaders } from '../core/security-headers.ts';

/**
 * Security headers on every HTML response the server sends (the /docs pages, and any page a
 * later route or the web app serves), whoever produced it; a route that set its own CSP keeps it.
 * Every other response gets `X-Content-Type-Options: nosniff`: JSON, scripts and styles are never
 * to be read as something else.
 */
export function installSecurityHeaders(app: FastifyInstance): void {
  const html = securityHeaders();
  app.addHook('onSend', async (_req, reply, payload) => {
    const type = reply.getHeader('content-type');
    if (typeof type === 'string' && /^text\/html\b/i.test(type)) {
      for (const [name, value] of Object.entries(html)) if (!reply.hasHeader(name)) reply.header(name, value);
    } else if (!reply.hasHeader('x-content-type-options')) {
      reply.header('x-content-type-options', 'nosniff');
    }
    return payload;
  });
}
