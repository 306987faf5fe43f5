import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { securityHeaders } from '../core/security-headers.ts';

const assets: Record<string, { file: string; type: string }> = {
  '/phone': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/phone/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/phone/render.js': { file: 'render.js', type: 'text/javascript; charset=utf-8' },
  '/phone/style.css': { file: 'style.css', type: 'text/css; charset=utf-8' },
};

// The page renders untrusted customer/business text; the CSP is a second line of defence
// behind textContent-only rendering (no inline script, no foreign origins).
const csp =
  "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'";

/** Serves the phone-like customer page (static files in ./phone-page/, read once at start). */
export function registerPhonePage(app: FastifyInstance): void {
  for (const [path, a] of Object.entries(assets)) {
    const body = readFileSync(new URL(`./phone-page/${a.file}`, import.meta.url), 'utf8');
    app.get(path, async (_req, reply) =>
      reply.header('content-type', a.type).headers(securityHeaders(csp)).header('cache-control', 'no-cache').send(body),
    );
  }
  app.get('/phone/', async (_req, reply) => reply.redirect('/phone'));
  // Browsers ask for it; without this route it would fall into the Graph 404 handler.
  app.get('/favicon.ico', async (_req, reply) => reply.code(204).send());
}
