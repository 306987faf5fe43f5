import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** What a test token may look like: URL- and cookie-safe, long enough not to be guessed. */
export const TEST_TOKEN_PATTERN = /^[A-Za-z0-9._~-]{16,200}$/;

export function newTestToken(): string {
  return randomBytes(24).toString('base64url');
}

/** `127.0.0.1`, `localhost` or `[::1]`, with or without a port. */
export function isLoopbackHost(host: string | undefined): boolean {
  if (!host) return false;
  const m = /^(?:\[::1\]|127\.0\.0\.1|localhost)(?::(\d{1,5}))?$/i.exec(host);
  return m !== null && (m[1] === undefined || Number(m[1]) <= 65535);
}

/** The page's cookie is named per port: cookies ignore ports, and two simulators may run side by side. */
export function testTokenCookieName(port: number): string {
  return `sim_token_${port}`;
}

function cookie(req: FastifyRequest, name: string): string | undefined {
  const header = req.headers.cookie;
  if (typeof header !== 'string') return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

function sameToken(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  // Hashes have one length, so the comparison takes the same time whatever was sent.
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** The token a request carries: `Authorization: Bearer`, `x-sim-token`, or the phone page's cookie. */
function presentedToken(req: FastifyRequest, cookieName: string): string | undefined {
  const auth = req.headers.authorization;
  if (typeof auth === 'string' && /^bearer\s+/i.test(auth)) return auth.replace(/^bearer\s+/i, '').trim();
  const header = req.headers['x-sim-token'];
  if (typeof header === 'string') return header;
  return cookie(req, cookieName);
}

const isTestApi = (path: string) => path === '/_sim' || path.startsWith('/_sim/');
const isPhonePage = (path: string) => path === '/phone' || path.startsWith('/phone/');

/**
 * The route the request will reach: the router decodes percent-escapes (`/%5Fsim/info` is
 * `/_sim/info`), so the matched pattern decides; a request no route matches (the 404 handler's
 * pattern) is judged by its decoded path.
 */
function routePath(req: FastifyRequest): string {
  const route = req.routeOptions.url;
  if (route && (isTestApi(route) || isPhonePage(route))) return route;
  const raw = req.url.split('?')[0] ?? '';
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

function refuse(reply: FastifyReply, status: number, code: string, message: string): FastifyReply {
  return reply.code(status).header('cache-control', 'no-store').send({ error: { code, message } });
}

/**
 * Guards the test API (/_sim) and the phone page (/phone), which are not Meta's API and carry no
 * access token of their own: a web page the developer visits could otherwise drive them through
 * DNS rebinding (its own host name, resolved to 127.0.0.1) or read them cross-site.
 * - The Host header must name loopback (127.0.0.1, localhost, [::1]; any port): a rebound name
 *   is refused with 421 before anything runs.
 * - /_sim needs the test token: `Authorization: Bearer <token>`, an `x-sim-token` header, or the
 *   cookie that `GET /phone?token=<token>` sets (HttpOnly, SameSite=Strict, so other sites'
 *   requests never carry it). The Graph API routes keep their access token and accept any host.
 */
export function registerTestApiAccess(app: FastifyInstance, token: string, port: () => number): void {
  app.addHook('onRequest', async (req, reply) => {
    const path = routePath(req);
    if (!isTestApi(path) && !isPhonePage(path)) return;
    if (!isLoopbackHost(req.headers.host)) {
      return refuse(
        reply,
        421,
        'host_not_allowed',
        `the simulator's test API and phone page answer only to a loopback Host (127.0.0.1, localhost or [::1]), not "${req.headers.host ?? ''}"`,
      );
    }
    const name = testTokenCookieName(port());
    if (isPhonePage(path)) {
      if (path !== '/phone' || req.method !== 'GET') return;
      const q = req.query as Record<string, unknown> | undefined;
      const given = typeof q?.token === 'string' ? q.token : undefined;
      if (given === undefined) return; // the page itself is public; its API calls need the cookie
      if (!sameToken(given, token))
        return refuse(
          reply,
          401,
          'invalid_test_token',
          'the token in the phone page link is wrong: use the link the simulator printed at start',
        );
      // Keep the token out of the address bar and the history: the cookie carries it from here.
      const rest = new URLSearchParams(
        Object.entries(q ?? {}).flatMap(([k, v]) => (k !== 'token' && typeof v === 'string' ? [[k, v]] : [])),
      );
      const query = rest.toString();
      return reply
        .code(303)
        .header('set-cookie', `${name}=${token}; Path=/; HttpOnly; SameSite=Strict`)
        .header('cache-control', 'no-store')
        .header('location', query ? `/phone?${query}` : '/phone')
        .send();
    }
    if (!sameToken(presentedToken(req, name), token)) {
      return refuse(
        reply,
        401,
        'invalid_test_token',
        "the simulator's test API needs its test token (printed at start): send it as 'Authorization: Bearer <token>' or 'x-sim-token: <token>', or open the phone page through the link with ?token=",
      );
    }
    return undefined;
  });
}
