import multipart from '@fastify/multipart';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { GraphError, graphError, invalidParam, tokenError } from './errors.ts';
import { InboundError } from './inbound-service.ts';

/**
 * The Fastify instance with Meta-shaped error handling: Graph paths answer errors as
 * `{error:{message, type, code, error_data, fbtrace_id}}`, the /_sim test API as
 * `{error:{code, message}}`. JSON bodies are parsed by us so a syntax error is a Graph 100.
 */
export async function buildHttpApp(): Promise<FastifyInstance> {
  const app = Fastify({
    logger: false,
    bodyLimit: 8 * 1024 * 1024,
    forceCloseConnections: true,
    routerOptions: { maxParamLength: 500 },
    rewriteUrl: (req) => versioned(req.url ?? '/'),
  });
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      done(invalidParam('(#100) The request body is not valid JSON.'), undefined);
    }
  });
  await app.register(multipart, { limits: { fileSize: 100 * 1024 * 1024 + 1, files: 1, fields: 20 } });

  app.setErrorHandler((err, req, reply) => {
    const sim = req.url.startsWith('/_sim/');
    const status = (err as { statusCode?: number }).statusCode;
    const code = (err as { code?: string }).code;
    if (err instanceof GraphError) return reply.code(err.httpStatus).send(err.toBody());
    if (err instanceof InboundError) return reply.code(400).send({ error: { code: 'invalid_request', message: err.message } });
    if (code === 'FST_REQ_FILE_TOO_LARGE') {
      const e = graphError(131053, 'The file is larger than the 100 MB maximum for any media type.');
      return sim ? reply.code(413).send({ error: { code: 'payload_too_large', message: e.details } }) : reply.code(400).send(e.toBody());
    }
    if (status && status >= 400 && status < 500) {
      const message = err instanceof Error ? err.message : String(err);
      return sim
        ? reply.code(status).send({ error: { code: 'bad_request', message } })
        : reply.code(400).send(invalidParam(`(#100) ${message}`).toBody());
    }
    const message = err instanceof Error ? err.message : String(err);
    if (sim) return reply.code(500).send({ error: { code: 'internal_error', message } });
    return reply.code(500).send(new GraphError(1, 'An unknown error occurred', message, 500).toBody());
  });

  app.setNotFoundHandler((req, reply) => {
    if (req.url.startsWith('/_sim/'))
      return reply.code(404).send({ error: { code: 'not_found', message: `no test API route ${req.method} ${req.url.split('?')[0]}` } });
    return reply.code(400).send(invalidParam(`(#100) Unknown path components: ${req.url.split('?')[0]}`).toBody());
  });
  return app;
}

/** Bearer token (or Graph's access_token query parameter); 190 + HTTP 401 when wrong or missing. */
export function checkToken(req: FastifyRequest, accessToken: string): void {
  const header = req.headers.authorization;
  const fromHeader = typeof header === 'string' && /^bearer\s+/i.test(header) ? header.replace(/^bearer\s+/i, '').trim() : undefined;
  const q = req.query as Record<string, unknown> | undefined;
  const fromQuery = typeof q?.access_token === 'string' ? q.access_token : undefined;
  if ((fromHeader ?? fromQuery) !== accessToken) throw tokenError();
}

/**
 * The version an unversioned Graph call (`/{object-id}...`) is served at. Graph serves such calls
 * at the app's default version (the one set in the App Dashboard); the simulator has no dashboard,
 * so it is this constant. Graph object ids are all digits, which tells a Graph path from the
 * simulator's own pages (`/_sim/...`, `/phone`, the media download path).
 */
export const defaultGraphVersion = 'v25.0';

/** `/123/messages` -> `/v25.0/123/messages`; every other URL unchanged. */
export function versioned(url: string): string {
  return /^\/\d+(?:[/?]|$)/.test(url) ? `/${defaultGraphVersion}${url}` : url;
}

/** Any `vNN.N` Graph version is accepted. */
export function checkVersion(version: string): void {
  if (!/^v\d{1,2}\.\d$/.test(version))
    throw invalidParam(`(#100) Unknown path components: /${version} is not a Graph API version (expected vNN.N)`);
}

/** Graph's answer for an id that is not this number / WABA / media / template. */
export function unknownObject(id: string, method: string): GraphError {
  return new GraphError(
    100,
    `Unsupported ${method.toLowerCase()} request. Object with ID '${id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`,
    `Object with ID '${id}' does not exist.`,
    400,
    { error_subcode: 33 },
  );
}
