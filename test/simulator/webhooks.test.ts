import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { FakeClock } from '../../src/core/clock.ts';
import { asciiJson } from '../../src/simulator/index.ts';
import { retryDelayMs } from '../../src/simulator/retry-schedule.ts';
import { send, startReceiver, testSimulator, verifySignature, VERIFY } from './helpers.ts';

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

test('asciiJson escapes every non-ASCII unit as lowercase \\uXXXX and round-trips', () => {
  const v = { t: 'äöå 😮 ñ \u2028', n: 1 };
  const s = asciiJson(v);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: any ASCII, control characters included
  assert.match(s, /^[\x00-\x7e]*$/);
  assert.ok(s.includes('\\u00e4\\u00f6\\u00e5 \\ud83d\\ude2e \\u00f1 \\u2028'));
  assert.deepEqual(JSON.parse(s), v);
});

test('every delivery is signed over the exact ASCII-escaped bytes (text, emoji, statuses)', async (t) => {
  const rcv = await startReceiver();
  const sim = await testSimulator({ webhookUrl: rcv.url });
  t.after(async () => {
    await sim.close();
    await rcv.close();
  });
  const c = sim.customer('447911123456', 'Zoë Ünal');
  await c.sendText('Olá! Está tudo bem? 😮👍🏽 — 日本');
  await send(sim, { to: '+447911123456', type: 'text', text: { body: 'Obrigado 🙏 ção' } });
  await sim.drainWebhooks(3000);
  assert.equal(rcv.received.length, 4); // inbound + sent/delivered/read
  for (const w of rcv.received) {
    assert.ok(w.signatureOk, 'signature verifies with the app secret');
    // biome-ignore lint/suspicious/noControlCharactersInRegex: any ASCII, control characters included
    assert.match(w.raw, /^[\x00-\x7e]*$/, 'body is pure ASCII');
  }
  const inbound = rcv.received[0]!;
  assert.ok(inbound.raw.includes('\\ud83d\\ude2e'), 'emoji as surrogate pair escapes');
  assert.ok(inbound.raw.includes('"name":"Zo\\u00eb \\u00dcnal"'));
  assert.equal(inbound.json.entry[0].changes[0].value.messages[0].text.body, 'Olá! Está tudo bem? 😮👍🏽 — 日本');
  assert.equal(
    verifySignature(JSON.stringify(inbound.json), inbound.signature),
    false,
    'signature is over the escaped bytes, not a re-serialisation',
  );
  const log = sim.deliveries();
  assert.equal(log.length, 4);
  for (const d of log) {
    assert.equal(d.ok, true);
    assert.equal(d.status, 200);
    assert.equal(d.outcome, 'delivered');
    assert.ok(rcv.received.some((w) => w.raw === d.body && w.signature === d.signature));
  }
});

test("envelope of an inbound message is exactly Meta's", async (t) => {
  const rcv = await startReceiver();
  const sim = await testSimulator({ webhookUrl: rcv.url });
  t.after(async () => {
    await sim.close();
    await rcv.close();
  });
  const sheena = sim.customer('16505551234', 'Sheena Nelson');
  const before = Math.floor(sim.now() / 1000);
  const wamid = await sheena.sendText('Does it come in another color?');
  const after = Math.floor(sim.now() / 1000);
  const body = rcv.received[0]!.json;
  assert.deepEqual(Object.keys(body), ['object', 'entry']);
  assert.equal(body.object, 'whatsapp_business_account');
  assert.equal(body.entry[0].id, sim.wabaId);
  assert.equal(body.entry[0].changes[0].field, 'messages');
  const value = body.entry[0].changes[0].value;
  assert.deepEqual(value.metadata, { display_phone_number: '15550783881', phone_number_id: '106540352242922' });
  assert.deepEqual(value.contacts, [{ profile: { name: 'Sheena Nelson' }, wa_id: '16505551234', user_id: sheena.userId }]);
  const m = value.messages[0];
  assert.deepEqual(Object.keys(m), ['from', 'from_user_id', 'id', 'timestamp', 'type', 'text']);
  assert.equal(m.id, wamid);
  assert.match(m.timestamp, /^\d{10}$/);
  // The send and its delivery can straddle a second boundary under load; the stamp is the send's second.
  const stamped = Number(m.timestamp);
  assert.ok(stamped >= before && stamped <= after, `timestamp ${stamped} is the simulator's second of the send (${before}..${after})`);
});

test('retries with exponential backoff until the receiver answers 200', async (t) => {
  const rcv = await startReceiver();
  rcv.respond = (n) => ({ status: n < 3 ? 500 : 200 });
  const sim = await testSimulator({
    webhookUrl: rcv.url,
    webhookRetry: { initialDelayMs: 20, factor: 2, jitter: 0, maxDelayMs: 1000, timeoutMs: 1000 },
  });
  t.after(async () => {
    await sim.close();
    await rcv.close();
  });
  const started = Date.now();
  await sim.customer('16505551234').sendText('retry me');
  await sim.drainWebhooks(3000);
  assert.equal(rcv.messages().length, 1);
  const log = sim.deliveries();
  assert.deepEqual(
    log.map((d) => [d.attempt, d.status, d.outcome]),
    [
      [1, 500, 'retry_scheduled'],
      [2, 500, 'retry_scheduled'],
      [3, 500, 'retry_scheduled'],
      [4, 200, 'delivered'],
    ],
  );
  assert.ok(
    log.every((d) => d.deliveryId === log[0]!.deliveryId && d.body === log[0]!.body && d.signature === log[0]!.signature),
    'identical bytes on every retry',
  );
  const gaps = log.slice(1).map((d, i) => d.at - log[i]!.at);
  assert.ok(gaps[0]! >= 18 && gaps[1]! >= 38 && gaps[2]! >= 78, `gaps grow 20/40/80 ms: ${gaps}`);
  assert.ok(Date.now() - started < 2000);
  assert.equal(log[0]!.responseBody, 'nope');
});

test('gives up after maxAttempts', async (t) => {
  const rcv = await startReceiver();
  rcv.respond = () => ({ status: 503 });
  const sim = await testSimulator({ webhookUrl: rcv.url, webhookRetry: { initialDelayMs: 5, maxAttempts: 3, timeoutMs: 1000 } });
  t.after(async () => {
    await sim.close();
    await rcv.close();
  });
  await sim.customer('16505551234').sendText('never');
  await sim.drainWebhooks(2000);
  assert.deepEqual(
    sim.deliveries().map((d) => [d.attempt, d.outcome]),
    [
      [1, 'retry_scheduled'],
      [2, 'retry_scheduled'],
      [3, 'gave_up'],
    ],
  );
});

test('a slow receiver (over timeoutMs) is retried', async (t) => {
  const rcv = await startReceiver();
  rcv.respond = (n) => (n === 0 ? { delayMs: 400 } : {});
  const sim = await testSimulator({ webhookUrl: rcv.url, webhookRetry: { initialDelayMs: 10, timeoutMs: 100 } });
  t.after(async () => {
    await sim.close();
    await rcv.close();
  });
  await sim.customer('16505551234').sendText('slow');
  await sim.drainWebhooks(3000);
  const log = sim.deliveries();
  assert.equal(log[0]!.ok, false);
  assert.match(log[0]!.error ?? '', /timeout after 100 ms/);
  assert.ok(log[0]!.durationMs >= 90 && log[0]!.durationMs < 400, `duration ${log[0]!.durationMs}`);
  assert.equal(log.at(-1)!.ok, true);
  assert.ok(rcv.messages().length >= 1);
});

test('connection errors are retried; advanceTime fires retries scheduled far ahead; maxAge gives up', async (t) => {
  const port = await freePort();
  const clock = new FakeClock(Date.UTC(2026, 0, 1));
  const sim = await testSimulator({
    clock,
    webhookUrl: `http://127.0.0.1:${port}/hook`,
    webhookRetry: { initialDelayMs: 60_000, factor: 2, jitter: 0, maxDelayMs: 3_600_000, maxAgeMs: 3 * 60_000 + 1000, timeoutMs: 500 },
  });
  t.after(() => sim.close());
  assert.equal(sim.webhookVerified, false, 'start does not fail when the receiver is down');
  await sim.customer('16505551234').sendText('anyone?');
  assert.match(sim.deliveries()[0]!.error ?? '', /ECONNREFUSED/);
  assert.equal(sim.deliveries()[0]!.outcome, 'retry_scheduled');
  await sim.drainWebhooks(200); // the retry is a minute away: not waited for
  sim.advanceTime(60_000);
  await waitUntil(() => sim.deliveries().length === 2);
  assert.equal(sim.deliveries()[1]!.at - sim.deliveries()[0]!.at, 60_000, 'attempt stamped on the simulated clock');
  sim.advanceTime(120_000);
  await waitUntil(() => sim.deliveries().length === 3);
  assert.equal(sim.deliveries()[2]!.outcome, 'gave_up', 'next delay (4 min) would pass maxAge (3 min)');
});

test('GET handshake: setWebhookUrl verifies, refuses a failing receiver, and start tolerates one', async (t) => {
  const good = await startReceiver();
  const wrongToken = await startReceiver('another-token');
  const sim = await testSimulator({ webhookUrl: wrongToken.url });
  t.after(async () => {
    await sim.close();
    await good.close();
    await wrongToken.close();
  });
  assert.equal(sim.webhookVerified, false);
  assert.equal(wrongToken.verifications[0]!.mode, 'subscribe');
  assert.equal(wrongToken.verifications[0]!.token, VERIFY);
  assert.match(wrongToken.verifications[0]!.challenge ?? '', /^\d+$/);
  await sim.customer('16505551234').sendText('delivered anyway');
  assert.equal(wrongToken.messages().length, 1, 'an unverified start URL is still used');

  const r = await sim.verifyWebhook();
  assert.deepEqual([r.ok, r.status, r.body], [false, 403, 'forbidden']);
  const ok = await sim.setWebhookUrl(good.url);
  assert.equal(ok.ok, true);
  assert.equal(ok.status, 200);
  assert.equal(ok.body, good.verifications[0]!.challenge);
  assert.equal(sim.webhookUrl, good.url);
  const refused = await sim.setWebhookUrl(wrongToken.url);
  assert.equal(refused.ok, false);
  assert.equal(sim.webhookUrl, good.url, 'a callback that fails the handshake is not saved');
  await sim.customer('16505551234').sendText('to the good one');
  assert.equal(good.messages().length, 1);
});

test('batching groups statuses of the WABA into one delivery', async (t) => {
  const rcv = await startReceiver();
  const sim = await testSimulator({
    webhookUrl: rcv.url,
    batch: { maxItems: 50, windowMs: 40 },
    statusDelaysMs: { sent: 1, delivered: 2, read: 3 },
  });
  t.after(async () => {
    await sim.close();
    await rcv.close();
  });
  await sim.customer('16505551234').sendText('open the window');
  for (let i = 0; i < 3; i++) await send(sim, { to: '16505551234', text: { body: `m${i}` } });
  await sim.drainWebhooks(3000);
  assert.equal(rcv.statuses().length, 9);
  const statusDeliveries = sim.deliveries().filter((d) => d.body.includes('"statuses"'));
  assert.ok(statusDeliveries.length < 9, `grouped into ${statusDeliveries.length} deliveries`);
  assert.ok(statusDeliveries.some((d) => d.itemCount > 1));
  for (const w of rcv.received) assert.ok(w.signatureOk);
});

test('retry delay table: exponential, capped, jittered within bounds', () => {
  const cfg = { initialDelayMs: 1000, factor: 2, maxDelayMs: 3_600_000, jitter: 0 };
  assert.deepEqual(
    [1, 2, 3, 4, 13, 30].map((a) => retryDelayMs(a, cfg)),
    [1000, 2000, 4000, 8000, 3_600_000, 3_600_000],
  );
  for (let i = 0; i < 100; i++) {
    const d = retryDelayMs(3, { ...cfg, jitter: 0.2 });
    assert.ok(d >= 3200 && d <= 4800);
  }
});

async function waitUntil(cond: () => boolean, timeoutMs = 2000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error('waitUntil timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}
