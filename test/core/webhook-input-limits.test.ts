import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { signWhatsAppBody } from '../../src/channels/whatsapp-cloud/webhook-signature.ts';
import { MAX_WEBHOOK_JSON_DEPTH } from '../../src/ingest/json-depth.ts';
import { forEachDialect } from '../support/dialects.ts';
import { inboundEnvelope, postSigned } from '../support/signed-post.ts';
import { SECRETS, startWorld, type World } from '../support/test-world.ts';

/** A value nested `levels` deep in objects: {"n":{"n":...1...}}. */
const nested = (levels: number): string => `${'{"n":'.repeat(levels)}1${'}'.repeat(levels)}`;

/** A text message whose unknown field `extra` holds `extraJson`, as raw JSON text. */
function bodyWithExtra(phoneNumberId: string, wamid: string, from: string, extraJson: string): string {
  const marker = '"__EXTRA__"';
  const envelope = inboundEnvelope(phoneNumberId, [
    { from, id: wamid, timestamp: `${Math.floor(Date.now() / 1000)}`, type: 'text', text: { body: 'deep' }, extra: '__EXTRA__' },
  ]);
  return JSON.stringify(envelope).replace(marker, extraJson);
}

/** Opens a raw connection to the server (loopback). */
function open(url: string): Promise<Socket> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const s = connect({ host: hostname, port: Number(port) }, () => resolve(s));
    s.on('error', reject);
  });
}

/** Everything the server writes on `s` until it closes the connection, and when that happened. */
function untilClosed(s: Socket): Promise<{ text: string; closedAt: number }> {
  return new Promise((resolve) => {
    let text = '';
    s.on('data', (d) => (text += d.toString('latin1')));
    s.on('error', () => undefined);
    s.on('close', () => resolve({ text, closedAt: performance.now() }));
  });
}

forEachDialect('webhook input limits: decided before the 200', (dialect) => {
  let w: World;
  const db = () => w.app.deps.storage.db;
  const lastEventId = async () =>
    Number(
      (
        await db()
          .selectFrom('webhook_events')
          .select((eb) => eb.fn.max('id').as('id'))
          .executeTakeFirstOrThrow()
      ).id ?? 0,
    );
  const countEvents = async () =>
    Number(
      (
        await db()
          .selectFrom('webhook_events')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  before(async () => {
    // Short limits so the slow-client cases run in seconds; the defaults are in DEFAULT_HTTP_TIMEOUTS.
    w = await startWorld({
      dialect,
      config: { httpTimeouts: { headersMs: 1000, requestMs: 2000, keepAliveMs: 5000, idleMs: 20_000, shutdownMs: 2000 } },
    });
  });
  after(async () => {
    await w?.stop();
  });

  test(`nesting deeper than ${MAX_WEBHOOK_JSON_DEPTH} levels is 400 json_too_deep and nothing is stored; moderate nesting is accepted and answered`, {
    timeout: 30_000,
  }, async () => {
    const before = await countEvents();
    for (const levels of [10_000, MAX_WEBHOOK_JSON_DEPTH]) {
      const res = await postSigned(w.app.url, bodyWithExtra(w.sim.phoneNumberId, `wamid.DEEP${levels}`, '15557770001', nested(levels)));
      assert.equal(res.status, 400, `${levels} levels`);
      assert.equal((await res.json()).error.code, 'json_too_deep');
    }
    // Brackets inside strings are not nesting.
    const inString = await postSigned(
      w.app.url,
      bodyWithExtra(w.sim.phoneNumberId, 'wamid.BRACKETS', '15557770002', JSON.stringify('['.repeat(5000))),
    );
    assert.equal(inString.status, 200);
    assert.equal(await countEvents(), before + 1, 'only the body with brackets in a string was stored');

    // 40 levels in the unknown field, under the envelope's own 7: well inside the limit.
    const moderate = await postSigned(w.app.url, bodyWithExtra(w.sim.phoneNumberId, 'wamid.MODERATE', '15557770003', nested(40)));
    assert.equal(moderate.status, 200);
    await w.settle();
    const stored = await db()
      .selectFrom('messages')
      .select(['text', 'raw'])
      .where('external_id', '=', 'wamid.MODERATE')
      .executeTakeFirstOrThrow();
    assert.equal(stored.text, 'deep');
    assert.match(stored.raw ?? '', /"n":\{"n":/);
    assert.ok(
      w.sim.outbound().some((m) => m.waId === '15557770003'),
      'the bot answered the moderately nested message',
    );
    const events = await db().selectFrom('webhook_events').select(['status', 'error']).where('body', 'like', '%wamid.MODERATE%').execute();
    assert.deepEqual(events, [{ status: 'processed', error: null }]);
  });

  test('U+0000 in a text, a profile name and a caption: 200, stored and answered with U+FFFD on both databases, the raw event kept', {
    timeout: 30_000,
  }, async () => {
    const customer = w.sim.customer('15557770010', 'Ann\u0000e');
    await customer.sendText('hey\u0000there');
    const greeting = await customer.waitForMessage((m) => m.text?.startsWith('Hello') === true, 10_000);
    assert.match(greeting.text ?? '', /^Hello Ann\uFFFDe!/, 'the greeting names the contact');
    await customer.sendText('echo\u0000me');
    const reply = await customer.waitForMessage((m) => m.text?.startsWith('You said:') === true, 10_000);
    assert.equal(reply.text, 'You said: echo\uFFFDme');
    await customer.sendImage(new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]), { mimeType: 'image/jpeg', caption: 'cap\u0000tion' });
    await w.settle();

    const messages = await db()
      .selectFrom('messages')
      .select(['kind', 'text', 'content', 'raw'])
      .where('direction', '=', 'in')
      .where('external_id', 'is not', null)
      .orderBy('seq')
      .execute();
    const mine = messages.filter(
      (m) => (m.raw ?? '').includes('15557770010') || m.text === 'echo\uFFFDme' || (m.content ?? '').includes('cap\uFFFDtion'),
    );
    assert.ok(
      mine.some((m) => m.kind === 'text' && m.text === 'echo\uFFFDme'),
      'text stored with U+FFFD',
    );
    assert.ok(
      mine.some((m) => m.kind === 'image' && m.content.includes('cap\uFFFDtion')),
      'caption stored with U+FFFD',
    );
    for (const m of mine)
      assert.ok(!m.content.includes('\\u0000') && !(m.raw ?? '').includes('\\u0000'), 'no NUL left in the stored message');
    const contact = await db()
      .selectFrom('contacts')
      .select('profile_name')
      .where('external_id', '=', '15557770010')
      .executeTakeFirstOrThrow();
    assert.equal(contact.profile_name, 'Ann\uFFFDe');

    // The raw events are kept as Meta sent them (the JSON escape), and processed without error.
    const events = await db()
      .selectFrom('webhook_events')
      .select(['body', 'status', 'error'])
      .where('body', 'like', '%15557770010%')
      .execute();
    const withNul = events.filter((e) => e.body.includes('\\u0000'));
    assert.ok(withNul.length >= 2, 'the raw events keep \\u0000');
    for (const e of withNul) assert.deepEqual({ status: e.status, error: e.error }, { status: 'processed', error: null });
  });

  test('a POST without a plausible signature header is 401 at once, before its body is read, and the connection is closed', {
    timeout: 15_000,
  }, async () => {
    const lastBefore = await lastEventId();
    for (const signature of [undefined, 'sha256=not-hex', 'md5=abc']) {
      const s = await open(w.app.url);
      const closed = untilClosed(s);
      // Announces 3 MiB but sends only 64 KiB: the answer must not wait for the rest.
      s.write(
        `POST /webhooks/whatsapp HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${3 * 1024 * 1024}\r\n` +
          (signature ? `X-Hub-Signature-256: ${signature}\r\n` : '') +
          '\r\n',
      );
      s.write('x'.repeat(64 * 1024));
      const t0 = performance.now();
      const { text, closedAt } = await closed;
      assert.match(text, /^HTTP\/1\.1 401 /, `signature ${signature}`);
      assert.match(text, /"code":"invalid_signature"/);
      assert.match(text, /connection: close/i);
      assert.ok(closedAt - t0 < 1000, `closed after ${(closedAt - t0).toFixed(0)} ms, before the 2 s request timeout`);
    }
    // A plausible header over a body that does not match is still checked in full: 401 mismatch.
    const raw = JSON.stringify(
      inboundEnvelope(w.sim.phoneNumberId, [
        {
          from: '15557770020',
          id: 'wamid.SIGNEDOK',
          timestamp: `${Math.floor(Date.now() / 1000)}`,
          type: 'text',
          text: { body: 'signed' },
        },
      ]),
    );
    const wrong = await fetch(`${w.app.url}/webhooks/whatsapp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': signWhatsAppBody(raw, 'other') },
      body: raw,
    });
    assert.equal(wrong.status, 401);
    assert.match((await wrong.json()).error.message, /mismatch/);
    const ok = await fetch(`${w.app.url}/webhooks/whatsapp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': signWhatsAppBody(raw, SECRETS.appSecret) },
      body: raw,
    });
    assert.equal(ok.status, 200);
    // Status callbacks from earlier tests may be stored meanwhile: look for what this test sent.
    const stored = await db().selectFrom('webhook_events').select('body').where('id', '>', lastBefore).execute();
    assert.deepEqual(
      stored.filter((e) => !e.body.includes('"statuses"')).map((e) => e.body),
      [raw],
    );
  });

  test('500 sockets trickling a body (and one trickling headers) are closed within the request timeout, while others are answered promptly', {
    timeout: 20_000,
  }, async () => {
    const n = 500;
    const sockets = await Promise.all(Array.from({ length: n }, () => open(w.app.url)));
    const closes = sockets.map(untilClosed);
    const t0 = performance.now();
    const body = JSON.stringify(inboundEnvelope(w.sim.phoneNumberId, []));
    for (const s of sockets) {
      s.write(
        `POST /webhooks/whatsapp HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nX-Hub-Signature-256: ${signWhatsAppBody(body, SECRETS.appSecret)}\r\n\r\n${body[0]}`,
      );
    }
    const slowHeaders = await open(w.app.url);
    const slowHeadersClosed = untilClosed(slowHeaders);
    slowHeaders.write('POST /webhooks/whatsapp HTTP/1.1\r\n');
    // One more byte on every socket every 200 ms (10-20 s in the wild; the limits here are short).
    let sent = 1;
    const trickle = setInterval(() => {
      sent++;
      for (const s of sockets) if (!s.destroyed && sent < body.length) s.write(body[sent - 1]!);
      if (!slowHeaders.destroyed) slowHeaders.write('X: y\r\n');
    }, 200);
    try {
      // Meanwhile the server answers others at once.
      const latencies: number[] = [];
      for (let i = 0; i < 5; i++) {
        const t = performance.now();
        const res = await fetch(`${w.app.url}/health`);
        assert.equal(res.status, 200);
        await res.arrayBuffer();
        latencies.push(performance.now() - t);
      }
      assert.ok(Math.max(...latencies) < 500, `health answered in ${latencies.map((l) => l.toFixed(0)).join(', ')} ms`);

      const results = await Promise.all(closes);
      const latest = Math.max(...results.map((r) => r.closedAt)) - t0;
      // The 2 s request timeout, checked every 250 ms here, plus scheduling slack on a busy machine.
      assert.ok(latest < 4500, `all ${n} slow sockets closed within ${latest.toFixed(0)} ms`);
      const timedOut = results.filter((r) => /^HTTP\/1\.1 408 /.test(r.text) && r.text.includes('"request_timeout"')).length;
      assert.equal(timedOut, n, 'each was told 408 request_timeout');
      process.stdout.write(
        `# [${dialect}] ${n} slow-body sockets: ${timedOut} answered 408 and closed, the last ${latest.toFixed(0)} ms after they began (2 s request timeout); /health meanwhile in ${Math.max(...latencies).toFixed(0)} ms at most\n`,
      );
      const headers = await slowHeadersClosed;
      assert.ok(headers.closedAt - t0 < 3000, `trickled headers cut after ${(headers.closedAt - t0).toFixed(0)} ms (1 s headers timeout)`);
    } finally {
      clearInterval(trickle);
      for (const s of sockets) s.destroy();
      slowHeaders.destroy();
    }
    const res = await postSigned(w.app.url, inboundEnvelope(w.sim.phoneNumberId, []));
    assert.equal(res.status, 200, 'still serving webhooks afterwards');
  });
});
