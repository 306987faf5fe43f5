import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync, mkdtempSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, test } from 'node:test';
import { forEachDialect } from '../support/dialects.ts';
import { startWorld, ADMIN_TOKEN, type World } from '../support/test-world.ts';
import { waitFor } from '../support/wait-for.ts';

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  json: any;
}

type Answer = { status: number; body?: string; hangMs?: number };

/** A real integrator endpoint on loopback: records every request, answers as each path's script says. */
class Receiver {
  readonly requests: Received[] = [];
  /** Most requests one path had open at once. */
  readonly maxInFlight = new Map<string, number>();
  private readonly inFlight = new Map<string, number>();
  private readonly scripts = new Map<string, (n: number) => Answer>();
  private server: Server | undefined;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const path0 = req.url ?? '/';
      const open = (this.inFlight.get(path0) ?? 0) + 1;
      this.inFlight.set(path0, open);
      this.maxInFlight.set(path0, Math.max(open, this.maxInFlight.get(path0) ?? 0));
      res.on('close', () => this.inFlight.set(path0, (this.inFlight.get(path0) ?? 1) - 1));
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const path = req.url ?? '/';
        this.requests.push({ path, headers: req.headers, body, json: JSON.parse(body) });
        const n = this.requests.filter((r) => r.path === path).length;
        const answer = this.scripts.get(path)?.(n) ?? { status: 200 };
        const reply = () => res.writeHead(answer.status, { 'content-type': 'text/plain' }).end(answer.body ?? 'ok');
        if (answer.hangMs) setTimeout(reply, answer.hangMs).unref();
        else reply();
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  script(path: string, answer: (n: number) => Answer): string {
    this.scripts.set(path, answer);
    return `${this.url}${path}`;
  }

  at(path: string): Received[] {
    return this.requests.filter((r) => r.path === path);
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}

/** The verification snippet exactly as docs/event-webhooks.md shows it, loaded as a module. */
async function loadDocsSnippet(): Promise<
  (raw: string | Buffer, header: string | undefined, secret: string, tolerance?: number) => boolean
> {
  const doc = readFileSync(new URL('../../docs/event-webhooks.md', import.meta.url), 'utf8');
  const block = [...doc.matchAll(/```js\n([\s\S]*?)```/g)]
    .map((m) => m[1] ?? '')
    .find((code) => code.includes('export function verifySwitchboardSignature'));
  assert.ok(block, 'docs/event-webhooks.md has the verification snippet');
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-snippet-'));
  const file = join(dir, 'verify.mjs');
  writeFileSync(file, block);
  try {
    const mod = await import(pathToFileURL(file).href);
    return mod.verifySwitchboardSignature;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const RETRY_BASE_MS = 20;
const MAX_ATTEMPTS = 4;

forEachDialect('event webhooks', (dialect) => {
  let w: World;
  const rx = new Receiver();
  let verify: Awaited<ReturnType<typeof loadDocsSnippet>>;

  before(async () => {
    await rx.start();
    verify = await loadDocsSnippet();
    w = await startWorld({
      dialect,
      config: { eventWebhooks: { allowPrivate: true, retryBaseMs: RETRY_BASE_MS, maxAttempts: MAX_ATTEMPTS, timeoutMs: 1_000 } },
    });
  });
  after(async () => {
    await w?.stop();
    await rx.close();
  });

  async function subscribe(body: Record<string, unknown>): Promise<{ id: string; secret: string }> {
    const res = await w.api('POST', '/api/v1/webhooks', body);
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body;
  }

  async function deliveries(id: string, query = ''): Promise<any[]> {
    const res = await w.api('GET', `/api/v1/webhooks/${id}/deliveries${query}`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.data;
  }

  test('subscriptions: create (secret shown once), read masked, update, delete', async () => {
    const created = await w.api('POST', '/api/v1/webhooks', {
      url: `${rx.url}/crud`,
      events: ['message.received', 'conversation.created'],
      description: 'CRM',
    });
    assert.equal(created.status, 201);
    const sub = created.body;
    assert.match(sub.id, /^wh_/);
    assert.match(sub.secret, /^whsec_[A-Za-z0-9_-]{32}$/);
    assert.deepEqual(sub.events, ['message.received', 'conversation.created']);
    assert.equal(sub.active, true);
    assert.equal(sub.max_concurrency, 2);

    const one = await w.api('GET', `/api/v1/webhooks/${sub.id}`);
    assert.equal(one.status, 200);
    assert.equal(one.body.secret, `****${sub.secret.slice(-4)}`);
    const list = await w.api('GET', '/api/v1/webhooks');
    assert.ok(list.body.data.some((s: any) => s.id === sub.id));
    assert.ok(!JSON.stringify(list.body).includes(sub.secret), 'the secret never comes back after creation');

    const own = await w.api('POST', '/api/v1/webhooks', { url: `${rx.url}/crud2`, events: ['*'], secret: 'my-own-secret-0123456789' });
    assert.equal(own.body.secret, 'my-own-secret-0123456789');

    const patched = await w.api('PATCH', `/api/v1/webhooks/${sub.id}`, {
      active: false,
      events: ['*', 'message.status'],
      description: null,
      max_concurrency: 4,
    });
    assert.equal(patched.status, 200);
    assert.equal(patched.body.active, false);
    assert.deepEqual(patched.body.events, ['*']);
    assert.equal(patched.body.description, null);
    assert.equal(patched.body.max_concurrency, 4);
    assert.equal(patched.body.secret, `****${sub.secret.slice(-4)}`);

    assert.equal((await w.api('DELETE', `/api/v1/webhooks/${sub.id}`)).status, 204);
    assert.equal((await w.api('GET', `/api/v1/webhooks/${sub.id}`)).status, 404);
    assert.equal((await w.api('DELETE', `/api/v1/webhooks/${sub.id}`)).status, 404);
    assert.equal((await w.api('DELETE', `/api/v1/webhooks/${own.body.id}`)).status, 204);
  });

  test('subscriptions: bad input gets a 4xx with a stable code', async () => {
    const url = `${rx.url}/x`;
    const cases: Array<[unknown, number, string]> = [
      [[1, 2], 400, 'invalid_body'],
      [{ events: ['*'] }, 422, 'url_required'],
      [{ url }, 422, 'events_required'],
      [{ url: 'ftp://example.com/hook', events: ['*'] }, 422, 'invalid_url'],
      [{ url: 'javascript:alert(1)', events: ['*'] }, 422, 'invalid_url'],
      [{ url: 'not a url', events: ['*'] }, 422, 'invalid_url'],
      [{ url: 42, events: ['*'] }, 422, 'invalid_url'],
      [{ url, events: [] }, 422, 'invalid_events'],
      [{ url, events: 'message.received' }, 422, 'invalid_events'],
      [{ url, events: ['message.recieved'] }, 422, 'unknown_event_type'],
      [{ url, events: ['*'], secret: 'short' }, 422, 'invalid_secret'],
      [{ url, events: ['*'], active: 'yes' }, 422, 'invalid_active'],
      [{ url, events: ['*'], max_concurrency: 0 }, 422, 'invalid_max_concurrency'],
      [{ url, events: ['*'], description: 7 }, 422, 'invalid_description'],
      [{ url, events: ['*'], event: 'x' }, 400, 'unknown_field'],
    ];
    for (const [body, status, code] of cases) {
      const res = await w.api('POST', '/api/v1/webhooks', body);
      assert.equal(res.status, status, `${JSON.stringify(body)} -> ${JSON.stringify(res.body)}`);
      assert.equal(res.body.error.code, code, JSON.stringify(body));
      assert.equal(typeof res.body.error.message, 'string');
    }
    const unknown = await w.api('POST', '/api/v1/webhooks', { url, events: ['nope'] });
    assert.deepEqual(unknown.body.error.details.unknown, ['nope']);
    assert.ok(unknown.body.error.details.known.includes('message.received'));

    assert.equal((await w.api('PATCH', '/api/v1/webhooks/wh_missing', { active: true })).status, 404);
    assert.equal((await w.api('GET', '/api/v1/webhooks/wh_missing/deliveries')).status, 404);
    assert.equal((await w.api('POST', '/api/v1/webhooks/wh_missing/test')).status, 404);
    const sub = await subscribe({ url, events: ['*'] });
    assert.equal((await w.api('PATCH', `/api/v1/webhooks/${sub.id}`, { url: 'gopher://x' })).body.error.code, 'invalid_url');
    assert.equal((await w.api('PATCH', `/api/v1/webhooks/${sub.id}`, 'nope')).status, 400);
    assert.equal((await w.api('GET', `/api/v1/webhooks/${sub.id}/deliveries?limit=0`)).body.error.code, 'invalid_limit');
    assert.equal((await w.api('GET', `/api/v1/webhooks/${sub.id}/deliveries?cursor=%27x`)).body.error.code, 'invalid_cursor');
    assert.equal((await w.api('GET', `/api/v1/webhooks/${sub.id}/deliveries?status=lost`)).body.error.code, 'invalid_status');
    assert.equal((await w.api('POST', `/api/v1/webhooks/${sub.id}/deliveries/whd_missing/replay`)).body.error.code, 'delivery_not_found');
    await w.api('DELETE', `/api/v1/webhooks/${sub.id}`);
  });

  test('every webhook route needs the bearer token', async () => {
    for (const [method, path] of [
      ['GET', '/api/v1/webhooks'],
      ['POST', '/api/v1/webhooks'],
      ['GET', '/api/v1/webhooks/x'],
      ['PATCH', '/api/v1/webhooks/x'],
      ['DELETE', '/api/v1/webhooks/x'],
      ['GET', '/api/v1/webhooks/x/deliveries'],
      ['POST', '/api/v1/webhooks/x/deliveries/y/replay'],
      ['POST', '/api/v1/webhooks/x/test'],
    ] as const) {
      const res = await fetch(`${w.app.url}${path}`, { method });
      assert.equal(res.status, 401, `${method} ${path}`);
    }
    const ok = await fetch(`${w.app.url}/api/v1/webhooks`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    assert.equal(ok.status, 200);
  });

  test('an inbound WhatsApp message produces conversation.created and message.received, signed', async () => {
    const url = rx.script('/inbound', () => ({ status: 204 }));
    const sub = await subscribe({ url, events: ['message.received', 'conversation.created'] });
    const customer = w.sim.customer('15551240001', 'Bea');
    const wamid = await customer.sendText('hello hooks');
    await waitFor(() => rx.at('/inbound').length >= 2, 5000, 'two events delivered');
    await w.settle();
    const got = rx.at('/inbound');
    assert.equal(got.length, 2, 'each event once');
    const created = got.find((r) => r.json.type === 'conversation.created');
    const received = got.find((r) => r.json.type === 'message.received');
    assert.ok(created && received);

    assert.equal(received.json.data.message.text, 'hello hooks');
    assert.equal(received.json.data.message.external_id, wamid);
    assert.equal(received.json.data.message.direction, 'in');
    assert.equal(received.json.data.conversation.contact.wa_id, '15551240001');
    assert.equal(received.json.data.conversation.contact.name, 'Bea');
    assert.equal(received.json.data.conversation.id, received.json.data.message.conversation_id);
    assert.equal(created.json.data.conversation.id, received.json.data.message.conversation_id);
    assert.equal(created.json.data.conversation.status, 'active');

    for (const r of got) {
      assert.match(r.json.id, /^evt_/);
      assert.equal(r.headers['switchboard-event-id'], r.json.id);
      assert.equal(r.headers['switchboard-event-type'], r.json.type);
      assert.equal(r.headers['content-type'], 'application/json');
      assert.match(String(r.headers['user-agent']), /^Switchboard-Webhooks\//);
      assert.match(String(r.headers['switchboard-signature']), /^t=\d+,v1=[0-9a-f]{64}$/);
      assert.ok(!Number.isNaN(Date.parse(r.json.created_at)));
      // The documented snippet accepts it; a changed body or another secret is refused.
      assert.equal(verify(r.body, r.headers['switchboard-signature'] as string, sub.secret), true);
      assert.equal(verify(Buffer.from(r.body), r.headers['switchboard-signature'] as string, sub.secret), true);
      assert.equal(verify(`${r.body} `, r.headers['switchboard-signature'] as string, sub.secret), false);
      assert.equal(verify(r.body, r.headers['switchboard-signature'] as string, 'another-secret-0123456789'), false);
      assert.equal(verify(r.body, undefined, sub.secret), false);
    }
    const old = String(got[0]!.headers['switchboard-signature']).replace(/^t=\d+/, `t=${Math.floor(Date.now() / 1000) - 3600}`);
    assert.equal(verify(got[0]!.body, old, sub.secret), false, 'an old timestamp is refused');

    // A second message in the same conversation: message.received only.
    await customer.sendText('again');
    await waitFor(() => rx.at('/inbound').length >= 3, 5000, 'third event');
    await w.settle();
    assert.deepEqual(
      rx
        .at('/inbound')
        .slice(2)
        .map((r) => r.json.type),
      ['message.received'],
    );

    const log = await deliveries(sub.id);
    assert.equal(log.length, 3);
    assert.ok(log.every((d) => d.status === 'succeeded' && d.attempts === 1 && d.attempt_log[0].status_code === 204));
    await w.api('DELETE', `/api/v1/webhooks/${sub.id}`);
  });

  test("a reply's status callbacks produce message.status", async () => {
    const customer = w.sim.customer('15551240002', 'Cy');
    await customer.sendText('hi');
    await customer.waitForMessage();
    await w.settle();
    const url = rx.script('/status', () => ({ status: 200 }));
    const sub = await subscribe({ url, events: ['message.status'] });
    const conv = (await w.api('GET', '/api/v1/conversations')).body.data.find((c: any) => c.contact.wa_id === '15551240002');
    const sent = await w.api('POST', `/api/v1/conversations/${conv.id}/messages`, { text: 'status please' });
    assert.equal(sent.status, 202);
    await customer.waitForMessage((m) => m.text === 'status please');
    customer.read();
    const mine = () => rx.at('/status').filter((r) => r.json.data.message.id === sent.body.id);
    await waitFor(() => mine().some((r) => r.json.data.message.status === 'read'), 5000, 'read status delivered');
    await w.settle();
    const statuses = mine().map((r) => r.json.data.message.status);
    assert.ok(statuses.includes('read'));
    assert.ok(
      statuses.every((s) => ['sent', 'delivered', 'read'].includes(s)),
      statuses.join(),
    );
    assert.equal(new Set(statuses).size, statuses.length, 'one event per change');
    assert.ok(
      mine().every(
        (r) =>
          r.json.type === 'message.status' && r.json.data.message.conversation_id === conv.id && r.json.data.message.direction === 'out',
      ),
    );
    await w.api('DELETE', `/api/v1/webhooks/${sub.id}`);
  });

  test('a receiver that fails 3 times then succeeds gets the event after each failure, then once successfully', async () => {
    const url = rx.script('/flaky', (n) => (n <= 3 ? { status: 500, body: `boom ${n}` } : { status: 200, body: 'thanks' }));
    const sub = await subscribe({ url, events: ['message.received'] });
    await w.sim.customer('15551240003').sendText('retry me');
    await waitFor(() => rx.at('/flaky').length >= 4, 8000, 'four attempts');
    await w.settle();
    const got = rx.at('/flaky');
    assert.equal(got.length, 4, 'three failures, one success, nothing after');
    assert.equal(new Set(got.map((r) => r.body)).size, 1, 'the same body every time');
    assert.equal(new Set(got.map((r) => r.headers['switchboard-event-id'])).size, 1, 'the same event id every time');
    assert.deepEqual(
      got.map((r) => r.headers['switchboard-delivery-attempt']),
      ['1', '2', '3', '4'],
    );
    for (const r of got) assert.equal(verify(r.body, r.headers['switchboard-signature'] as string, sub.secret), true);

    const [d] = await deliveries(sub.id);
    assert.equal(d.status, 'succeeded');
    assert.equal(d.attempts, 4);
    assert.equal(d.event.type, 'message.received');
    assert.equal(d.event.id, got[0]!.json.id);
    assert.equal(d.next_attempt_at, null);
    assert.ok(d.completed_at);
    assert.deepEqual(
      d.attempt_log.map((a: any) => [a.attempt, a.status_code, a.error]),
      [
        [1, 500, 'HTTP 500'],
        [2, 500, 'HTTP 500'],
        [3, 500, 'HTTP 500'],
        [4, 200, null],
      ],
    );
    assert.equal(d.attempt_log[0].response_excerpt, 'boom 1');
    assert.equal(d.attempt_log[3].response_excerpt, 'thanks');
    assert.ok(d.attempt_log.every((a: any) => a.url === url && typeof a.duration_ms === 'number'));
    // Retries back off: each wait is at least 80 % of base * 2^(n-1).
    const starts = d.attempt_log.map((a: any) => Date.parse(a.started_at));
    for (let i = 1; i < starts.length; i++)
      assert.ok(starts[i] - starts[i - 1] >= 0.8 * RETRY_BASE_MS * 2 ** (i - 1) - 1, `wait before attempt ${i + 1}`);
    await w.api('DELETE', `/api/v1/webhooks/${sub.id}`);
  });

  test('after the last attempt a delivery is dead; replay delivers the same event again', async () => {
    let up = false;
    const url = rx.script('/dead', () => (up ? { status: 200 } : { status: 503, body: 'x'.repeat(5000) }));
    const sub = await subscribe({ url, events: ['contact.opted_out'] });
    const ping = await w.api('POST', `/api/v1/webhooks/${sub.id}/test`);
    assert.equal(ping.status, 202);
    assert.match(ping.body.event_id, /^evt_/);
    await waitFor(() => rx.at('/dead').length >= MAX_ATTEMPTS, 8000, 'every attempt made');
    await w.settle();
    assert.equal(rx.at('/dead').length, MAX_ATTEMPTS, 'no attempt after the last');
    assert.equal(rx.at('/dead')[0]!.json.type, 'ping');
    assert.equal(rx.at('/dead')[0]!.json.data.subscription_id, sub.id);

    const [dead] = await deliveries(sub.id, '?status=dead');
    assert.equal(dead.id, ping.body.delivery_id);
    assert.equal(dead.status, 'dead');
    assert.equal(dead.attempts, MAX_ATTEMPTS);
    assert.equal(dead.last_status_code, 503);
    assert.equal(dead.last_error, 'HTTP 503');
    assert.equal(dead.next_attempt_at, null);
    assert.equal(dead.attempt_log.length, MAX_ATTEMPTS);
    assert.equal(dead.attempt_log[0].response_excerpt.length, 1024, 'response excerpt is capped');
    assert.deepEqual(await deliveries(sub.id, '?status=pending'), []);

    up = true;
    const replay = await w.api('POST', `/api/v1/webhooks/${sub.id}/deliveries/${dead.id}/replay`);
    assert.equal(replay.status, 202);
    assert.equal(replay.body.replay_of, dead.id);
    assert.equal(replay.body.event.id, ping.body.event_id);
    assert.notEqual(replay.body.id, dead.id);
    await waitFor(() => rx.at('/dead').length === MAX_ATTEMPTS + 1, 5000, 'replayed delivery');
    await w.settle();
    const last = rx.at('/dead')[MAX_ATTEMPTS]!;
    assert.equal(last.headers['switchboard-event-id'], ping.body.event_id, 'a replay keeps the event id');
    assert.equal(last.body, rx.at('/dead')[0]!.body, 'and the body');
    assert.equal(verify(last.body, last.headers['switchboard-signature'] as string, sub.secret), true);

    const log = await deliveries(sub.id);
    assert.deepEqual(
      log.map((d) => [d.id, d.status]),
      [
        [replay.body.id, 'succeeded'],
        [dead.id, 'dead'],
      ],
    );
    // A finished delivery can be replayed again; one still pending cannot.
    assert.equal((await w.api('POST', `/api/v1/webhooks/${sub.id}/deliveries/${replay.body.id}/replay`)).status, 202);
    await w.settle();
    await w.api('DELETE', `/api/v1/webhooks/${sub.id}`);
  });

  test('a replay of a delivery still being retried is refused', async () => {
    const url = rx.script('/slowfail', () => ({ status: 500, hangMs: 300 }));
    const sub = await subscribe({ url, events: ['contact.opted_out'] });
    const ping = await w.api('POST', `/api/v1/webhooks/${sub.id}/test`);
    await waitFor(() => rx.at('/slowfail').length >= 1, 5000, 'first attempt');
    const res = await w.api('POST', `/api/v1/webhooks/${sub.id}/deliveries/${ping.body.delivery_id}/replay`);
    assert.equal(res.status, 409);
    assert.equal(res.body.error.code, 'delivery_pending');
    await w.api('DELETE', `/api/v1/webhooks/${sub.id}`);
    await w.settle();
  });

  test('the delivery log pages newest first', async () => {
    const url = rx.script('/paged', () => ({ status: 200 }));
    const sub = await subscribe({ url, events: ['contact.opted_out'] });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await w.api('POST', `/api/v1/webhooks/${sub.id}/test`)).body.delivery_id);
    await w.settle();
    const first = await w.api('GET', `/api/v1/webhooks/${sub.id}/deliveries?limit=2`);
    assert.deepEqual(
      first.body.data.map((d: any) => d.id),
      [ids[2], ids[1]],
    );
    assert.ok(first.body.next_cursor);
    const second = await w.api('GET', `/api/v1/webhooks/${sub.id}/deliveries?limit=2&cursor=${first.body.next_cursor}`);
    assert.deepEqual(
      second.body.data.map((d: any) => d.id),
      [ids[0]],
    );
    assert.equal(second.body.next_cursor, null);
    await w.api('DELETE', `/api/v1/webhooks/${sub.id}`);
  });

  test('inactive subscriptions get nothing; deleting one drops its log', async () => {
    const url = rx.script('/inactive', () => ({ status: 200 }));
    const sub = await subscribe({ url, events: ['message.received'], active: false });
    await w.sim.customer('15551240004').sendText('nobody listens');
    await w.settle();
    assert.equal(rx.at('/inactive').length, 0);
    await w.api('PATCH', `/api/v1/webhooks/${sub.id}`, { active: true });
    await w.sim.customer('15551240004').sendText('now they do');
    await waitFor(() => rx.at('/inactive').length === 1, 5000, 'delivered once active');
    assert.equal(rx.at('/inactive')[0]!.json.data.message.text, 'now they do');
    await w.settle();
    assert.equal((await w.api('DELETE', `/api/v1/webhooks/${sub.id}`)).status, 204);
    assert.equal((await w.api('GET', `/api/v1/webhooks/${sub.id}/deliveries`)).status, 404);
  });

  test('a receiver that hangs does not hold up the inbox', async () => {
    const url = rx.script('/hang', () => ({ status: 200, hangMs: 5_000 }));
    const sub = await subscribe({ url, events: ['message.received'], max_concurrency: 1 });
    const customer = w.sim.customer('15551240005', 'Dee');
    const started = Date.now();
    for (const text of ['hi', 'one', 'two']) await customer.sendText(text);
    await customer.waitForMessage((m) => (m.text ?? '').includes('two'), 5000);
    // The bot answered all three while the receiver held its deliveries (1 s timeout each).
    assert.ok(Date.now() - started < 4000, 'replies were not held behind the webhook');
    assert.ok(rx.at('/hang').length >= 1);
    assert.equal(rx.maxInFlight.get('/hang'), 1, 'one delivery at a time for this subscription');
    await w.api('DELETE', `/api/v1/webhooks/${sub.id}`);
    await w.settle(15_000);
  });
});

forEachDialect('event webhooks: long retry waits go back to the job engine', (dialect) => {
  let w: World;
  const rx = new Receiver();
  const HOUR = 3_600_000;

  before(async () => {
    await rx.start();
    w = await startWorld({ dialect, config: { eventWebhooks: { allowPrivate: true, retryBaseMs: HOUR } } });
  });
  after(async () => {
    await w?.stop();
    await rx.close();
  });

  test('the retry waits for the computed delay, not less, then delivers', async () => {
    const url = rx.script('/later', (n) => (n === 1 ? { status: 502 } : { status: 200 }));
    const created = await w.api('POST', '/api/v1/webhooks', { url, events: ['contact.opted_out'] });
    const id = created.body.id;
    const ping = await w.api('POST', `/api/v1/webhooks/${id}/test`);
    await waitFor(() => rx.at('/later').length === 1, 5000, 'first attempt');
    let d: any;
    await waitFor(
      async () => {
        d = (await w.api('GET', `/api/v1/webhooks/${id}/deliveries`)).body.data[0];
        return d.attempts === 1;
      },
      5000,
      'first attempt logged',
    );
    assert.equal(d.id, ping.body.delivery_id);
    assert.equal(d.status, 'pending');
    const wait = Date.parse(d.next_attempt_at) - Date.parse(d.last_attempt_at);
    assert.ok(wait >= 0.8 * HOUR && wait <= 1.2 * HOUR + 1000, `first retry about an hour later (${wait} ms)`);
    // Not retried in place, nor early when an engine re-runs the job before it is due.
    await new Promise((r) => setTimeout(r, 3_200));
    assert.equal(rx.at('/later').length, 1);

    w.clock.advance(1.25 * HOUR);
    await waitFor(() => rx.at('/later').length === 2, 12_000, 'retry after the clock passed the delay');
    await waitFor(
      async () => (await w.api('GET', `/api/v1/webhooks/${id}/deliveries`)).body.data[0].status === 'succeeded',
      5000,
      'delivery succeeded',
    );
    const [done] = (await w.api('GET', `/api/v1/webhooks/${id}/deliveries`)).body.data;
    assert.deepEqual(
      done.attempt_log.map((a: any) => a.status_code),
      [502, 200],
    );
  });
});
