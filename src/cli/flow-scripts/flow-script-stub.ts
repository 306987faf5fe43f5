import { createServer, type Server } from 'node:http';
import type { StubRule } from './flow-script-format.ts';

/** One request the flow made to the stub, as the script can assert it. */
export interface StubCall {
  method: string;
  /** Path and query, e.g. /service-requests?x=1. */
  path: string;
  headers: Record<string, string>;
  body: string;
  /** The parsed JSON body, or null. */
  json: unknown;
  /** The rule that answered (its index), or null when none matched (answered 404). */
  rule: number | null;
  status: number;
}

export interface StubServer {
  url: string;
  calls: StubCall[];
  close(): Promise<void>;
}

/**
 * A loopback HTTP server standing in for the business's API during a script: the first rule
 * whose method and URL pattern match (and that has uses left) answers with its status, JSON and
 * delay; anything else gets 404 with a hint. Every call is recorded for `http_called` steps.
 */
export async function startStubServer(rules: readonly StubRule[]): Promise<StubServer> {
  const calls: StubCall[] = [];
  const used = rules.map(() => 0);
  const timers = new Set<NodeJS.Timeout>();
  let url = '';
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const method = (req.method ?? 'GET').toUpperCase();
      const path = req.url ?? '/';
      const body = Buffer.concat(chunks).toString('utf8');
      const index = rules.findIndex(
        (r, i) =>
          (r.method === undefined || r.method === method) &&
          urlMatches(r.url, path, url) &&
          (r.times === undefined || (used[i] ?? 0) < r.times),
      );
      const rule = index >= 0 ? rules[index] : undefined;
      if (rule) used[index] = (used[index] ?? 0) + 1;
      const status = rule?.status ?? 404;
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
      calls.push({ method, path, headers, body, json: parseJson(body), rule: rule ? index : null, status });
      const send = () => {
        if (res.destroyed) return;
        if (!rule) {
          res.writeHead(404, { 'content-type': 'application/json' });
          return res.end(JSON.stringify({ error: `no stub for ${method} ${path}; add one under "http:" in the script` }));
        }
        const text = rule.body ?? (rule.json === undefined ? '' : JSON.stringify(withStubUrl(rule.json, url)));
        res.writeHead(status, { ...(rule.body === undefined ? { 'content-type': 'application/json' } : {}), ...rule.headers });
        res.end(text);
      };
      if (rule && rule.delayMs > 0) {
        const t = setTimeout(() => {
          timers.delete(t);
          send();
        }, rule.delayMs);
        timers.add(t);
      } else send();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return {
    url,
    calls,
    async close() {
      for (const t of timers) clearTimeout(t);
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

/**
 * A URL pattern: a path (`/service-requests`), optionally prefixed with `{{stub.url}}`, where
 * `*` matches anything. A pattern without a query matches any query.
 */
export function urlMatches(pattern: string, path: string, stubUrl: string): boolean {
  let p = pattern.replace('{{stub.url}}', '');
  if (stubUrl && p.startsWith(stubUrl)) p = p.slice(stubUrl.length);
  if (!p.startsWith('/')) p = `/${p}`;
  const target = p.includes('?') ? path : (path.split('?')[0] ?? path);
  const re = new RegExp(`^${p.split('*').map(escapeRegex).join('.*')}$`);
  return re.test(target);
}

/** Replaces `{{stub.url}}` in every string of a JSON value (so a response can point back at the stub). */
export function withStubUrl(value: unknown, stubUrl: string): unknown {
  if (typeof value === 'string') return value.split('{{stub.url}}').join(stubUrl);
  if (Array.isArray(value)) return value.map((v) => withStubUrl(v, stubUrl));
  if (typeof value === 'object' && value !== null)
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withStubUrl(v, stubUrl)]));
  return value;
}

function parseJson(body: string): unknown {
  if (!body) return null;
  try {
    return JSON.parse(body);
  } catch {
    return null;
  }
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
