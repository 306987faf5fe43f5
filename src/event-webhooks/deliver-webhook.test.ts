import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { postSignedWebhook, type SignedPost } from './deliver-webhook.ts';

const seen: Array<{ headers: IncomingHttpHeaders; body: string }> = [];
const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    seen.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
    if (req.url === '/ok') res.writeHead(202).end('accepted');
    else if (req.url === '/big') res.writeHead(200).end('y'.repeat(100_000));
    else if (req.url === '/redirect') res.writeHead(302, { location: '/ok' }).end();
    else if (req.url === '/slow') setTimeout(() => res.writeHead(200).end(), 2_000).unref();
    else res.writeHead(404).end('no');
  });
});
let base = '';

before(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const post = (path: string, over: Partial<SignedPost> = {}) =>
  postSignedWebhook({
    url: `${base}${path}`,
    body: '{"id":"evt_1","type":"ping","created_at":"2026-01-01T00:00:00.000Z","data":{}}',
    secret: 'whsec_test_secret_123456',
    headers: { 'switchboard-event-id': 'evt_1' },
    now: 1_767_225_600_123,
    timeoutMs: 1_000,
    allowPrivate: true,
    responseExcerptBytes: 16,
    ...over,
  });

test('a 2xx is success; the exact body is sent, signed over "<t>.<body>"', async () => {
  const r = await post('/ok');
  assert.deepEqual({ ...r, durationMs: 0 }, { ok: true, statusCode: 202, error: null, durationMs: 0, responseExcerpt: 'accepted' });
  const got = seen.at(-1)!;
  assert.equal(got.body, '{"id":"evt_1","type":"ping","created_at":"2026-01-01T00:00:00.000Z","data":{}}');
  const expected = createHmac('sha256', 'whsec_test_secret_123456').update(`1767225600.${got.body}`).digest('hex');
  assert.equal(got.headers['switchboard-signature'], `t=1767225600,v1=${expected}`);
  assert.equal(got.headers['switchboard-event-id'], 'evt_1');
  assert.equal(got.headers['content-type'], 'application/json');
});

test('other statuses, redirects and timeouts are failures with a reason', async () => {
  const notFound = await post('/nope');
  assert.deepEqual([notFound.ok, notFound.statusCode, notFound.error, notFound.responseExcerpt], [false, 404, 'HTTP 404', 'no']);
  const redirect = await post('/redirect');
  assert.deepEqual([redirect.ok, redirect.statusCode], [false, 302]);
  const slow = await post('/slow', { timeoutMs: 200 });
  assert.deepEqual([slow.ok, slow.statusCode, slow.error], [false, null, 'timed out after 200 ms']);
  assert.ok(slow.durationMs >= 150 && slow.durationMs < 1_500, `${slow.durationMs} ms`);
  const refused = await post('/ok', { url: 'http://127.0.0.1:1/ok' });
  assert.equal(refused.ok, false);
  assert.match(refused.error ?? '', /ECONNREFUSED/);
});

test('a long answer is cut to the excerpt size', async () => {
  const r = await post('/big');
  assert.equal(r.ok, true);
  assert.equal(r.responseExcerpt, 'y'.repeat(16));
});

test('private addresses are refused unless allowed, before any request', async () => {
  const before = seen.length;
  const literal = await post('/ok', { allowPrivate: false });
  assert.equal(literal.ok, false);
  assert.match(literal.error ?? '', /private address 127\.0\.0\.1/);
  const named = await post('/ok', { allowPrivate: false, url: `${base.replace('127.0.0.1', 'localhost')}/ok` });
  assert.equal(named.ok, false);
  assert.match(named.error ?? '', /private address localhost/);
  assert.equal(seen.length, before, 'nothing reached the server');
  const scheme = await post('/ok', { url: 'file:///etc/passwd' });
  assert.match(scheme.error ?? '', /unsupported URL scheme/);
});
