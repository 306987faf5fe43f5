import type { FastifySchemaValidationError } from 'fastify/types/schema.js';
import { ERROR_KEYWORD, type FieldError } from './route-schema.ts';

type Schema = Record<string, unknown>;
/** Ajv's error with `verbose: true` (app.ts): the failing schema and value come along. */
type AjvError = FastifySchemaValidationError & { parentSchema?: Schema; data?: unknown };

export interface ValidationAnswer {
  status: number;
  code: string;
  message: string;
  details: Record<string, unknown>;
}

/**
 * A request that failed its route's schema, in this API's terms: a body that is not a JSON object
 * is 400 `invalid_body`; an unknown field 400 `unknown_field` (every one in `details.fields`); a
 * property whose schema carries `x-error` (fieldError in route-schema.ts) its own code and status,
 * as the route documented before schemas validated; anything else 400 `invalid_request`. The field
 * at fault is always in `details.field` (dotted for nested ones).
 */
export function validationAnswer(errors: readonly AjvError[], context: string): ValidationAnswer {
  // Ajv reports every error (allErrors): the body's own shape first, then an unknown field, then the rest in order.
  const first =
    errors.find((e) => context === 'body' && !e.instancePath && e.keyword === 'type') ??
    errors.find((e) => e.keyword === 'additionalProperties') ??
    errors[0]!;
  const params: Record<string, unknown> = first.params ?? {};
  const path = (first.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.');
  const extra = typeof params.additionalProperty === 'string' ? params.additionalProperty : undefined;
  if (extra) {
    const allowed = Object.keys((first.parentSchema?.properties as Schema | undefined) ?? {});
    const data = first.data && typeof first.data === 'object' ? Object.keys(first.data) : [extra];
    const unknown = data.filter((k) => !allowed.includes(k));
    const names = unknown.map((k) => `"${k}"`).join(', ');
    const where = path ? `"${path}"` : `this ${context === 'querystring' ? 'query' : 'request'}`;
    return {
      status: 400,
      code: 'unknown_field',
      message: `Unknown field${unknown.length > 1 ? 's' : ''} ${names} in ${where}. ${allowed.length > 0 ? `Allowed: ${allowed.join(', ')}.` : 'It takes no fields.'}`,
      details: { field: extra, fields: unknown },
    };
  }
  const missing = typeof params.missingProperty === 'string' ? params.missingProperty : undefined;
  const field = missing ? (path ? `${path}.${missing}` : missing) : path || context;
  if (context === 'body' && !path && !missing && first.keyword === 'type') {
    return {
      status: 400,
      code: 'invalid_body',
      message: 'Send a JSON object (Content-Type: application/json).',
      details: { field: 'body' },
    };
  }
  const custom = customError(errors, first.instancePath ?? '', missing);
  if (custom)
    return {
      status: custom.status ?? 400,
      code: custom.code,
      message: custom.message ?? `"${field}" ${first.message ?? 'is not valid'}.`,
      details: { field, ...custom.details },
    };
  const wanted = missing ? 'is required' : (first.message ?? 'is not valid');
  return { status: 400, code: 'invalid_request', message: `"${field}" ${wanted}.`, details: { field } };
}

/**
 * The `x-error` of the property at fault: on the schema that failed, on the missing property's
 * schema, or on an enclosing schema of the same value (a nullable union reports its branch first).
 */
function customError(errors: readonly AjvError[], instancePath: string, missing: string | undefined): FieldError | undefined {
  for (const e of errors) {
    if ((e.instancePath ?? '') !== instancePath) continue;
    const schema = missing ? ((e.parentSchema?.properties as Record<string, Schema> | undefined)?.[missing] ?? undefined) : e.parentSchema;
    const found = schema?.[ERROR_KEYWORD] as FieldError | undefined;
    if (found) return found;
  }
  return undefined;
}
