import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, test } from 'node:test';
import { startSimulator, type Simulator } from '../../src/simulator/index.ts';
import { SECRET, TOKEN, testSimulator, VERIFY } from './helpers.ts';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: any;
}

/** Plain node:http, so the test controls the Host header as a DNS-rebinding page's browser would send it. */
function call(sim: Simulator, method: string, path: string, headers: Record<string, string> = {}, body?: unknown): Promise<Answer> {
  const url = new URL(sim.url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        method,
        path,
        headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => {
          let parsed: any = text;
          try {
            parsed = text ? JSON.parse(text) : undefined;
          } catch {
            // HTML or empty
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parsed });
        });
      },
    );
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

let sim: Simulator;
before(async () => {
  sim = await testSimulator();
});
after(() => sim.close());

test('/_sim without the test token, or with a wrong one: 401 {error:{code,message}}, nothing done', async () => {
  const attempts: Array<Record<string, string>> = [
    {},
    { authorization: 'Bearer nope' },
    { 'x-sim-token': 'nope' },
    { authorization: `Bearer ${TOKEN}` },
    { cookie: `sim_token_${new URL(sim.url).port}=nope` },
  ];
  for (const headers of attempts) {
    for (const [method, path, body] of [
      ['GET', '/_sim/info'],
      ['GET', '/_sim/customers'],
      ['GET', '/_sim/outbound'],
      ['POST', '/_sim/webhook', { url: 'http://127.0.0.1:1/evil' }],
      ['POST', '/_sim/clock/advance', { ms: 1000 }],
      ['GET', '/_sim/events'],
      ['GET', '/_sim/no-such-route'],
      // Percent-escapes reach the same routes: they are guarded the same way.
      ['GET', '/%5Fsim/info'],
      ['GET', '/_%73im/customers'],
    ] as const) {
      const r = await call(sim, method, path, headers, body);
      assert.equal(r.status, 401, `${method} ${path} with ${JSON.stringify(headers)}`);
      assert.equal(r.body.error.code, 'invalid_test_token');
      assert.match(r.body.error.message, /test token/);
    }
  }
  assert.equal(sim.webhookUrl, undefined, 'the webhook URL was not changed');
});

test('/_sim with the token (Bearer, x-sim-token) works', async () => {
  const bearer = await call(sim, 'GET', '/_sim/info', { authorization: `Bearer ${sim.testToken}` });
  assert.equal(bearer.status, 200);
  assert.equal(bearer.body.phone_number_id, sim.phoneNumberId);
  const header = await call(sim, 'GET', '/_sim/customers', { 'x-sim-token': sim.testToken });
  assert.equal(header.status, 200);
  assert.deepEqual(header.body, { data: [] });
});

test('a non-loopback Host (DNS rebinding) is refused with 421 on /_sim and /phone, even with the token; Graph API unaffected', async () => {
  const port = new URL(sim.url).port;
  for (const host of [
    `evil.example:${port}`,
    'evil.example',
    `127.0.0.1.nip.io:${port}`,
    `localhost.evil.example:${port}`,
    `10.0.0.5:${port}`,
  ]) {
    for (const path of [
      '/_sim/info',
      '/%5fsim/customers',
      '/_sim/customers',
      '/phone',
      '/%70hone',
      `/phone?token=${sim.testToken}`,
      '/phone/app.js',
    ]) {
      const r = await call(sim, 'GET', path, { host, authorization: `Bearer ${sim.testToken}` });
      assert.equal(r.status, 421, `${path} with Host "${host}"`);
      assert.equal(r.body.error.code, 'host_not_allowed');
      assert.match(r.body.error.message, /loopback Host/);
      assert.equal(r.headers['set-cookie'], undefined);
    }
  }
  for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST:${port}`, `[::1]:${port}`, 'localhost']) {
    const r = await call(sim, 'GET', '/_sim/info', { host, authorization: `Bearer ${sim.testToken}` });
    assert.equal(r.status, 200, `Host "${host}"`);
  }
  // Meta's API is reached by the app by whatever name: its access token is the guard there.
  const graph = await call(sim, 'GET', `/v21.0/${sim.phoneNumberId}`, {
    host: 'simulator.internal:4010',
    authorization: `Bearer ${TOKEN}`,
  });
  assert.equal(graph.status, 200);
});

test('the phone page link: ?token= sets an HttpOnly SameSite=Strict cookie and drops the token from the URL; the cookie opens /_sim', async () => {
  const port = new URL(sim.url).port;
  assert.equal(sim.phonePageUrl, `${sim.url}/phone?token=${sim.testToken}`);
  const open = await call(sim, 'GET', `/phone?token=${sim.testToken}&wa_id=16505551234&name=Ana`);
  assert.equal(open.status, 303);
  assert.equal(open.headers.location, '/phone?wa_id=16505551234&name=Ana');
  const setCookie = String(open.headers['set-cookie']);
  assert.match(setCookie, new RegExp(`^sim_token_${port}=${sim.testToken};`));
  assert.match(setCookie, /HttpOnly/);
  assert.match(setCookie, /SameSite=Strict/);
  const cookie = setCookie.split(';')[0]!;
  const page = await call(sim, 'GET', '/phone?wa_id=16505551234', { cookie });
  assert.equal(page.status, 200);
  assert.match(String(page.body), /<title>Switchboard simulator/);
  const viaCookie = await call(sim, 'GET', '/_sim/clock', { cookie: `other=1; ${cookie}` });
  assert.equal(viaCookie.status, 200);
  assert.equal(typeof viaCookie.body.now, 'number');

  const wrong = await call(sim, 'GET', '/phone?token=wrong-token-wrong-token');
  assert.equal(wrong.status, 401);
  assert.equal(wrong.body.error.code, 'invalid_test_token');
  assert.equal(wrong.headers['set-cookie'], undefined);
  // The page itself holds no secret: without a token it loads, and its API calls are refused.
  assert.equal((await call(sim, 'GET', '/phone')).status, 200);
});

test('testToken option: a chosen token is used; a short or odd one is refused at start', async (t) => {
  const chosen = 'my-own-sim-token-0123456789';
  const own = await startSimulator({ accessToken: TOKEN, appSecret: SECRET, verifyToken: VERIFY, testToken: chosen });
  t.after(() => own.close());
  assert.equal(own.testToken, chosen);
  assert.equal((await call(own, 'GET', '/_sim/info', { 'x-sim-token': chosen })).status, 200);
  const generated = await testSimulator();
  t.after(() => generated.close());
  assert.match(generated.testToken, /^[A-Za-z0-9_-]{32}$/);
  assert.notEqual(generated.testToken, sim.testToken, 'a new token per start');
  for (const bad of ['short', 'has spaces in it, sixteen+', 'x'.repeat(201)]) {
    await assert.rejects(
      startSimulator({ accessToken: TOKEN, appSecret: SECRET, verifyToken: VERIFY, testToken: bad }),
      /testToken must be 16-200 characters/,
    );
  }
});
