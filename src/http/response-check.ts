import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifyInstance } from 'fastify';
import { HttpError } from '../core/http-error.ts';
import { ERROR_KEYWORD } from './route-schema.ts';

// ajv-formats is CommonJS: its default export is the plugin under tsx and node alike, typed as a namespace.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

type Schema = Record<string, unknown>;

/**
 * Test mode (Config.checkResponseSchemas): every 2xx answer of a route that declares a response
 * schema for its status is validated against it, with every object closed (a property the schema
 * does not declare fails too), so a schema that drifts from what the handler returns fails the
 * test that made the request: 500 `response_schema_mismatch` naming what differs. Production
 * serialises without checking (route-schema.ts says why).
 */
export function installResponseCheck(app: FastifyInstance): void {
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addKeyword({ keyword: ERROR_KEYWORD });
  const compiled = new WeakMap<object, ValidateFunction>();
  app.addHook('preSerialization', async (req, reply, payload) => {
    if (reply.statusCode < 200 || reply.statusCode >= 300) return payload;
    const responses = (req.routeOptions.schema?.response ?? {}) as Record<string, Schema>;
    const schema = responses[String(reply.statusCode)];
    if (!schema || !isTyped(schema)) return payload;
    let validate = compiled.get(schema);
    if (!validate) {
      validate = ajv.compile(closed(schema) as Schema);
      compiled.set(schema, validate);
    }
    // Compare what goes on the wire (dates as strings...), not the objects the handler built.
    if (!validate(JSON.parse(JSON.stringify(payload)))) {
      const what = (validate.errors ?? [])
        .slice(0, 5)
        .map(
          (e) =>
            `${e.instancePath || '/'} ${e.message}${e.params && 'additionalProperty' in e.params ? ` "${e.params.additionalProperty}"` : ''}`,
        );
      throw new HttpError(
        500,
        'response_schema_mismatch',
        `${req.method} ${req.routeOptions.url} ${reply.statusCode} does not match its schema: ${what.join('; ')}`,
      );
    }
    return payload;
  });
}

/** A schema that says something: not the `{type: 'object', additionalProperties: true}` of routes not yet converted. */
export function isTyped(schema: Schema): boolean {
  if (schema.type === 'object') return schema.properties !== undefined && Object.keys(schema.properties as object).length > 0;
  return schema.type !== undefined || Array.isArray(schema.anyOf) || Array.isArray(schema.oneOf);
}

/** A copy in which every object with declared properties refuses undeclared ones. */
export function closed(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(closed);
  if (schema === null || typeof schema !== 'object') return schema;
  const out: Schema = {};
  for (const [k, v] of Object.entries(schema)) out[k] = k === 'examples' || k === 'example' ? v : closed(v);
  if (out.type === 'object' && out.properties && out.additionalProperties === undefined && out.patternProperties === undefined)
    out.additionalProperties = false;
  return out;
}
