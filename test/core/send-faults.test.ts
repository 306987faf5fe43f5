import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { DEFAULT_SEND_POLICY, type SendPolicy } from '../../src/messaging/send-policy.ts';
import { forEachDialect, type TestDialect } from '../support/dialects.ts';
import { FaultGraph, type GraphFault } from '../support/fault-graph.ts';
import { SseClient } from '../inbox/sse-client.ts';
import { ADMIN_TOKEN, startWorld, type World } from '../support/test-world.ts';
import { waitFor } from '../support/wait-for.ts';

/** An integrator's endpoint: records the event webhooks it gets. */
class EventSink {
  readonly events: any[] = [];
  private server: Server | undefined;
  url = '';
  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.events.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/events`;
  }
  of(type: string): any[] {
    return this.events.filter((e) => e.type === type);
  }
  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}

const OK_STATUSES = ['accepted', 'sent', 'delivered', 'read'];

interface Figures {
  scenario: string;
  dialect: TestDialect;
  acknowledged: number;
  replies: number;
  sent: number;
  failed: number;
  duplicates: number;
  graphCallsDuringOutage: number;
  recoverMsFake: number;
}

/** A world whose number talks to the simulator through a fake Graph API we can break, plus an event webhook sink. */
async function faultWorld(
  dialect: TestDialect,
  sendPolicy?: Partial<SendPolicy>,
): Promise<{ w: World; graph: FaultGraph; sink: EventSink; stop(): Promise<void> }> {
  const graph = new FaultGraph('http://127.0.0.1:1');
  await graph.start();
  const sink = new EventSink();
  await sink.start();
  const w = await startWorld({
    dialect,
    config: {
      demoBot: true,
      templateSyncIntervalMs: 0,
      eventWebhooks: { allowPrivate: true, retryBaseMs: 50 },
      sendPolicy: { ...DEFAULT_SEND_POLICY, ...sendPolicy },
    },
    number: { graphUrl: graph.url },
  });
  graph.upstream = w.sim.graphBaseUrl;
  const sub = await w.api('POST', '/api/v1/webhooks', {
    url: sink.url,
    events: ['message.failed', 'message.unconfirmed', 'message.status'],
  });
  assert.equal(sub.status, 201, JSON.stringify(sub.body));
  return {
    w,
    graph,
    sink,
    async stop() {
      await w.stop();
      await graph.close();
      await sink.close();
    },
  };
}

async function outboundRows(w: World) {
  return w.app.deps.storage.db.selectFrom('messages').selectAll().where('direction', '=', 'out').orderBy('seq').execute();
}

/** Advances the shared fake clock by `stepMs` and lets every job that became due run. */
async function tick(w: World, stepMs: number): Promise<void> {
  w.clock.advance(stepMs);
  await w.settle(30_000);
}

/**
 * Customers write while the Graph API is failing; the fault lasts `faultMs` of fake time, then
 * heals; time moves on until every reply is accepted. Each customer sends two messages, so each
 * conversation has two replies whose order is checked.
 */
async function outage(
  dialect: TestDialect,
  scenario: string,
  opts: {
    customers: number;
    faultMs: number;
    stepMs: number;
    breakDown: (g: FaultGraph) => Promise<void>;
    heal: (g: FaultGraph) => Promise<void>;
  },
): Promise<Figures> {
  const { w, graph, stop } = await faultWorld(dialect);
  try {
    const tag = String(Math.floor(Math.random() * 9000) + 1000);
    const customers = Array.from({ length: opts.customers }, (_, i) =>
      w.sim.customer(`1555${tag}${String(i).padStart(3, '0')}`, `Customer ${i}`),
    );
    await opts.breakDown(graph);
    const start = w.clock.now();
    for (const c of customers) {
      await c.sendText('first question');
      await c.sendText('second question');
    }
    await w.settle(30_000);
    while (w.clock.now() - start < opts.faultMs) {
      await tick(w, opts.stepMs);
      const failed = (await outboundRows(w)).filter((r) => r.status === 'failed');
      assert.deepEqual(
        failed.map((r) => r.error_code),
        [],
        'nothing fails during the outage',
      );
    }
    const callsDuringOutage = graph.calls.failed;
    const queued = (await outboundRows(w)).filter((r) => r.status === 'queued');
    assert.equal(queued.length, opts.customers * 2, 'every reply waits, queued');
    // Each conversation's first reply says why it waits; the second is held back behind it, untried.
    const firsts = queued.filter((r) => r.text === 'You said: first question');
    assert.ok(
      firsts.every((r) => r.error_code !== null && r.next_attempt_at !== null),
      'a waiting reply shows its last error and when it is tried again',
    );
    assert.ok(
      queued.filter((r) => r.text === 'You said: second question').every((r) => r.attempts === 0),
      'later replies wait behind the first, untried',
    );
    await opts.heal(graph);
    const healedAt = w.clock.now();
    await waitFor(
      async () => {
        const rows = await outboundRows(w);
        if (rows.length === opts.customers * 2 && rows.every((r) => OK_STATUSES.includes(r.status))) return true;
        await tick(w, Math.min(opts.stepMs, 5_000));
        return false;
      },
      60_000,
      'every reply sent after the outage',
    );
    const recoverMs = w.clock.now() - healedAt;
    const rows = await outboundRows(w);
    const accepted = w.sim.outbound();
    const seen = new Map<string, number>();
    for (const m of accepted) seen.set(`${m.waId}|${m.text}`, (seen.get(`${m.waId}|${m.text}`) ?? 0) + 1);
    const duplicates = [...seen.values()].reduce((n, k) => n + (k - 1), 0);
    // Order: each conversation's replies reached "Meta" in the order they were decided.
    for (const c of customers) {
      const texts = accepted.filter((m) => m.waId === c.waId).map((m) => m.text);
      assert.deepEqual(texts, ['You said: first question', 'You said: second question'], `replies to ${c.waId} in order`);
    }
    const inbound = await w.app.deps.storage.db.selectFrom('messages').select('id').where('direction', '=', 'in').execute();
    const figures: Figures = {
      scenario,
      dialect,
      acknowledged: inbound.length,
      replies: rows.length,
      sent: rows.filter((r) => OK_STATUSES.includes(r.status)).length,
      failed: rows.filter((r) => r.status === 'failed').length,
      duplicates,
      graphCallsDuringOutage: callsDuringOutage,
      recoverMsFake: recoverMs,
    };
    console.log(`FIGURES ${JSON.stringify(figures)}`);
    assert.equal(figures.acknowledged, opts.customers * 2);
    assert.equal(figures.sent, opts.customers * 2);
    assert.equal(figures.failed, 0);
    assert.equal(duplicates, 0, 'no reply sent twice');
    assert.equal(accepted.length, opts.customers * 2);
    return figures;
  } finally {
    await stop();
  }
}

forEachDialect('send policy under Graph API faults', (dialect) => {
  test('Graph answers 429 / 130429 with Retry-After for 60 s: every reply is sent once, in order, none failed', async () => {
    await outage(dialect, 'Graph 429 (130429, Retry-After 5) for 60 s', {
      customers: 6,
      faultMs: 60_000,
      stepMs: 2_000,
      breakDown: async (g) => void (g.fault = { kind: 'error', status: 429, code: 130429, retryAfterS: 5 }),
      heal: async (g) => void (g.fault = { kind: 'pass' }),
    });
  });

  test('Graph answers 500 / 131000 for 5 minutes: every reply is sent once; the breaker spares the Graph API most calls', async () => {
    const f = await outage(dialect, 'Graph 500 (131000) for 5 minutes', {
      customers: 6,
      faultMs: 5 * 60_000,
      stepMs: 10_000,
      breakDown: async (g) => void (g.fault = { kind: 'error', status: 500, code: 131000 }),
      heal: async (g) => void (g.fault = { kind: 'pass' }),
    });
    // 12 replies retried every ~minute for 5 minutes would be 60+ calls; the breaker lets through
    // the failures that open it and about one probe per cool-down (5, 10, 20, 40, 60, 60... s).
    assert.ok(f.graphCallsDuringOutage <= 20, `${f.graphCallsDuringOutage} calls to a Graph API that was down`);
  });

  test('Graph unreachable (connection refused) for 60 s: every reply is sent once, none failed', async () => {
    await outage(dialect, 'Graph unreachable (connection refused) for 60 s', {
      customers: 6,
      faultMs: 60_000,
      stepMs: 2_000,
      breakDown: (g) => g.down(),
      heal: (g) => g.up(),
    });
  });
});

forEachDialect('send policy: circuit breaker, failures, horizon, resend', (dialect) => {
  let world: Awaited<ReturnType<typeof faultWorld>>;
  before(async () => {
    // Retries a minute apart, so the breaker's counting is not mixed with retries that come due in real time.
    world = await faultWorld(dialect, { retryBaseMs: 60_000, retryMaxDelayMs: 120_000 });
  });
  after(async () => {
    await world.stop();
  });

  async function conversationOf(w: World, waId: string): Promise<string> {
    const list = await w.api('GET', `/api/v1/conversations?limit=100`);
    const c = list.body.data.find((x: any) => x.contact.wa_id === waId);
    assert.ok(c, `conversation of ${waId}`);
    return c.id;
  }

  test('the breaker opens after consecutive failures (calls stop, sends wait), is shown in /health/ready, and closes after a probe', async () => {
    const { w, graph } = world;
    graph.fault = { kind: 'error', status: 503, code: 131016 };
    const customers = Array.from({ length: 8 }, (_, i) => w.sim.customer(`155571000${i}`, `B${i}`));
    // One at a time, each reply tried before the next customer writes.
    for (const c of customers) {
      await c.sendText('breaker please');
      await w.settle();
    }
    const ready = await w.api('GET', '/health/ready');
    assert.equal(ready.status, 200);
    const breaker = ready.body.send_breakers[0];
    assert.equal(breaker.state, 'open');
    assert.ok(breaker.open_until);
    // 8 replies, but the breaker opened after 5 failures: the other 3 were not sent to a failing API.
    assert.equal(graph.calls.failed, 5);
    const rows = (await outboundRows(w)).filter((r) => r.text === 'You said: breaker please');
    assert.equal(rows.length, 8);
    assert.ok(
      rows.every((r) => r.status === 'queued' && r.next_attempt_at !== null),
      'every reply waits, none failed',
    );
    const detail = await w.api('GET', `/api/v1/conversations/${rows[0]!.conversation_id}`);
    const view = detail.body.messages.find((m: any) => m.id === rows[0]!.id);
    assert.equal(view.status, 'queued');
    assert.ok(view.retry_at, 'the API says when it is tried again');
    // Still down at the first probe: the breaker opens again, for longer.
    await tick(w, 5_000);
    await waitFor(() => graph.calls.failed === 6, 5_000, 'one probe');
    await w.settle();
    assert.equal(graph.calls.failed, 6, 'only one probe');
    const again = (await w.api('GET', '/health/ready')).body.send_breakers[0];
    assert.equal(again.state, 'open');
    assert.equal(again.trips, 2);
    graph.fault = { kind: 'pass' };
    await waitFor(
      async () => {
        if ((await outboundRows(w)).filter((r) => r.text === 'You said: breaker please').every((r) => OK_STATUSES.includes(r.status)))
          return true;
        await tick(w, 2_000);
        return false;
      },
      30_000,
      'all sent after the probe',
    );
    assert.equal((await w.api('GET', '/health/ready')).body.send_breakers[0].state, 'closed');
    assert.equal(w.sim.outbound().filter((m) => m.text === 'You said: breaker please').length, 8, 'each sent once');
  });

  test('a permanent error fails the reply at once, visible in the API and announced by message.failed; resend sends it once', async () => {
    const { w, graph, sink } = world;
    graph.fault = { kind: 'error', status: 400, code: 131026 };
    const customer = w.sim.customer('15557200001', 'Perm');
    await customer.sendText('will fail');
    await w.settle();
    const calls = graph.calls.failed;
    const conversationId = await conversationOf(w, customer.waId);
    const detail = await w.api('GET', `/api/v1/conversations/${conversationId}`);
    const failed = detail.body.messages.find((m: any) => m.direction === 'out');
    assert.equal(failed.status, 'failed');
    assert.equal(failed.error.code, 'whatsapp_131026');
    assert.equal(failed.attempts, 1, 'not retried');
    await waitFor(() => world.sink.of('message.failed').some((e) => e.data.message.id === failed.id), 5000, 'message.failed delivered');
    const event = sink.of('message.failed').find((e) => e.data.message.id === failed.id);
    assert.equal(event.data.message.error.code, 'whatsapp_131026');

    graph.fault = { kind: 'pass' };
    const resent = await w.api('POST', `/api/v1/conversations/${conversationId}/messages/${failed.id}/resend`);
    assert.equal(resent.status, 202, JSON.stringify(resent.body));
    assert.equal(resent.body.resend_of, failed.id);
    assert.equal(resent.body.text, 'You said: will fail');
    assert.notEqual(resent.body.id, failed.id);
    await w.settle();
    await waitFor(() => customer.received().some((m) => m.text === 'You said: will fail'), 5000, 'resent message received');
    assert.equal(customer.received().filter((m) => m.text === 'You said: will fail').length, 1);
    assert.equal(graph.calls.failed, calls);
    const after = await w.api('GET', `/api/v1/conversations/${conversationId}`);
    assert.equal(after.body.messages.find((m: any) => m.id === failed.id).status, 'failed', 'the original keeps its record');

    // Once only; only failed/unconfirmed; a missing id; a message of another conversation.
    const twice = await w.api('POST', `/api/v1/conversations/${conversationId}/messages/${failed.id}/resend`);
    assert.equal(twice.status, 409);
    assert.deepEqual(twice.body.error.code, 'already_resent');
    assert.equal(twice.body.error.details.resent_as, resent.body.id);
    const sentOne = await w.api('POST', `/api/v1/conversations/${conversationId}/messages/${resent.body.id}/resend`);
    assert.equal(sentOne.status, 409);
    assert.equal(sentOne.body.error.code, 'not_resendable');
    const missing = await w.api('POST', `/api/v1/conversations/${conversationId}/messages/msg_nope/resend`);
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error.code, 'message_not_found');
    const inbound = after.body.messages.find((m: any) => m.direction === 'in');
    assert.equal(
      (await w.api('POST', `/api/v1/conversations/${conversationId}/messages/${inbound.id}/resend`)).status,
      404,
      'a customer message is not ours to resend',
    );
    const body = await w.api('POST', `/api/v1/conversations/${conversationId}/messages/${failed.id}/resend`, { text: 'x' });
    assert.equal(body.status, 400);
    const markSent = await w.api('POST', `/api/v1/conversations/${conversationId}/messages/${failed.id}/mark-sent`);
    assert.equal(markSent.status, 409);
    assert.equal(markSent.body.error.code, 'not_unconfirmed');
  });

  test('a send whose connection drops after the request left is unconfirmed (API, stream, message.unconfirmed), never resent by itself; mark-sent and resend resolve it', async () => {
    const { w, graph, sink } = world;
    const stream = await SseClient.open(`${w.app.url}/api/v1/stream`, { authorization: `Bearer ${ADMIN_TOKEN}` });
    try {
      graph.fault = { kind: 'drop' };
      const first = w.sim.customer('15557400001', 'Lost');
      const second = w.sim.customer('15557400002', 'Lost too');
      await first.sendText('lost');
      await w.settle();
      await second.sendText('lost too');
      await w.settle();
      graph.fault = { kind: 'pass' };
      assert.equal(graph.calls.dropped, 2);
      const sends = graph.sends;
      const ids: string[] = [];
      for (const c of [first, second]) {
        const conversationId = await conversationOf(w, c.waId);
        const out = (await w.api('GET', `/api/v1/conversations/${conversationId}`)).body.messages.find((m: any) => m.direction === 'out');
        assert.equal(out.status, 'unconfirmed');
        assert.equal(out.error.code, 'send_unconfirmed');
        ids.push(out.id);
        await waitFor(
          () => sink.of('message.unconfirmed').some((e) => e.data.message.id === out.id),
          5000,
          'message.unconfirmed delivered',
        );
        await stream.next(
          (e) => e.event === 'message.status' && e.data.message?.id === out.id && e.data.message.status === 'unconfirmed',
          5000,
          'unconfirmed on the stream',
        );
      }
      // Time passes: nothing sends them again.
      for (let i = 0; i < 3; i++) await tick(w, 60_000);
      assert.equal(graph.sends, sends, 'not resent automatically');

      // The agent knows the first arrived: mark it sent.
      const c1 = await conversationOf(w, first.waId);
      const marked = await w.api('POST', `/api/v1/conversations/${c1}/messages/${ids[0]}/mark-sent`);
      assert.equal(marked.status, 200, JSON.stringify(marked.body));
      assert.equal(marked.body.status, 'sent');
      assert.equal(marked.body.error, null);
      await stream.next(
        (e) => e.event === 'message.status' && e.data.message?.id === ids[0] && e.data.message.status === 'sent',
        5000,
        'marked sent on the stream',
      );
      assert.equal((await w.api('POST', `/api/v1/conversations/${c1}/messages/${ids[0]}/mark-sent`)).body.error.code, 'not_unconfirmed');
      assert.equal((await w.api('POST', `/api/v1/conversations/${c1}/messages/${ids[0]}/resend`)).body.error.code, 'not_resendable');
      assert.equal(first.received().length, 0);

      // The second is resent: a new message, delivered once; the original is settled.
      const c2 = await conversationOf(w, second.waId);
      const resent = await w.api('POST', `/api/v1/conversations/${c2}/messages/${ids[1]}/resend`);
      assert.equal(resent.status, 202, JSON.stringify(resent.body));
      assert.equal(resent.body.resend_of, ids[1]);
      await w.settle();
      await waitFor(() => second.received().length === 1, 5000, 'resent message received');
      assert.equal(second.received()[0]!.text, 'You said: lost too');
      const original = (await w.api('GET', `/api/v1/conversations/${c2}`)).body.messages.find((m: any) => m.id === ids[1]);
      assert.equal(original.status, 'failed');
      assert.equal(original.error.code, 'unconfirmed_resent');
      assert.equal((await w.api('POST', `/api/v1/conversations/${c2}/messages/${ids[1]}/mark-sent`)).body.error.code, 'not_unconfirmed');
    } finally {
      await stream.close();
    }
  });

  test("status callbacks that come before the Graph API's answer are kept: the answer does not move the message back", async () => {
    const { w, graph } = world;
    // Meta has the reply and its callbacks (carrying our id) arrive while its answer is still on the way.
    graph.fault = { kind: 'answer-late' };
    const customer = w.sim.customer('15557400003', 'Early');
    await customer.sendText('early statuses');
    await waitFor(() => graph.answersKept === 1, 5000, 'the send reached Meta, its answer kept');
    await customer.waitForMessage((m) => m.text === 'You said: early statuses');
    await w.sim.drainWebhooks();
    const conversationId = await conversationOf(w, customer.waId);
    const out = async () =>
      (await w.api('GET', `/api/v1/conversations/${conversationId}`)).body.messages.find((m: any) => m.direction === 'out');
    await waitFor(async () => (await out())?.status === 'read', 5000, 'read, from the callbacks');
    graph.fault = { kind: 'pass' };
    assert.equal(graph.releaseAnswers(), 1);
    await w.settle();
    const after = await out();
    assert.equal(after.status, 'read', 'the late answer did not move it back to accepted');
    const rows = (await outboundRows(w)).filter((r) => r.text === 'You said: early statuses');
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.external_id, customer.received().at(-1)!.wamid);
  });

  test('a reply that cannot be sent before the customer window closes fails at the horizon (retry_horizon_passed, message.failed); a resend then is 422 window_closed', async () => {
    const { w, graph, sink } = world;
    graph.fault = { kind: 'error', status: 500, code: 131000 };
    const customer = w.sim.customer('15557300001', 'Late');
    await customer.sendText('too late');
    await w.settle();
    const conversationId = await conversationOf(w, customer.waId);
    const [row] = (await outboundRows(w)).filter((r) => r.conversation_id === conversationId);
    assert.equal(row!.status, 'queued');
    // An hour of outage: still retried.
    for (let i = 0; i < 6; i++) await tick(w, 10 * 60_000);
    assert.equal((await outboundRows(w)).find((r) => r.id === row!.id)!.status, 'queued');
    // Past the end of the 24-hour window: failed, whatever comes next.
    await tick(w, 24 * 3600_000);
    await waitFor(async () => (await outboundRows(w)).find((r) => r.id === row!.id)!.status === 'failed', 10_000, 'failed at the horizon');
    const failed = (await outboundRows(w)).find((r) => r.id === row!.id)!;
    assert.equal(failed.error_code, 'retry_horizon_passed');
    assert.match(failed.error_message ?? '', /24-hour window closed/);
    await waitFor(() => sink.of('message.failed').some((e) => e.data.message.id === row!.id), 5000, 'message.failed for the horizon');
    graph.fault = { kind: 'pass' };
    const resend = await w.api('POST', `/api/v1/conversations/${conversationId}/messages/${row!.id}/resend`);
    assert.equal(resend.status, 422);
    assert.equal(resend.body.error.code, 'window_closed');
    assert.equal(customer.received().length, 0);
  });
});

describe('send policy settings', () => {
  test('SEND_RETRY_* and SEND_BREAKER_* are read and checked', async () => {
    const { loadConfig } = await import('../../src/load-config.ts');
    const ok = loadConfig(
      { SEND_RETRY_HORIZON_TEMPLATE_MS: '3600000', SEND_BREAKER_FAILURES: '3', SEND_RETRY_HORIZON_MS: '0' },
      '/nonexistent',
    );
    assert.ok(ok.ok);
    assert.equal(ok.config.sendPolicy?.templateHorizonMs, 3_600_000);
    assert.equal(ok.config.sendPolicy?.breakerFailures, 3);
    assert.equal(ok.config.sendPolicy?.freeFormHorizonMs, 0);
    const bad = loadConfig({ SEND_BREAKER_FAILURES: '0', SEND_RETRY_BASE_MS: '120000', SEND_RETRY_MAX_DELAY_MS: '60000' }, '/nonexistent');
    assert.ok(!bad.ok);
    assert.ok(bad.problems.some((p) => p.startsWith('SEND_BREAKER_FAILURES')));
    assert.ok(bad.problems.some((p) => p.startsWith('SEND_RETRY_BASE_MS must not be longer')));
  });
});

export type { GraphFault };
