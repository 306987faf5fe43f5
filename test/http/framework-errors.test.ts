import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, test } from 'node:test';
import { startBare } from '../support/bare-switchboard.ts';
import { forEachDialect } from '../support/dialects.ts';
import { ADMIN_TOKEN } from '../support/test-config.ts';

/** Every answer Fastify itself would otherwise write: status, and the API's one error shape. */
forEachDialect('http: framework errors answer {error: {code, message}}', (dialect) => {
  let bare: Awaited<ReturnType<typeof startBare>>;
  let url: string;
  before(async () => {
    bare = await startBare(dialect);
    url = bare.app.url;
  });
  after(async () => {
    await bare?.stop();
  });

  const TOKEN = { authorization: `Bearer ${ADMIN_TOKEN}` };
  const send = async (method: string, path: string, headers: Record<string, string> = {}, body?: string) => {
    const res = await fetch(`${url}${path}`, { method, headers, ...(body === undefined ? {} : { body }) });
    const text = await res.text();
    return { status: res.status, type: res.headers.get('content-type') ?? '', body: JSON.parse(text) as unknown };
  };
  const assertError = (res: { status: number; type: string; body: unknown }, status: number, code: string, what: string) => {
    assert.equal(res.status, status, `${what}: ${JSON.stringify(res.body)}`);
    assert.match(res.type, /^application\/json/, what);
    assert.deepEqual(Object.keys(res.body as object), ['error'], `${what}: only {error}`);
    const error = (res.body as { error: Record<string, unknown> }).error;
    assert.equal(error.code, code, `${what}: ${JSON.stringify(res.body)}`);
    assert.equal(typeof error.message, 'string', what);
    assert.ok(String(error.message).length > 0, what);
    assert.equal(error.statusCode, undefined, `${what}: not Fastify's own body`);
  };

  test('a path parameter over 100 characters is 414 param_too_long, with or without a token, on every route with a parameter', async () => {
    const long = 'x'.repeat(101);
    const doc = (await send('GET', '/openapi.json')).body as { paths: Record<string, Record<string, unknown>> };
    let routes = 0;
    for (const [path, ops] of Object.entries(doc.paths)) {
      if (!path.includes('{')) continue;
      for (const method of Object.keys(ops)) {
        const target = path.replace(/\{\w+\}/, long).replace(/\{\w+\}/g, 'x');
        routes++;
        assertError(await send(method.toUpperCase(), target, TOKEN), 414, 'param_too_long', `${method} ${path} with a token`);
        assertError(await send(method.toUpperCase(), target), 414, 'param_too_long', `${method} ${path} without a token`);
      }
    }
    assert.ok(routes >= 40, `walked ${routes} routes with a path parameter`);
  });

  test('a malformed %-escape in the path is 400 invalid_url', async () => {
    assertError(await send('GET', '/api/v1/conversations/%E0%A4%A', TOKEN), 400, 'invalid_url', 'with a token');
    assertError(await send('GET', '/api/v1/conversations/%E0%A4%A'), 400, 'invalid_url', 'without a token');
  });

  test('a body over the limit is 413 body_too_large; without a token 401 comes first', async () => {
    const big = JSON.stringify({ name: 'x'.repeat(1024 * 1024 + 10) });
    assertError(
      await send('POST', '/api/v1/labels', { ...TOKEN, 'content-type': 'application/json' }, big),
      413,
      'body_too_large',
      'with a token',
    );
    assertError(await send('POST', '/api/v1/labels', { 'content-type': 'application/json' }, big), 401, 'unauthorized', 'without a token');
  });

  test('a Content-Type the route does not take is 415 unsupported_media_type, naming it', async () => {
    const xml = await send('POST', '/api/v1/labels', { ...TOKEN, 'content-type': 'application/xml' }, '<label/>');
    assertError(xml, 415, 'unsupported_media_type', 'xml');
    assert.match((xml.body as { error: { message: string } }).error.message, /application\/xml/);
    assertError(
      await send('POST', '/api/v1/labels', { 'content-type': 'application/xml' }, '<label/>'),
      401,
      'unauthorized',
      'without a token',
    );
  });

  test('malformed JSON, an empty JSON body and a __proto__ key are 400 invalid_json', async () => {
    const json = { ...TOKEN, 'content-type': 'application/json' };
    assertError(await send('POST', '/api/v1/labels', json, '{"name": '), 400, 'invalid_json', 'truncated JSON');
    assertError(await send('POST', '/api/v1/labels', json, ''), 400, 'invalid_json', 'empty JSON body');
    assertError(
      await send('POST', '/api/v1/labels', json, '{"name": "x", "__proto__": {"admin": true}}'),
      400,
      'invalid_json',
      '__proto__',
    );
    assertError(
      await send('POST', '/api/v1/labels', { 'content-type': 'application/json' }, '{"name": '),
      401,
      'unauthorized',
      'without a token',
    );
  });

  test('an unknown route or method is 404 not_found with or without a token; there is no 406: an unmet Accept still gets JSON', async () => {
    assertError(await send('GET', '/api/v1/nope', TOKEN), 404, 'not_found', 'unknown API route');
    assertError(await send('GET', '/api/v1/nope'), 404, 'not_found', 'unknown API route without a token');
    assertError(await send('GET', '/nope'), 404, 'not_found', 'unknown top-level route');
    assertError(await send('PROPFIND', '/api/v1/labels', TOKEN), 404, 'not_found', 'unknown method');
    assertError(await send('GET', '/api/v1/nope', { ...TOKEN, accept: 'text/html' }), 404, 'not_found', 'Accept: text/html');
    const labels = await send('GET', '/api/v1/labels', { ...TOKEN, accept: 'application/xml' });
    assert.equal(labels.status, 200);
    assert.match(labels.type, /^application\/json/);
  });

  test("requests Node's HTTP parser refuses (junk, oversized headers) get the same JSON shape", async () => {
    const raw = (request: string) =>
      new Promise<string>((resolve, reject) => {
        const { hostname, port } = new URL(url);
        const socket = connect(Number(port), hostname, () => socket.write(request));
        let out = '';
        socket.on('data', (d) => (out += d.toString('utf8')));
        socket.on('close', () => resolve(out));
        socket.on('error', reject);
      });
    const parse = (response: string) => {
      const [head = '', body = ''] = response.split('\r\n\r\n');
      return {
        status: Number(head.split(' ')[1]),
        type: /content-type: ([^\r\n]+)/i.exec(head)?.[1] ?? '',
        body: JSON.parse(body) as unknown,
      };
    };
    assertError(parse(await raw('NOT HTTP AT ALL\r\n\r\n')), 400, 'bad_request', 'junk request line');
    assertError(
      parse(await raw(`GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`)),
      431,
      'headers_too_large',
      'oversized headers',
    );
  });
});
