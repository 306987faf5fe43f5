import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import { acceptableRequestId, newRequestId, runWithLogContext } from '../core/log-context.ts';
import { httpRequestDuration, httpRequests } from '../core/metrics.ts';

/**
 * Fastify options for request ids: a plain X-Request-Id from a proxy in front is kept (so its
 * logs and ours share the id), otherwise one is made. Requests log through the process logger,
 * whose mixin adds the id (core/log-context.ts), instead of a child logger per request.
 */
export const requestIdOptions: Pick<FastifyServerOptions, 'genReqId' | 'requestIdHeader' | 'childLoggerFactory'> = {
  requestIdHeader: false,
  genReqId: (req) => {
    const given = req.headers['x-request-id'];
    return acceptableRequestId(given) ? given : newRequestId();
  },
  childLoggerFactory: (logger) => logger,
};

/**
 * Every answer carries `X-Request-Id`; every error body carries it as `error.request_id`, so a
 * user can quote it and an operator can find the request's log lines; every answer is counted
 * in switchboard_http_requests_total and ..._duration_seconds by route template (not the raw URL: bounded labels).
 * Callback hooks, not async ones: this runs on every webhook.
 */
export function installRequestObservability(app: FastifyInstance): void {
  app.addHook('onRequest', (req, reply, done) => {
    reply.header('x-request-id', req.id);
    // Everything after this hook runs in the request's context: Fastify carries it through body
    // parsing (an AsyncResource in its content-type parser), so one run here covers the handler.
    runWithLogContext({ request_id: req.id }, done);
  });
  app.addHook('preSerialization', (req, reply, payload, done) => {
    done(null, reply.statusCode >= 400 ? withRequestId(payload, req.id) : payload);
  });
  app.addHook('onResponse', (req, reply, done) => {
    const route = req.routeOptions.url ?? 'unmatched';
    httpRequests.inc({ method: req.method, route, status: reply.statusCode });
    httpRequestDuration.observe({ method: req.method, route }, reply.elapsedTime / 1000);
    // LOG_LEVEL=debug: one access line per request (pino's debug is a no-op at the default info level).
    req.log.debug({ method: req.method, route, status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request');
    done();
  });
}

/**
 * `{error: {code, message}}` -> a copy with `error.request_id`; other bodies are returned as they
 * are. A copy, so an error body a route keeps as a constant never carries one request's id to another.
 */
export function withRequestId(payload: unknown, requestId: string): unknown {
  if (typeof payload !== 'object' || payload === null) return payload;
  const error = (payload as { error?: unknown }).error;
  if (typeof error !== 'object' || error === null || Array.isArray(error)) return payload;
  return { ...payload, error: { ...error, request_id: requestId } };
}
