import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { forEachDialect } from '../support/dialects.ts';
import { postSigned } from '../support/signed-post.ts';
import { startWorld, type World } from '../support/test-world.ts';
import { waitFor } from '../support/wait-for.ts';
import { approvedTemplate, body } from '../templates/helpers.ts';

/** An integrator's endpoint: keeps the system.attention events it gets. */
async function attentionSink(): Promise<{ url: string; events: any[]; close(): Promise<void> }> {
  const events: any[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      events.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/events`,
    events,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

forEachDialect('operations: GET /api/v1/status and system.attention events', (dialect) => {
  let w: World;
  let sink: Awaited<ReturnType<typeof attentionSink>>;
  const status = async () => {
    const res = await w.api('GET', '/api/v1/status');
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body;
  };
  const attention = (kind: string) => sink.events.filter((e) => e.type === 'system.attention' && e.data.kind === kind);
  /** A phone_number_quality_update for the test number, signed as Meta signs it. */
  const quality = (event: string) =>
    postSigned(w.app.url, {
      object: 'whatsapp_business_account',
      entry: [
        {
          id: w.sim.wabaId,
          time: Math.floor(Date.now() / 1000),
          changes: [
            {
              field: 'phone_number_quality_update',
              value: { display_phone_number: w.sim.displayPhoneNumber, event, current_limit: 'TIER_1K' },
            },
          ],
        },
      ],
    });

  before(async () => {
    sink = await attentionSink();
    w = await startWorld({
      dialect,
      config: { templateSyncIntervalMs: 0, attentionIntervalMs: 1000, eventWebhooks: { allowPrivate: true, retryBaseMs: 50 } },
    });
    const sub = await w.api('POST', '/api/v1/webhooks', { url: sink.url, events: ['system.attention'] });
    assert.equal(sub.status, 201, JSON.stringify(sub.body));
  });
  after(async () => {
    await w?.stop();
    await sink?.close();
  });

  test('admins see version, uptime, database, numbers, Graph API, queues and an empty attention list', async () => {
    const s = await status();
    assert.equal(s.version, '0.1.0');
    assert.ok(s.uptime_seconds >= 0);
    assert.equal(s.role, 'all');
    assert.equal(s.database.kind, dialect);
    assert.ok(s.database.size_bytes > 0, 'database size read');
    assert.equal(s.numbers.length, 1);
    assert.equal(s.numbers[0].phone_number_id, w.sim.phoneNumberId);
    assert.equal(s.numbers[0].send_breaker, 'closed');
    assert.equal(s.numbers[0].quality, null);
    assert.deepEqual(Object.keys(s.queues).sort(), ['event_webhooks', 'flow_sessions_active', 'jobs', 'webhook_events']);
    assert.deepEqual(s.attention, []);
    const reader = (await w.api('POST', '/api/v1/tokens', { name: 'reader', scopes: ['conversations:read'] })).body.token;
    const refused = await fetch(`${w.app.url}/api/v1/status`, { headers: { authorization: `Bearer ${reader}` } });
    assert.equal(refused.status, 403, 'admins only');
  });

  test("a number's webhooks: the last signed event, and deliveries that failed the signature check", async () => {
    const customer = w.sim.customer('15557790001', 'Lea');
    await customer.sendText('hi');
    await customer.waitForMessage((m) => m.type === 'text');
    let s = await status();
    assert.ok(s.numbers[0].webhooks.last_event_at, 'a signed webhook arrived');
    assert.equal(s.numbers[0].webhooks.signature_failures, 0);
    assert.ok(s.graph_api.calls >= 1);
    const forged = await postSigned(
      w.app.url,
      {
        object: 'whatsapp_business_account',
        entry: [{ id: w.sim.wabaId, changes: [{ field: 'messages', value: { metadata: { phone_number_id: w.sim.phoneNumberId } } }] }],
      },
      { secret: 'an-old-app-secret' },
    );
    assert.equal(forged.status, 401);
    s = await status();
    assert.equal(s.numbers[0].webhooks.signature_failures, 1);
    const item = s.attention.find((a: any) => a.kind === 'webhook_signature_failures');
    assert.ok(item, JSON.stringify(s.attention));
    assert.equal(item.subject.phone_number_id, w.sim.phoneNumberId);
    assert.match(item.message, /app secret/);
  });

  test('a quality drop and a paused template: listed with an explanation, announced once each, again only after clearing', async () => {
    assert.equal((await quality('FLAGGED')).status, 200);
    const template = await approvedTemplate(w, {
      name: 'ops_paused',
      language: 'en_US',
      category: 'MARKETING',
      components: [body('Our sale starts tomorrow, {{1}}!', ['Ana'])],
    });
    assert.equal(template.status, 'APPROVED');
    await w.sim.templates.setStatus('ops_paused', 'en_US', 'PAUSED');
    await w.sim.drainWebhooks();
    await w.settle();
    const s = await status();
    assert.equal(s.numbers[0].quality.event, 'FLAGGED');
    assert.equal(s.numbers[0].quality.current_limit, 'TIER_1K');
    const kinds = s.attention.map((a: any) => a.kind).sort();
    assert.ok(kinds.includes('number_quality_dropped') && kinds.includes('template_paused'), JSON.stringify(s.attention));
    const paused = s.attention.find((a: any) => a.kind === 'template_paused');
    assert.equal(paused.subject.template_name, 'ops_paused');
    assert.match(paused.message, /paused/);

    await waitFor(() => attention('number_quality_dropped').length === 1 && attention('template_paused').length === 1, 10_000);
    const event = attention('number_quality_dropped')[0];
    assert.equal(event.data.key, `number_quality_dropped:${s.numbers[0].channel_id}`);
    assert.match(event.data.message, /FLAGGED/);
    // Several checks later, still one event each: announced when it appears, not at every check.
    await new Promise((r) => setTimeout(r, 2500));
    assert.equal(attention('number_quality_dropped').length, 1);
    assert.equal(attention('template_paused').length, 1);

    // Cleared, then back: announced again.
    assert.equal((await quality('UNFLAGGED')).status, 200);
    await w.settle();
    await waitFor(async () => !(await status()).attention.some((a: any) => a.kind === 'number_quality_dropped'));
    await new Promise((r) => setTimeout(r, 1500)); // a check sees it gone
    assert.equal((await quality('FLAGGED')).status, 200);
    await w.settle();
    await waitFor(() => attention('number_quality_dropped').length === 2, 10_000);
    assert.equal(attention('template_paused').length, 1);
  });

  test('an event webhook endpoint that keeps failing is an attention item', async () => {
    const dead = await w.api('POST', '/api/v1/webhooks', { url: 'http://127.0.0.1:9/nobody-here', events: ['message.received'] });
    assert.equal(dead.status, 201);
    await w.sim.customer('15557790002', 'Omar').sendText('hello');
    await waitFor(async () => (await status()).attention.some((a: any) => a.kind === 'event_webhook_failing'), 20_000);
    const item = (await status()).attention.find((a: any) => a.kind === 'event_webhook_failing');
    assert.equal(item.subject.webhook_id, dead.body.id);
    assert.match(item.message, /deliveries/);
    assert.ok((await status()).queues.event_webhooks.pending >= 1, 'its retries are the backlog');
  });
});
