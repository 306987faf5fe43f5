import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { createWhatsAppCloudAdapter } from './whatsapp-cloud-adapter.ts';
import { startRecordingGraphServer, type ScriptedReply } from './recording-graph-server.ts';

const TEXT = { to: '16505551234', content: { type: 'text', text: 'hi' } } as const;

function metaError(code: number, title: string, details: string): unknown {
  return {
    error: {
      message: `(#${code}) ${title}`,
      type: 'OAuthException',
      code,
      error_data: { messaging_product: 'whatsapp', details },
      fbtrace_id: 'AbC',
    },
  };
}

// Scripted Meta replies and how each must be classified.
const table: Array<{ reply: ScriptedReply; retryable: boolean; code: string; retryAfterMs?: number; message?: string }> = [
  {
    reply: { status: 400, body: metaError(130429, 'Rate limit hit', 'Cloud API message throughput has been reached.') },
    retryable: true,
    code: 'whatsapp_130429',
    retryAfterMs: 1000,
    message: '(#130429) Rate limit hit: Cloud API message throughput has been reached.',
  },
  {
    reply: {
      status: 400,
      body: metaError(
        131056,
        '(Business Account, Consumer Account) pair rate limit hit',
        'Too many messages sent from this phone number to the same phone number in a short period of time.',
      ),
    },
    retryable: true,
    code: 'whatsapp_131056',
    retryAfterMs: 6000,
  },
  {
    reply: { status: 500, body: metaError(131000, 'Something went wrong', 'Message failed to send due to an unknown error.') },
    retryable: true,
    code: 'whatsapp_131000',
  },
  {
    reply: { status: 503, body: metaError(131016, 'Service unavailable', 'A service is temporarily unavailable.') },
    retryable: true,
    code: 'whatsapp_131016',
  },
  { reply: { status: 400, body: metaError(2, 'Service temporarily unavailable', 'x') }, retryable: true, code: 'whatsapp_2' },
  { reply: { status: 400, body: metaError(131057, 'Account in maintenance mode', 'x') }, retryable: true, code: 'whatsapp_131057' },
  { reply: { status: 400, body: metaError(80007, 'Rate limit issues', 'x') }, retryable: true, code: 'whatsapp_80007' },
  {
    reply: {
      status: 400,
      body: metaError(
        131047,
        'Re-engagement message',
        'Message failed to send because more than 24 hours have passed since the customer last replied to this number.',
      ),
    },
    retryable: false,
    code: 'whatsapp_131047',
    message:
      '(#131047) Re-engagement message: Message failed to send because more than 24 hours have passed since the customer last replied to this number.',
  },
  {
    reply: { status: 400, body: metaError(100, 'Invalid parameter', 'Parameter value is not valid') },
    retryable: false,
    code: 'whatsapp_100',
  },
  { reply: { status: 400, body: metaError(131008, 'Required parameter is missing', 'x') }, retryable: false, code: 'whatsapp_131008' },
  { reply: { status: 400, body: metaError(131026, 'Message undeliverable', 'x') }, retryable: false, code: 'whatsapp_131026' },
  {
    reply: { status: 400, body: metaError(132001, 'Template name does not exist in the translation', 'x') },
    retryable: false,
    code: 'whatsapp_132001',
  },
  {
    reply: { status: 401, body: metaError(190, 'Error validating access token', 'Session has expired') },
    retryable: false,
    code: 'whatsapp_190',
  },
  {
    reply: { status: 502, body: '<html>bad gateway</html>' },
    retryable: true,
    code: 'http_502',
    message: 'HTTP 502: <html>bad gateway</html>',
  },
  { reply: { status: 404, body: 'Not Found' }, retryable: false, code: 'http_404' },
  { reply: { status: 429, body: '', headers: { 'retry-after': '7' } }, retryable: true, code: 'http_429', retryAfterMs: 7000 },
  {
    reply: { status: 400, body: metaError(130429, 'Rate limit hit', 'x'), headers: { 'retry-after': '3' } },
    retryable: true,
    code: 'whatsapp_130429',
    retryAfterMs: 3000,
  },
  { reply: { status: 200, body: { messaging_product: 'whatsapp', messages: [] } }, retryable: false, code: 'invalid_response' },
  { reply: { status: 200, body: 'OK' }, retryable: false, code: 'invalid_response' },
];

test('Graph error replies are classified retryable or permanent', async () => {
  let i = 0;
  const server = await startRecordingGraphServer(() => table[i]?.reply ?? { status: 500 });
  const adapter = createWhatsAppCloudAdapter({ graphUrl: server.url, apiVersion: 'v21.0', phoneNumberId: '1', accessToken: 't' });
  try {
    for (; i < table.length; i++) {
      const row = table[i];
      assert.ok(row);
      const r = await adapter.send(TEXT);
      assert.equal(r.ok, false, row.code);
      if (r.ok) continue;
      assert.equal(r.code, row.code);
      assert.equal(r.retryable, row.retryable, row.code);
      assert.equal(r.retryAfterMs, row.retryAfterMs, row.code);
      if (row.message !== undefined) assert.equal(r.message, row.message);
      if (row.reply !== 'hang') assert.equal(r.httpStatus, row.reply.status);
    }
    // markRead goes through the same classification.
    i = 0;
    const read = await adapter.markRead('wamid.X');
    assert.equal(read.ok, false);
    assert.ok(!read.ok && read.code === 'whatsapp_130429' && read.retryable);
  } finally {
    await adapter.close();
    await server.close();
  }
});

test('no reply within timeoutMs -> retryable timeout', async () => {
  const server = await startRecordingGraphServer(() => 'hang');
  const adapter = createWhatsAppCloudAdapter({
    graphUrl: server.url,
    apiVersion: 'v21.0',
    phoneNumberId: '1',
    accessToken: 't',
    timeoutMs: 150,
  });
  try {
    const started = performance.now();
    const r = await adapter.send(TEXT);
    const elapsed = performance.now() - started;
    assert.equal(r.ok, false);
    assert.ok(!r.ok && r.retryable && r.code === 'timeout', JSON.stringify(r));
    assert.ok(elapsed < 3000, `took ${elapsed} ms`);
  } finally {
    await adapter.close().catch(() => undefined);
    await server.close();
  }
});

test('connection refused -> retryable network_error', async () => {
  // Reserve a port, then free it so nothing listens there.
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const address = probe.address();
  assert.ok(address !== null && typeof address !== 'string');
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  const adapter = createWhatsAppCloudAdapter({
    graphUrl: `http://127.0.0.1:${address.port}`,
    apiVersion: 'v21.0',
    phoneNumberId: '1',
    accessToken: 'secret-token',
  });
  const r = await adapter.send(TEXT);
  assert.equal(r.ok, false);
  assert.ok(!r.ok && r.retryable && r.code === 'network_error', JSON.stringify(r));
  assert.ok(!r.ok && !r.message.includes('secret-token'));
  await adapter.close();
});

test('after close, sends fail as retryable adapter_closed without touching the network', async () => {
  const server = await startRecordingGraphServer(() => ({ status: 200, body: { messages: [{ id: 'wamid.1' }] } }));
  const adapter = createWhatsAppCloudAdapter({ graphUrl: server.url, apiVersion: 'v21.0', phoneNumberId: '1', accessToken: 't' });
  assert.equal((await adapter.send(TEXT)).ok, true);
  await adapter.close();
  await adapter.close(); // idempotent
  assert.deepEqual(await adapter.send(TEXT), { ok: false, retryable: true, code: 'adapter_closed', message: 'adapter is closed' });
  assert.equal(server.requests.length, 1);
  await server.close();
});

test('a path prefix in graphUrl is kept in front of the version', async () => {
  const server = await startRecordingGraphServer(() => ({ status: 200, body: { messages: [{ id: 'wamid.1' }] } }));
  const adapter = createWhatsAppCloudAdapter({
    graphUrl: `${server.url}/meta/`,
    apiVersion: 'v22.0',
    phoneNumberId: '42',
    accessToken: 't',
  });
  assert.deepEqual(await adapter.send(TEXT), { ok: true, externalId: 'wamid.1' });
  assert.equal(server.requests[0]?.path, '/meta/v22.0/42/messages');
  await adapter.close();
  await server.close();
});
