import type { FastifyError, FastifyInstance } from 'fastify';
import { HttpError } from '../core/http-error.ts';

/** One mapper for every route: `{ error: { code, message, details? } }`, never a stack trace. */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | HttpError, req, reply) => {
    if (err instanceof HttpError) {
      return reply.status(err.status).send({ error: { code: err.code, message: err.message, ...(err.details ? { details: err.details } : {}) } });
    }
    const status = typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) req.log.error({ err }, 'unhandled error');
    const code =
      status === 413 ? 'body_too_large' : status === 415 ? 'unsupported_media_type' : status === 400 ? 'bad_request' : status === 500 ? 'internal_error' : `http_${status}`;
    const message = status === 500 ? 'Internal error; see the server log.' : (err.message || 'Bad request');
    return reply.status(status).send({ error: { code, message } });
  });
  app.setNotFoundHandler((req, reply) => {
    reply.status(404).send({ error: { code: 'not_found', message: `No route for ${req.method} ${req.url.split('?')[0]}` } });
  });
}
