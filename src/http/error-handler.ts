import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HttpError } from '../core/http-error.ts';
import { validationAnswer } from './validation-error.ts';

/** How long a path parameter may be (Fastify's maxParamLength); longer ones are 414 `param_too_long`. */
export const MAX_PARAM_LENGTH = 100;

interface ErrorBody {
  error: { code: string; message: string; details?: Record<string, unknown>; request_id?: string };
}

/**
 * One mapper for every route: `{ error: { code, message, details? } }`, never a stack trace nor
 * Fastify's own `{error, message, statusCode}` — for the framework's own refusals too (body
 * parsing, schema validation, unknown routes; see `frameworkErrors` for those before routing).
 */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | HttpError, req, reply) => {
    if (err instanceof HttpError) {
      return reply
        .status(err.status)
        .send({ error: { code: err.code, message: err.message, ...(err.details ? { details: err.details } : {}) } });
    }
    const body = frameworkErrorBody(err, req);
    if (body.status === 500) req.log.error({ err }, 'unhandled error');
    return reply.status(body.status).send(body.body);
  });
  app.setNotFoundHandler((req, reply) => {
    reply.status(404).send({ error: { code: 'not_found', message: `No route for ${req.method} ${req.url.split('?')[0]}` } });
  });
}

/**
 * Fastify's `frameworkErrors` option: the refusals it makes before a route is found (a path
 * parameter over MAX_PARAM_LENGTH, a malformed %-escape in the URL) in this API's error shape.
 */
export function frameworkErrors(err: FastifyError, req: FastifyRequest, reply: FastifyReply): void {
  const { status, body } = frameworkErrorBody(err, req);
  // Before routing no hook has run: the request id is added here (request-observability.ts does it for the rest).
  body.error.request_id = req.id;
  void reply.status(status).header('x-request-id', req.id).send(body);
}

/**
 * Fastify's `clientErrorHandler` option: requests Node's HTTP parser refuses (malformed request
 * line, headers over the size limit, a request that took too long) get the same JSON shape. The
 * connection is closed afterwards, as Node does.
 */
export function clientErrorHandler(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, code, message] =
    err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'request_timeout', 'The request took too long to arrive.']
      : err.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'headers_too_large', 'The request headers are too large.']
        : [400, 'bad_request', 'The request is not valid HTTP.'];
  const body = JSON.stringify({ error: { code, message } } satisfies ErrorBody);
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(err);
}

/** Fastify's and its plugins' errors, by their code: our status, code and a message that says what to do. */
function frameworkErrorBody(err: FastifyError, req: FastifyRequest): { status: number; body: ErrorBody } {
  const given = typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
  const send = (status: number, code: string, message: string, details?: Record<string, unknown>) => ({
    status,
    body: { error: { code, message, ...(details ? { details } : {}) } },
  });
  if (err.validation && err.validation.length > 0) {
    // A route that validates with its schema (route-schema.ts): name the field, keep its documented code.
    const a = validationAnswer(err.validation, err.validationContext ?? 'body');
    return send(a.status, a.code, a.message, a.details);
  }
  switch (err.code) {
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return send(414, 'param_too_long', `A path parameter is longer than ${MAX_PARAM_LENGTH} characters; no id is that long.`);
    case 'FST_ERR_BAD_URL':
      return send(400, 'invalid_url', 'The URL path has a malformed %-escape.');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return send(400, 'invalid_json', 'The body is not valid JSON.');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return send(400, 'invalid_json', 'The body is empty but Content-Type says application/json: send a JSON object, or no Content-Type.');
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return send(413, 'body_too_large', `The body is larger than this route accepts (${req.routeOptions.bodyLimit ?? 'its'} bytes).`);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE': {
      const type = req.headers['content-type'];
      return send(
        415,
        'unsupported_media_type',
        `${type ? `Content-Type "${type}" is` : 'A body without a Content-Type is'} not accepted here; send JSON with Content-Type: application/json.`,
      );
    }
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return send(400, 'bad_request', 'The body is not as long as its Content-Length says.');
  }
  // secure-json-parse refuses "__proto__" / "constructor.prototype" keys (prototype pollution).
  if (given === 400 && /forbidden prototype property/i.test(err.message))
    return send(400, 'invalid_json', 'The body has a forbidden "__proto__" or "constructor" key.');
  if (given === 500) return send(500, 'internal_error', 'Internal error; see the server log.');
  const code =
    given === 413
      ? 'body_too_large'
      : given === 415
        ? 'unsupported_media_type'
        : given === 400
          ? 'bad_request'
          : given === 404
            ? 'not_found'
            : `http_${given}`;
  return send(given, code, err.message || STATUS_CODES[given] || 'Bad request');
}
