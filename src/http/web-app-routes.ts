import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { dirname, extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';

/** dist/web beside src/ and dist/ alike: this file is src/http/ under tsx and dist/http/ when built. */
export const WEB_APP_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'web');

/**
 * The app's own paths (web/src/App.tsx routes, and Vite's /assets/). Only these: a wildcard at /
 * would also catch the server's unknown paths, which must keep their JSON 404 (and the router's
 * 414 for an over-long path parameter).
 */
const CLIENT_ROUTES = ['/inbox', '/inbox/*', '/settings', '/settings/*'];

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.mp3': 'audio/mpeg',
  '.txt': 'text/plain; charset=utf-8',
};

const MISSING_PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Switchboard</title></head>
<body><main><h1>Switchboard</h1><p>The web app is not built. Run <code>npm run build</code> (or <code>npm start</code>, which builds it when stale) and reload.</p>
<p>The API is at <a href="/api/v1">/api/v1</a>, its docs at <a href="/docs">/docs</a>.</p></main></body></html>`;

/**
 * The web app (web/, built by Vite into dist/web) at `/`: files under /assets/ carry a content
 * hash in their names, so they are cached for a year; `/` and the client routes get index.html
 * (never cached, so a new build is picked up at once). The HTML gets the security
 * headers (CSP without eval or inline scripts) from installSecurityHeaders.
 */
export async function webAppRoutes(app: FastifyInstance, opts: { dir?: string } = {}): Promise<void> {
  const dir = opts.dir ?? WEB_APP_DIR;
  const route = { schema: { hide: true } };

  const sendIndex = async (reply: FastifyReply) => {
    const index = join(dir, 'index.html');
    reply.header('cache-control', 'no-cache').type('text/html; charset=utf-8');
    if (!existsSync(index)) return reply.send(MISSING_PAGE);
    return reply.send(await readFile(index));
  };

  app.get('/', route, async (_req, reply) => sendIndex(reply));
  for (const path of CLIENT_ROUTES) app.get(path, route, async (_req, reply) => sendIndex(reply));
  app.get('/assets/*', route, async (req, reply) => {
    let path: string;
    try {
      path = decodeURIComponent(req.url.split('?')[0] ?? '/');
    } catch {
      return reply.callNotFound();
    }
    const file = normalize(join(dir, path));
    const info = file.startsWith(join(dir, 'assets') + sep) ? await stat(file).catch(() => undefined) : undefined;
    // A missing file (an old asset after a new build) or a path climbing out is a 404, not the app's page.
    if (!info?.isFile()) return reply.callNotFound();
    reply.header('cache-control', 'public, max-age=31536000, immutable');
    return reply.type(TYPES[extname(file)] ?? 'application/octet-stream').send(await readFile(file));
  });
}
