import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { FakeClock } from '../../src/core/clock.ts';
import { send, startReceiver, testSimulator } from './helpers.ts';

const HOUR = 3600_000;

async function setup(t: TestContext, extra: Parameters<typeof testSimulator>[0] = {}) {
  const rcv = await startReceiver();
  const clock = new FakeClock(Date.UTC(2026, 2, 1, 12));
  const sim = await testSimulator({ webhookUrl: rcv.url, clock, ...extra });
  t.after(async () => {
    await sim.close();
    await rcv.close();
  });
  return { rcv, sim, clock };
}

const statusesOf = (rcv: Awaited<ReturnType<typeof startReceiver>>, id: string) => rcv.statuses().filter((s) => s.id === id);

test('24 h rule: free-form after the window is accepted, then fails with 131047; templates still go', async (t) => {
  const { rcv, sim, clock } = await setup(t, {
    seedTemplates: [
      {
        name: 'follow_up',
        language: 'en_US',
        category: 'UTILITY',
        components: [{ type: 'BODY', text: 'We have an update on your request for you.' }],
      },
    ],
  });
  const c = sim.customer('16505551234', 'Sheena');
  await c.sendText('hello');
  sim.advanceTime(24 * HOUR - 1000);
  const inside = await send(sim, { to: '16505551234', text: { body: 'still inside' } });
  sim.advanceTime(2000); // now 24 h + 1 s since the customer wrote
  assert.equal(clock.now() - sim.inbound()[0]!.at, 24 * HOUR + 1000, 'advanceTime moved the injected FakeClock');
  const late = await send(sim, { to: '16505551234', text: { body: 'too late' } });
  assert.equal(late.status, 200, 'accepted synchronously');
  const tpl = await send(sim, { to: '16505551234', type: 'template', template: { name: 'follow_up', language: { code: 'en_US' } } });
  assert.equal(tpl.status, 200);
  await sim.drainWebhooks(2000);

  assert.deepEqual(
    statusesOf(rcv, inside.json.messages[0].id).map((s) => s.status),
    ['sent', 'delivered', 'read'],
  );
  const failed = statusesOf(rcv, late.json.messages[0].id);
  assert.deepEqual(
    failed.map((s) => s.status),
    ['failed'],
  );
  assert.deepEqual(failed[0].errors, [
    {
      code: 131047,
      title: 'Re-engagement message',
      message: 'Re-engagement message',
      error_data: {
        details: 'Message failed to send because more than 24 hours have passed since the customer last replied to this number.',
      },
      href: '/documentation/business-messaging/whatsapp/support/error-codes',
    },
  ]);
  assert.equal(failed[0].recipient_id, '16505551234');
  assert.equal(failed[0].pricing, undefined);
  const rec = sim.outbound().find((m) => m.wamid === late.json.messages[0].id)!;
  assert.deepEqual([rec.status, rec.error], ['failed', { code: 131047, title: 'Re-engagement message' }]);
  assert.ok(!c.received().some((m) => m.wamid === rec.wamid), 'a failed message never reaches the phone');
  assert.deepEqual(
    statusesOf(rcv, tpl.json.messages[0].id).map((s) => s.status),
    ['sent', 'delivered', 'read'],
  );

  await c.sendText('back again'); // reopens the window
  const again = await send(sim, { to: '16505551234', text: { body: 'welcome back' } });
  await sim.drainWebhooks(2000);
  assert.equal(statusesOf(rcv, again.json.messages[0].id)[0].status, 'sent');
});

test('a customer who never wrote gets 131047 for free-form messages', async (t) => {
  const { rcv, sim } = await setup(t);
  const r = await send(sim, { to: '+16505559876', text: { body: 'cold message' } });
  assert.equal(r.status, 200);
  await sim.drainWebhooks(2000);
  assert.equal(statusesOf(rcv, r.json.messages[0].id)[0].errors[0].code, 131047);
});

test('throughput limit answers 130429 synchronously and refills with time', async (t) => {
  const { sim } = await setup(t, { throughputPerSecond: 5, pairRateLimit: false });
  const results = [];
  for (let i = 0; i < 7; i++) results.push(await send(sim, { to: `1650555${String(1000 + i)}`, text: { body: `n${i}` } }));
  assert.deepEqual(
    results.map((r) => r.status),
    [200, 200, 200, 200, 200, 400, 400],
  );
  assert.equal(results[5]!.json.error.code, 130429);
  assert.equal(results[5]!.json.error.message, '(#130429) Rate limit hit');
  assert.equal(results[5]!.json.error.error_data.details, 'Cloud API message throughput has been reached.');
  assert.equal(sim.outbound().length, 5, 'refused sends are not recorded');
  sim.advanceTime(1000);
  assert.equal((await send(sim, { to: '16505551999', text: { body: 'later' } })).status, 200);
});

test('pair rate limit answers 131056 for one recipient only', async (t) => {
  const { sim } = await setup(t, { pairRateLimit: { perSeconds: 6, burst: 3 } });
  const codes = [];
  for (let i = 0; i < 4; i++) codes.push((await send(sim, { to: '16505551234', text: { body: `b${i}` } })).json.error?.code ?? 200);
  assert.deepEqual(codes, [200, 200, 200, 131056]);
  assert.equal((await send(sim, { to: '16505554321', text: { body: 'other' } })).status, 200, 'other recipients are unaffected');
  sim.advanceTime(6000);
  assert.equal((await send(sim, { to: '16505551234', text: { body: 'after 6 s' } })).status, 200);
  assert.equal((await send(sim, { to: '16505551234', text: { body: 'again' } })).json.error.code, 131056);
});

test('unregistered numbers (configured, or starting with 999) are accepted then fail with 131026', async (t) => {
  const { rcv, sim } = await setup(t, { unregisteredNumbers: ['+44 7700 900123'] });
  const a = await send(sim, { to: '+447700900123', text: { body: 'x' } });
  const b = await send(sim, { to: '+999 123 456 789', text: { body: 'x' } });
  assert.equal(a.status, 200);
  assert.equal(b.status, 200);
  assert.deepEqual(b.json.contacts, [{ input: '+999 123 456 789', wa_id: '999123456789' }]);
  await sim.drainWebhooks(2000);
  for (const r of [a, b]) {
    const s = statusesOf(rcv, r.json.messages[0].id);
    assert.deepEqual(
      s.map((x) => x.status),
      ['failed'],
    );
    assert.equal(s[0].errors[0].code, 131026);
    assert.equal(s[0].errors[0].title, 'Message undeliverable');
  }
});

test('recipient numbers: + optional, business country code prepended, known wa_ids kept, MX 521 form', async (t) => {
  const { sim } = await setup(t, { pairRateLimit: false });
  const to = async (input: string) => {
    const r = await send(sim, { to: input, text: { body: 'x' } });
    return r.status === 200 ? r.json.contacts[0] : r.json.error.code;
  };
  assert.deepEqual(await to('(650) 555-1234'), { input: '(650) 555-1234', wa_id: '16505551234' });
  assert.deepEqual(await to('1 650 555 1234'), { input: '1 650 555 1234', wa_id: '16505551234' });
  assert.deepEqual(await to('+44 7911 123456'), { input: '+44 7911 123456', wa_id: '447911123456' });
  assert.equal(await to('447911123456'), 131009, 'no +: +1 is prepended, which makes an impossible number');
  await sim.customer('447911123456').sendText('hi from the UK');
  assert.deepEqual(await to('447911123456'), { input: '447911123456', wa_id: '447911123456' }, 'replying to a known wa_id works');
  await sim.customer('5215512345678').sendText('hola');
  assert.deepEqual(await to('+52 55 1234 5678'), { input: '+52 55 1234 5678', wa_id: '5215512345678' });
});

test('defaults: 80 msg/s per number (130429) and a pair burst of 45 (131056)', async (t) => {
  const { sim } = await setup(t);
  const t0 = Date.now();
  const results = await Promise.all(
    Array.from({ length: 120 }, (_, i) => send(sim, { to: `1650556${String(1000 + i)}`, text: { body: `n${i}` } })),
  );
  const elapsed = Date.now() - t0;
  const ok = results.filter((r) => r.status === 200).length;
  assert.ok(ok >= 80, `the first 80 go through (${ok})`);
  assert.ok(ok <= 80 + Math.ceil(elapsed * 0.08) + 1, `${ok} accepted in ${elapsed} ms: no more than 80/s`);
  assert.ok(results.filter((r) => r.status !== 200).every((r) => r.json.error.code === 130429));

  sim.advanceTime(2000); // throughput refilled
  const codes: number[] = [];
  for (let i = 0; i < 46; i++) codes.push((await send(sim, { to: '16505557777', text: { body: `p${i}` } })).json.error?.code ?? 200);
  assert.deepEqual([codes.slice(0, 45).every((c) => c === 200), codes[45]], [true, 131056]);
});
