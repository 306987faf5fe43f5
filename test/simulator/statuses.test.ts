import assert from 'node:assert/strict';
import { test } from 'node:test';
import { send, startReceiver, testSimulator } from './helpers.ts';

const CUSTOMER = '16505551234';

async function setup(t: import('node:test').TestContext, extra: Parameters<typeof testSimulator>[0] = {}) {
  const rcv = await startReceiver();
  const sim = await testSimulator({ webhookUrl: rcv.url, ...extra });
  t.after(async () => {
    await sim.close();
    await rcv.close();
  });
  return { rcv, sim };
}

test('an accepted message gets sent → delivered → read with pricing and conversation', async (t) => {
  const { rcv, sim } = await setup(t, { statusDelaysMs: { sent: 5, delivered: 25, read: 50 } });
  await sim.customer(CUSTOMER).sendText('hi');
  const r = await send(sim, { to: CUSTOMER, type: 'text', biz_opaque_callback_data: 'order-42', text: { body: 'hello' } });
  const wamid = r.json.messages[0].id;
  await sim.drainWebhooks(2000);
  const statuses = rcv.statuses().filter((s) => s.id === wamid);
  assert.deepEqual(
    statuses.map((s) => s.status),
    ['sent', 'delivered', 'read'],
  );
  for (const s of statuses) {
    assert.equal(s.recipient_id, CUSTOMER);
    assert.match(s.timestamp, /^\d{10}$/);
    assert.equal(s.biz_opaque_callback_data, 'order-42');
    assert.equal(s.conversation.origin.type, 'service');
    assert.match(s.conversation.id, /^[0-9a-f]{32}$/);
  }
  const [sent, delivered, read] = statuses;
  assert.deepEqual(sent.pricing, { billable: false, pricing_model: 'PMP', type: 'free_customer_service', category: 'service' });
  assert.deepEqual(delivered.pricing, sent.pricing);
  assert.equal(read.pricing, undefined, 'pricing rides on sent and one of delivered/read, not both');
  assert.match(sent.conversation.expiration_timestamp, /^\d{10}$/);
  assert.equal(delivered.conversation.expiration_timestamp, undefined);
  const env = rcv.received.find((w) => w.json.entry[0].changes[0].value.statuses)!.json;
  assert.deepEqual(Object.keys(env.entry[0].changes[0].value), ['messaging_product', 'metadata', 'contacts', 'statuses']);
  const rec = sim.outbound().find((m) => m.wamid === wamid)!;
  assert.equal(rec.status, 'read');
});

test('template pricing: marketing is billable regular; utility inside the window is free', async (t) => {
  const components = [{ type: 'BODY', text: 'Your order has shipped and is on the way.' }];
  const { rcv, sim } = await setup(t, {
    seedTemplates: [
      { name: 'promo', language: 'en', category: 'MARKETING', components },
      { name: 'shipped', language: 'en', category: 'UTILITY', components },
      { name: 'otp', language: 'en', category: 'AUTHENTICATION', components },
    ],
  });
  const tpl = (name: string, to = CUSTOMER) => send(sim, { to, type: 'template', template: { name, language: { code: 'en' } } });
  const outside = (await tpl('shipped', '16505550000')).json.messages[0].id; // never wrote: window closed
  await sim.customer(CUSTOMER).sendText('hi');
  const promo = (await tpl('promo')).json.messages[0].id;
  const inside = (await tpl('shipped')).json.messages[0].id;
  const otp = (await tpl('otp')).json.messages[0].id;
  await sim.drainWebhooks(2000);
  const pricing = (id: string) => rcv.statuses().find((s) => s.id === id && s.status === 'sent')?.pricing;
  assert.deepEqual(pricing(promo), { billable: true, pricing_model: 'PMP', type: 'regular', category: 'marketing' });
  assert.deepEqual(pricing(inside), { billable: false, pricing_model: 'PMP', type: 'free_customer_service', category: 'utility' });
  assert.deepEqual(pricing(outside), { billable: true, pricing_model: 'PMP', type: 'regular', category: 'utility' });
  assert.deepEqual(pricing(otp), { billable: true, pricing_model: 'PMP', type: 'regular', category: 'authentication' });
  assert.equal(rcv.statuses().find((s) => s.id === promo)?.conversation.origin.type, 'marketing');
});

test('outOfOrder delivers read before delivered before sent', async (t) => {
  const { rcv, sim } = await setup(t, { outOfOrder: true, statusDelaysMs: { sent: 5, delivered: 20, read: 40 } });
  await sim.customer(CUSTOMER).sendText('hi');
  const wamid = (await send(sim, { to: CUSTOMER, text: { body: 'x' } })).json.messages[0].id;
  await sim.drainWebhooks(2000);
  assert.deepEqual(
    rcv
      .statuses()
      .filter((s) => s.id === wamid)
      .map((s) => s.status),
    ['read', 'delivered', 'sent'],
  );
  assert.equal(sim.outbound()[0]!.status, 'read', 'the record keeps the highest state');
});

test('readProbability 0 → no read until the customer reads; includeConversation false omits conversation', async (t) => {
  const { rcv, sim } = await setup(t, { readProbability: 0, includeConversation: false });
  const c = sim.customer(CUSTOMER);
  await c.sendText('hi');
  const wamid = (await send(sim, { to: CUSTOMER, text: { body: 'x' } })).json.messages[0].id;
  await sim.drainWebhooks(2000);
  assert.deepEqual(
    rcv.statuses().map((s) => s.status),
    ['sent', 'delivered'],
  );
  assert.ok(rcv.statuses().every((s) => s.conversation === undefined && s.pricing));
  c.read(wamid);
  c.read(wamid);
  await sim.drainWebhooks(2000);
  assert.deepEqual(
    rcv.statuses().map((s) => s.status),
    ['sent', 'delivered', 'read'],
    'read once only',
  );
});

test('statuses use the simulator clock', async (t) => {
  const { FakeClock } = await import('../../src/core/clock.ts');
  const clock = new FakeClock(Date.UTC(2030, 5, 1));
  const { rcv, sim } = await setup(t, { clock });
  await sim.customer(CUSTOMER).sendText('hi');
  await send(sim, { to: CUSTOMER, text: { body: 'x' } });
  await sim.drainWebhooks(2000);
  assert.ok(rcv.statuses().every((s) => s.timestamp === String(Date.UTC(2030, 5, 1) / 1000)));
  assert.equal(rcv.messages()[0].timestamp, String(Date.UTC(2030, 5, 1) / 1000));
});
