import type { FastifySchema, RouteShorthandOptions } from 'fastify';
import { type TSchema, Type } from 'typebox';

/**
 * How a route declares its contract (docs/architecture.md, "Routes declare their schemas"):
 * TypeBox schemas for params, querystring, body and every 2xx response. Fastify validates the
 * request with them (errors in this API's shape: src/http/validation-error.ts), the TypeBox type
 * provider types `req.params`/`req.query`/`req.body` and the handler's return from them, and
 * @fastify/swagger publishes them in /openapi.json.
 *
 * Responses are serialised with JSON.stringify, not from the schema: Fastify's schema serializer
 * silently drops a property the schema forgot, which would turn an incomplete schema into a
 * missing field in production. Completeness is checked instead, in tests, where every 2xx answer
 * is validated against its schema with undeclared properties refused (src/http/response-check.ts).
 */

/** The keyword a property schema carries to keep the code (and status) the route documented for it. */
export const ERROR_KEYWORD = 'x-error';

export interface FieldError {
  code: string;
  /** Default 400. */
  status?: number;
  /** Default: `"<field>" <what the schema wanted>.` */
  message?: string;
  /** Added to the answer's `details` (next to `field`), e.g. the allowed values. */
  details?: Record<string, unknown>;
}

/** Schema options that make a validation failure of this property answer `status` `code` (default 400 invalid_request). */
export function fieldError(code: string, status = 400, message?: string, details?: Record<string, unknown>): Record<string, unknown> {
  return { [ERROR_KEYWORD]: { code, status, ...(message ? { message } : {}), ...(details ? { details } : {}) } satisfies FieldError };
}

/** The error body every 4xx answer has. */
export const ApiError = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'machine-readable, e.g. invalid_request, not_found' }),
      message: Type.String({ description: 'what went wrong and what to do, for people' }),
      details: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'e.g. {"field": "name"}' })),
      request_id: Type.Optional(
        Type.String({
          description:
            'the request id (also in the X-Request-Id header and on every log line of the request); quote it when reporting a problem',
        }),
      ),
    }),
  },
  { description: 'Error: {"error": {"code", "message", "details"?, "request_id"}}' },
);

/** A 204 answer: no body (`reply.status(204).send()`); `type: null` is how @fastify/swagger writes "no content". */
export const NoContent = Type.Unsafe<undefined>({ type: 'null', description: 'No content' });

/** ISO 8601 timestamp, as every `*_at` field is. */
export const Timestamp = (description = 'ISO 8601 time') => Type.String({ format: 'date-time', description });
/** A value or null (`options` on the union: a fieldError there answers for both). */
export const Nullable = <T extends TSchema>(schema: T, options: Record<string, unknown> = {}) => Type.Union([schema, Type.Null()], options);

export interface RouteSchemaInput extends FastifySchema {
  summary: string;
  description?: string;
  tags: string[];
  /** Every 2xx answer the route gives, each with `examples: [...]` (shown in /openapi.json). */
  response: Record<number, TSchema>;
}

const jsonSerializer = () => (data: unknown) => JSON.stringify(data);

/**
 * The options of a route that declares its schema: validated, typed and documented. Error answers
 * (`4XX`) are added here, and the bearer security requirement.
 */
export function routeSchema<const S extends RouteSchemaInput>(
  schema: S,
  extra: Pick<RouteShorthandOptions, 'config' | 'bodyLimit'> = {},
): {
  schema: Omit<S, 'response'> & { response: S['response'] & { '4XX': typeof ApiError } };
  serializerCompiler: typeof jsonSerializer;
} & typeof extra {
  return {
    ...extra,
    schema: { ...schema, security: [{ bearer: [] }], response: { ...schema.response, '4XX': ApiError } },
    serializerCompiler: jsonSerializer,
  };
}
