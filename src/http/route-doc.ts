import type { RouteShorthandOptions } from 'fastify';

type JsonSchema = Record<string, unknown>;

export interface RouteDocInput {
  summary: string;
  description?: string;
  tags: string[];
  params?: Record<string, JsonSchema>;
  querystring?: Record<string, JsonSchema>;
  body?: JsonSchema;
  /** Status codes the route answers with besides the error ones, e.g. { 200: 'the page' }. */
  responses?: Record<number, string>;
}

/**
 * Route options that describe a route in the OpenAPI document without validating with it: the
 * handlers check their input themselves, so a bad value gets this API's own 4xx code and field
 * rather than Ajv's message, and no response schema strips fields while serialising.
 */
export function routeDoc(doc: RouteDocInput, extra: Pick<RouteShorthandOptions, 'config'> = {}): RouteShorthandOptions {
  const schema: Record<string, unknown> = { summary: doc.summary, tags: doc.tags, security: [{ bearer: [] }] };
  if (doc.description) schema.description = doc.description;
  if (doc.params) schema.params = objectOf(doc.params, Object.keys(doc.params));
  if (doc.querystring) schema.querystring = objectOf(doc.querystring, []);
  if (doc.body) schema.body = doc.body;
  const responses: Record<string, unknown> = {};
  for (const [status, description] of Object.entries(doc.responses ?? { 200: 'OK' }))
    responses[status] = { description, type: 'object', additionalProperties: true };
  responses['4XX'] = {
    description: 'Error: {"error": {"code", "message", "details"?, "request_id"}}',
    type: 'object',
    additionalProperties: true,
  };
  schema.response = responses;
  return {
    ...extra,
    schema,
    validatorCompiler: () => () => true,
    // The response entries are documentation: serialise whatever the handler returns, as before.
    serializerCompiler: () => (data: unknown) => JSON.stringify(data),
  };
}

function objectOf(properties: Record<string, JsonSchema>, required: string[]): JsonSchema {
  return { type: 'object', properties, ...(required.length > 0 ? { required } : {}) };
}

export const str = (description: string, extra: JsonSchema = {}): JsonSchema => ({ type: 'string', description, ...extra });
export const int = (description: string, extra: JsonSchema = {}): JsonSchema => ({ type: 'integer', description, ...extra });
export const bool = (description: string): JsonSchema => ({ type: 'boolean', description });
export const obj = (properties: Record<string, JsonSchema>, required: string[] = [], description?: string): JsonSchema => ({
  type: 'object',
  properties,
  ...(required.length > 0 ? { required } : {}),
  ...(description ? { description } : {}),
});
export const idParam = (description: string) => ({ id: str(description) });
