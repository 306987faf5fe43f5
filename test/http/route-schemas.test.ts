import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { BODYLESS_ROUTES } from '../../src/http/body-guard.ts';
import { closed, isTyped } from '../../src/http/response-check.ts';
import { ERROR_KEYWORD } from '../../src/http/route-schema.ts';
import { forEachDialect } from '../support/dialects.ts';
import { startWorld, type World } from '../support/test-world.ts';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/**
 * Operations that do not declare their whole contract yet (docs/architecture.md, "Routes declare
 * their schemas"). This list may only shrink: converting a route file makes its operations pass,
 * and the test then fails until they are taken off the list, so it always says what is left.
 */
const NOT_YET_CONVERTED: readonly string[] = [];

/** Bodies that are not a JSON object of named fields (see request-bodies.test.ts); they need no body schema. */
const FREE_FORM_BODIES = new Set(['POST /api/v1/media', 'POST /api/v1/audiences/import']);

type Schema = Record<string, unknown>;
interface Media {
  schema?: Schema;
  example?: unknown;
  examples?: Record<string, { value: unknown }>;
}
interface Operation {
  summary?: string;
  parameters?: Array<{ in: string; name: string; schema?: Schema }>;
  requestBody?: { content?: Record<string, Media> };
  responses?: Record<string, { content?: Record<string, Media> }>;
}
interface Doc {
  paths: Record<string, Record<string, Operation>>;
}

/** What an operation lacks of its declared contract; empty when complete. */
function lacks(method: string, path: string, op: Operation): string[] {
  const missing: string[] = [];
  if (!op.summary) missing.push('summary');
  for (const name of [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1])) {
    if (!op.parameters?.some((p) => p.in === 'path' && p.name === name && p.schema?.type)) missing.push(`params.${name}`);
  }
  const route = `${method} ${path.replace(/\{(\w+)\}/g, ':$1')}`;
  if (['POST', 'PUT', 'PATCH'].includes(method) && !BODYLESS_ROUTES.has(route) && !FREE_FORM_BODIES.has(route)) {
    const body = op.requestBody?.content?.['application/json']?.schema;
    if (!body || !isTyped(body)) missing.push('body');
  }
  const ok = Object.entries(op.responses ?? {}).filter(([status]) => /^2\d\d$/.test(status));
  if (ok.length === 0) missing.push('2xx response');
  for (const [status, res] of ok) {
    if (status === '204') {
      if (res.content) missing.push('204 without content');
      continue;
    }
    const media = Object.values(res.content ?? {})[0];
    if (!media?.schema || !isTyped(media.schema)) missing.push(`${status} response schema`);
    else if (media.example === undefined && media.examples === undefined) missing.push(`${status} example`);
  }
  return missing;
}

forEachDialect('http: every route declares its schema, and /openapi.json is valid OpenAPI 3', (dialect) => {
  let w: World;
  let doc: Doc;
  before(async () => {
    w = await startWorld({ dialect });
    doc = (await w.api('GET', '/openapi.json')).body;
  });
  after(async () => {
    await w?.stop();
  });

  test('/openapi.json validates as OpenAPI 3', async () => {
    const result = await new Validator().validate(doc as never);
    assert.equal(result.valid, true, JSON.stringify(result.errors, null, 1)?.slice(0, 3000));
  });

  test('every /api/v1 operation has a summary, params, a body and a typed 2xx response with an example — or is on the list that may only shrink', () => {
    const incomplete: string[] = [];
    const problems: string[] = [];
    for (const [path, ops] of Object.entries(doc.paths)) {
      if (!path.startsWith('/api/v1/')) continue;
      for (const [m, op] of Object.entries(ops)) {
        const key = `${m.toUpperCase()} ${path}`;
        const missing = lacks(m.toUpperCase(), path, op);
        if (missing.length > 0) incomplete.push(key);
        if (missing.length > 0 && !NOT_YET_CONVERTED.includes(key)) problems.push(`${key} lacks ${missing.join(', ')}`);
        if (missing.length === 0 && NOT_YET_CONVERTED.includes(key)) problems.push(`${key} is converted: take it off NOT_YET_CONVERTED`);
      }
    }
    for (const key of NOT_YET_CONVERTED)
      if (!incomplete.includes(key) && !problems.some((p) => p.startsWith(key))) problems.push(`${key} is not a route`);
    assert.deepEqual(problems, [], `still incomplete: ${JSON.stringify(incomplete.sort(), null, 2)}`);
  });

  test('every example matches the schema it illustrates (undeclared fields refused)', () => {
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(ajv);
    ajv.addKeyword({ keyword: ERROR_KEYWORD });
    let checked = 0;
    const wrong: string[] = [];
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [m, op] of Object.entries(ops)) {
        const media = [
          ['body', op.requestBody?.content?.['application/json']],
          ...Object.entries(op.responses ?? {}).map(([status, r]) => [status, r.content?.['application/json']] as const),
        ] as const;
        for (const [where, content] of media) {
          if (!content?.schema) continue;
          const examples = [
            ...(content.example !== undefined ? [content.example] : []),
            ...Object.values(content.examples ?? {}).map((e) => e.value),
          ];
          const validate = ajv.compile(closed(content.schema) as Schema);
          for (const example of examples) {
            checked++;
            if (!validate(example)) wrong.push(`${m.toUpperCase()} ${path} ${where}: ${ajv.errorsText(validate.errors)}`);
          }
        }
      }
    }
    assert.deepEqual(wrong, []);
    assert.ok(checked > 0, 'some examples were checked');
  });

  test('validation errors keep this API shape: unknown_field, invalid_body, a field’s own code, invalid_request', async () => {
    const cases: Array<[unknown, number, string, string]> = [
      [{ name: 'x', colour: '#fff' }, 400, 'unknown_field', 'colour'],
      ['x', 400, 'invalid_body', 'body'],
      [{ color: '#ff8800' }, 422, 'invalid_label_name', 'name'],
      [{ name: 'ok', color: 'red' }, 422, 'invalid_color', 'color'],
    ];
    for (const [body, status, code, field] of cases) {
      const res = await w.api('POST', '/api/v1/labels', body);
      const what = `${JSON.stringify(body)} -> ${res.status} ${JSON.stringify(res.body)}`;
      assert.equal(res.status, status, what);
      assert.equal(res.body.error.code, code, what);
      assert.equal(res.body.error.details.field, field, what);
      assert.equal(typeof res.body.error.message, 'string');
    }
    const bad = await w.api('PUT', `/api/v1/conversations/${'c'.repeat(10)}/labels/${encodeURIComponent(' ')}`);
    assert.equal(bad.status, 422, 'a semantic check the handler keeps (a blank label name) still answers');
  });
});

test('test mode fails a 2xx answer that does not match its schema: a missing field, a wrong type, an undeclared field', async () => {
  const { default: Fastify } = await import('fastify');
  const { Type } = await import('typebox');
  const { installErrorHandler } = await import('../../src/http/error-handler.ts');
  const { installResponseCheck } = await import('../../src/http/response-check.ts');
  const { routeSchema } = await import('../../src/http/route-schema.ts');
  const app = Fastify();
  installErrorHandler(app);
  installResponseCheck(app);
  const schema = routeSchema({ summary: 's', tags: ['t'], response: { 200: Type.Object({ id: Type.String(), n: Type.Integer() }) } });
  for (const [path, body] of [
    ['/ok', { id: 'a', n: 1 }],
    ['/missing', { id: 'a' }],
    ['/type', { id: 'a', n: 'one' }],
    ['/extra', { id: 'a', n: 1, secret: 'x' }],
  ] as const) {
    app.get(path, schema, async () => body as never);
  }
  app.get('/error', schema, async (_req, reply) => reply.status(404).send({ error: { code: 'not_found', message: 'no' } }));
  assert.equal((await app.inject('/ok')).statusCode, 200);
  for (const path of ['/missing', '/type', '/extra']) {
    const res = await app.inject(path);
    assert.equal(res.statusCode, 500, path);
    assert.equal(res.json().error.code, 'response_schema_mismatch', path);
  }
  assert.match((await app.inject('/extra')).json().error.message, /secret/);
  assert.equal((await app.inject('/error')).statusCode, 404, 'error answers are not checked against the 2xx schema');
  await app.close();
});
