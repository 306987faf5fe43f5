import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { SseClient } from '../inbox/sse-client.ts';
import { forEachDialect } from '../support/dialects.ts';
import { FaultGraph } from '../support/fault-graph.ts';
import { Scrape } from '../support/prometheus.ts';
import { postSigned } from '../support/signed-post.ts';
import { ADMIN_TOKEN, startWorld, type World } from '../support/test-world.ts';
import { waitFor } from '../support/wait-for.ts';
import { conversationOf } from '../support/ai-world.ts';

const METRICS_TOKEN = 'metrics-token-0123456789';

/** An integrator's endpoint answering 200 to every event webhook. */
async function eventSink(): Promise<{ url: string; received: () => number; close(): Promise<void> }> {
  let received = 0;
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      received++;
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/events`,
    received: () => received,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

forEachDialect('operations: GET /metrics in Prometheus format moves as traffic flows', (dialect) => {
  let w: World;
  let graph: FaultGraph;
  let sink: Awaited<ReturnType<typeof eventSink>>;
  const scrape = async (): Promise<Scrape> => {
    const res = await fetch(`${w.app.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    assert.equal(res.status, 200);
    return new Scrape(await res.text());
  };

  before(async () => {
    graph = new FaultGraph('http://127.0.0.1:1');
    await graph.start();
    sink = await eventSink();
    w = await startWorld({
      dialect,
      config: { metrics: { token: METRICS_TOKEN }, templateSyncIntervalMs: 0, eventWebhooks: { allowPrivate: true, retryBaseMs: 50 } },
      number: { graphUrl: graph.url },
    });
    graph.upstream = w.sim.graphBaseUrl;
    const sub = await w.api('POST', '/api/v1/webhooks', { url: sink.url, events: ['message.received'] });
    assert.equal(sub.status, 201, JSON.stringify(sub.body));
  });
  after(async () => {
    await w?.stop();
    await graph?.close();
    await sink?.close();
  });

  test('needs the metrics token: 401 without it or with another, 200 in the text format with it', async () => {
    const none = await fetch(`${w.app.url}/metrics`);
    assert.equal(none.status, 401);
    const body = (await none.json()) as { error: { code: string; request_id: string } };
    assert.equal(body.error.code, 'unauthorized');
    assert.equal(body.error.request_id, none.headers.get('x-request-id'));
    const wrong = await fetch(`${w.app.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    assert.equal(wrong.status, 401, 'the admin token is not the metrics token');
    const ok = await fetch(`${w.app.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    assert.equal(ok.status, 200);
    assert.match(ok.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const s = new Scrape(await ok.text());
    for (const name of [
      'process_cpu_user_seconds_total',
      'nodejs_eventloop_lag_seconds',
      'nodejs_heap_size_used_bytes',
      'switchboard_webhook_events_pending',
      'switchboard_webhook_events_oldest_pending_age_seconds',
      'switchboard_jobs_pending',
      'switchboard_jobs_oldest_pending_age_seconds',
      'switchboard_event_webhook_backlog',
      'switchboard_flow_sessions_active',
      'switchboard_sse_connections',
      'switchboard_send_breaker_open',
    ])
      assert.ok(s.families.has(name), `${name} is exposed`);
    if (dialect === 'postgres') assert.ok(s.value('switchboard_db_pool_connections', { state: 'total' }) >= 1, 'pool size on PostgreSQL');
    else assert.equal(s.samples('switchboard_db_pool_connections').length, 0, 'no pool on SQLite');
  });

  test('a message in, the bot reply and an agent reply out move the webhook, HTTP, job, message, Graph and event-webhook metrics', async () => {
    await w.settle();
    const before = await scrape();
    const customer = w.sim.customer('15557770001', 'Mila');
    await customer.sendText('hi');
    await customer.waitForMessage((m) => m.type === 'text');
    await w.settle();
    await waitFor(
      async () =>
        (await scrape()).value('switchboard_messages_total', { direction: 'outbound', status: 'read' }) >
        before.value('switchboard_messages_total', { direction: 'outbound', status: 'read' }),
    );
    await waitFor(async () => sink.received() >= 1);
    // The bot's reply is sent by its message's own job (src/messaging/inline-sends.ts); an agent's is a message.send job.
    const conv = await conversationOf(w, '15557770001');
    assert.equal((await w.api('POST', `/api/v1/conversations/${conv.id}/messages`, { text: 'an agent here' })).status, 202);
    await customer.waitForMessage((m) => m.text === 'an agent here');
    await w.settle();
    const after = await scrape();
    const grew = (name: string, labels: Record<string, string> = {}, by = 1) =>
      assert.ok(after.value(name, labels) - before.value(name, labels) >= by, `${name}${JSON.stringify(labels)} grew by ${by}+`);
    grew('switchboard_webhook_events_total', { outcome: 'accepted' }, 2); // the message, then its statuses
    grew('switchboard_messages_total', { direction: 'inbound', status: 'received' });
    grew('switchboard_messages_total', { direction: 'outbound', status: 'accepted' });
    grew('switchboard_messages_total', { direction: 'outbound', status: 'delivered' });
    grew('switchboard_graph_requests_total', { method: 'POST', outcome: 'ok' });
    grew('switchboard_jobs_total', { task: 'message.process', outcome: 'completed' });
    grew('switchboard_jobs_total', { task: 'message.send', outcome: 'completed' });
    grew('switchboard_event_webhook_deliveries_total', { outcome: 'delivered' });
    grew('switchboard_http_requests_total', { method: 'POST', route: '/webhooks/whatsapp', status: '200' }, 2);
    const webhookRoute = { method: 'POST', route: '/webhooks/whatsapp' };
    assert.ok(
      after.count('switchboard_http_request_duration_seconds', webhookRoute) -
        before.count('switchboard_http_request_duration_seconds', webhookRoute) >=
        2,
      'webhook requests timed under their route template',
    );
    assert.ok(
      after.count('switchboard_job_duration_seconds', { task: 'message.send' }) >
        before.count('switchboard_job_duration_seconds', { task: 'message.send' }),
    );
    assert.ok(
      after.count('switchboard_graph_request_duration_seconds', { method: 'POST', outcome: 'ok' }) >
        before.count('switchboard_graph_request_duration_seconds', { method: 'POST', outcome: 'ok' }),
    );
    // Routes are labelled by template, never by raw URL (bounded label values).
    const routes = new Set(after.samples('switchboard_http_requests_total').map((m) => m.labels?.route));
    for (const r of routes) assert.ok(!/\/conv_|wamid/.test(r ?? ''), `route label ${r} is a template`);
  });

  test('a send WhatsApp refuses is counted by its error code; a failed message by status', async () => {
    const customer = w.sim.customer('15557770002', 'Noor');
    await customer.sendText('hello');
    await customer.waitForMessage((m) => m.type === 'text');
    await w.settle();
    const list = await w.api('GET', '/api/v1/conversations');
    const conv = list.body.data.find((c: any) => c.contact.wa_id === '15557770002');
    const before = await scrape();
    graph.fault = { kind: 'error', status: 400, code: 131026 };
    try {
      const sent = await w.api('POST', `/api/v1/conversations/${conv.id}/messages`, { text: 'this one is refused' });
      assert.equal(sent.status, 202);
      await waitFor(
        async () =>
          (await scrape()).value('switchboard_messages_total', { direction: 'outbound', status: 'failed' }) >
          before.value('switchboard_messages_total', { direction: 'outbound', status: 'failed' }),
      );
    } finally {
      graph.fault = { kind: 'pass' };
    }
    const after = await scrape();
    const code = { outcome: 'error', error_code: '131026' };
    assert.equal(after.value('switchboard_graph_requests_total', code) - before.value('switchboard_graph_requests_total', code), 1);
  });

  test('refused webhooks are counted by reason', async () => {
    const before = await scrape();
    const unsigned = await fetch(`${w.app.url}/webhooks/whatsapp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    assert.equal(unsigned.status, 401);
    const forged = await postSigned(w.app.url, { object: 'whatsapp_business_account', entry: [] }, { secret: 'not-the-app-secret' });
    assert.equal(forged.status, 401);
    const after = await scrape();
    const delta = (reason: string) =>
      after.value('switchboard_webhook_events_total', { outcome: 'rejected', reason }) -
      before.value('switchboard_webhook_events_total', { outcome: 'rejected', reason });
    assert.equal(delta('missing_signature'), 1);
    assert.equal(delta('invalid_signature'), 1);
  });

  test('jobs not done yet are counted by job name and state', async () => {
    const { deps } = w.app;
    await deps.jobs.enqueue(deps.storage.db, 'templates.sync', {}, { runAt: deps.clock.now() + 3_600_000, key: 'metrics-test-later' });
    deps.jobs.wake();
    await waitFor(async () => (await scrape()).value('switchboard_jobs_waiting', { task: 'templates.sync', state: 'scheduled' }) === 1);
  });

  test('every metric the Grafana dashboard (docs/grafana) queries is exposed', async () => {
    const dashboard = readFileSync(new URL('../../docs/grafana/switchboard-dashboard.json', import.meta.url), 'utf8');
    const used = new Set(
      [...dashboard.matchAll(/\b((?:switchboard|nodejs|process)_[a-z0-9_]+)/g)].map((m) => (m[1] ?? '').replace(/_bucket$/, '')),
    );
    const s = await scrape();
    const missing = [...used].filter(
      (name) => !s.families.has(name) && !(dialect === 'sqlite' && name === 'switchboard_db_pool_connections'),
    );
    assert.deepEqual(missing, []);
  });

  test('an open inbox stream is counted while it is open', async () => {
    const before = (await scrape()).value('switchboard_sse_connections');
    const stream = await SseClient.open(`${w.app.url}/api/v1/stream`, { authorization: `Bearer ${ADMIN_TOKEN}` });
    try {
      assert.equal((await scrape()).value('switchboard_sse_connections'), before + 1);
    } finally {
      await stream.close();
    }
    await waitFor(async () => (await scrape()).value('switchboard_sse_connections') === before);
  });
});

forEachDialect('operations: METRICS_PORT serves /metrics on a listener of its own', (dialect) => {
  let w: World;
  before(async () => {
    w = await startWorld({ dialect, config: { metrics: { port: 0, host: '127.0.0.1' }, templateSyncIntervalMs: 0 } });
  });
  after(async () => {
    await w?.stop();
  });

  test('the metrics port answers without a token; the main port does not serve metrics', async () => {
    assert.ok(w.app.metricsUrl, 'the listener started');
    const res = await fetch(`${w.app.metricsUrl}/metrics`);
    assert.equal(res.status, 200);
    assert.ok(new Scrape(await res.text()).families.has('switchboard_http_request_duration_seconds'));
    assert.equal((await fetch(`${w.app.metricsUrl}/api/v1/status`)).status, 404, 'that port serves /metrics only');
    const main = await fetch(`${w.app.url}/metrics`);
    assert.equal(main.status, 404);
    assert.match(((await main.json()) as { error: { message: string } }).error.message, /METRICS_PORT/);
  });
});
