import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { HttpError } from '../core/http-error.ts';
import { metricsRegistry, scrapeGauges } from '../core/metrics.ts';
import type { Deps } from '../deps.ts';
import { readBacklogs } from './backlogs.ts';

/**
 * GET /metrics in Prometheus's text format (docs/operations.md). On the main port it needs
 * `Authorization: Bearer <METRICS_TOKEN>`; without a token configured it answers 404 there, and
 * METRICS_PORT serves it on a listener of its own (startMetricsServer). Each process serves its
 * own figures; the database gauges (backlogs) are the same on every process.
 */
export async function metricsRoutes(app: FastifyInstance, opts: { deps: Deps }): Promise<void> {
  const { deps } = opts;
  const token = deps.config.metrics?.token;
  const port = deps.config.metrics?.port;
  app.get('/metrics', { schema: { hide: true } }, async (req, reply) => {
    if (token === undefined) {
      throw new HttpError(
        404,
        'not_found',
        port !== undefined
          ? `Metrics are served on their own port (METRICS_PORT ${port}), not here.`
          : 'Metrics are off: set METRICS_TOKEN (then send it as a Bearer token) or METRICS_PORT (docs/operations.md).',
      );
    }
    if (!bearerMatches(req.headers.authorization, token)) {
      throw new HttpError(401, 'unauthorized', 'GET /metrics needs Authorization: Bearer <METRICS_TOKEN>.');
    }
    const text = await renderMetrics(deps);
    return reply.type(metricsRegistry.contentType).send(text);
  });
}

/** METRICS_PORT: a plain HTTP listener answering GET /metrics only (Prometheus scrapes it on a private interface). */
export async function startMetricsServer(deps: Deps): Promise<{ url: string; close(): Promise<void> } | undefined> {
  const settings = deps.config.metrics;
  if (settings?.port === undefined) return undefined;
  const server: Server = createServer((req, res) => {
    const answer = (status: number, type: string, body: string) => {
      res.writeHead(status, { 'content-type': type, 'x-content-type-options': 'nosniff' });
      res.end(body);
    };
    const error = (status: number, code: string, message: string) =>
      answer(status, 'application/json; charset=utf-8', JSON.stringify({ error: { code, message } }));
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics')
      return error(404, 'not_found', 'This port serves GET /metrics only.');
    if (settings.token !== undefined && !bearerMatches(req.headers.authorization, settings.token))
      return error(401, 'unauthorized', 'GET /metrics needs Authorization: Bearer <METRICS_TOKEN>.');
    renderMetrics(deps).then(
      (text) => answer(200, metricsRegistry.contentType, text),
      (err) => {
        deps.logger.error({ err }, 'metrics scrape failed');
        error(500, 'internal_error', 'Internal error; see the server log.');
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(settings.port, settings.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Sets the gauges read from the database and this process's state, then writes every metric out. */
export async function renderMetrics(deps: Deps): Promise<string> {
  const [b, byTask] = await Promise.all([readBacklogs(deps), deps.jobs.backlogByTask()]);
  const g = scrapeGauges;
  g.webhookPending.set(b.webhookEvents.pending);
  g.webhookOldestAge.set((b.webhookEvents.oldestAgeMs ?? 0) / 1000);
  g.jobsPending.set(b.jobs.pending);
  g.jobsOldestAge.set((b.jobs.oldestAgeMs ?? 0) / 1000);
  g.jobsByTask.reset(); // a job name with nothing waiting drops out rather than keeping its last count
  for (const [task, c] of Object.entries(byTask)) {
    g.jobsByTask.set({ task, state: 'ready' }, c.ready);
    g.jobsByTask.set({ task, state: 'scheduled' }, c.scheduled);
  }
  g.eventBacklog.set(b.eventDeliveries.pending);
  g.flowSessions.set(b.flowSessionsActive);
  const pool = deps.storage.pgPool;
  if (pool) {
    g.dbPool.set({ state: 'total' }, pool.totalCount);
    g.dbPool.set({ state: 'idle' }, pool.idleCount);
    g.dbPool.set({ state: 'waiting' }, pool.waitingCount);
  }
  for (const c of deps.channels.all()) g.breakerOpen.set({ phone_number_id: c.accountId }, c.breaker.snapshot().state === 'closed' ? 0 : 1);
  return metricsRegistry.metrics();
}

/** Constant-time comparison of a Bearer header with the token (hashed first: equal lengths). */
function bearerMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  if (!m?.[1]) return false;
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(m[1]), digest(token));
}
