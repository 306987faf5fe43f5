import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Scheduler } from '../../src/simulator/scheduler.ts';
import { send, simApi, startReceiver, testSimulator } from './helpers.ts';

const HOUR = 3_600_000;

test('scheduler: a task scheduled after advance() runs on time, not when the timer armed before the advance fires', async (t) => {
  const s = new Scheduler();
  t.after(() => s.close());
  const ran: string[] = [];
  // A 25 s timer is armed (like the typing indicator's timeout) ...
  s.schedule(25_000, () => ran.push('typing-timeout'));
  // ... time skips past it: it runs at once.
  s.advance(25 * HOUR);
  assert.deepEqual(ran, ['typing-timeout']);
  // Work scheduled now must not wait for the 25 s real-time timer armed before the advance.
  const started = performance.now();
  await new Promise<void>((resolve, reject) => {
    const guard = setTimeout(() => reject(new Error('the 10 ms task had not run after 3 s: it waits for the stale timer')), 3000);
    s.schedule(10, () => {
      clearTimeout(guard);
      resolve();
    });
  });
  assert.ok(performance.now() - started < 3000);
});

test('scheduler: a later task still waits for its time after an advance', async (t) => {
  const s = new Scheduler();
  t.after(() => s.close());
  const ran: number[] = [];
  s.schedule(HOUR, () => ran.push(1));
  s.advance(HOUR - 50);
  assert.deepEqual(ran, [], 'not due yet: 50 ms left');
  const started = performance.now();
  // The scheduler's timers are unref'd (they never keep a process alive): this one does.
  const keepAlive = setTimeout(() => undefined, 3000);
  await new Promise<void>((resolve) => s.schedule(60, () => resolve()));
  clearTimeout(keepAlive);
  assert.deepEqual(ran, [1], 'the hour task ran in its remaining 50 ms, before the 60 ms one');
  assert.ok(performance.now() - started >= 40);
});

test('over HTTP: after skipping 25 h, a reply outside the window fails with 131047 at once (not 25 s later)', async (t) => {
  const rcv = await startReceiver();
  const sim = await testSimulator({ webhookUrl: rcv.url });
  t.after(async () => {
    await sim.close();
    await rcv.close();
  });
  const wa = '16505550101';
  const inbound = await sim.customer(wa, 'Ana').sendText('hi');
  // The business reads it and shows "typing…": the simulator arms a 25 s timeout for the indicator.
  const read = await send(sim, { status: 'read', message_id: inbound, typing_indicator: { type: 'text' } });
  assert.equal(read.status, 200, JSON.stringify(read.json));

  const advanced = await simApi(sim, 'POST', '/_sim/clock/advance', { ms: 25 * HOUR });
  assert.equal(advanced.status, 200);
  assert.equal(advanced.json.shared_clock, false, 'a simulator on its own clock says so');

  const reply = await send(sim, { to: wa, type: 'text', text: { body: 'still there?' } });
  assert.equal(reply.status, 200, 'accepted first, as Meta does');
  const wamid = reply.json.messages[0].id;
  const failed = await rcv.waitFor(() => rcv.statuses().find((s) => s.id === wamid && s.status === 'failed'), 3000, 'the failed status');
  assert.equal(failed.errors[0].code, 131047);
});

test('POST /_sim/clock/advance refuses what is not a number of ms from 0 to a year, with {error:{code,message}}', async (t) => {
  const sim = await testSimulator();
  t.after(() => sim.close());
  const before = sim.now();
  for (const ms of [-1, 'ten', null, 1e300, 400 * 24 * HOUR]) {
    const r = await simApi(sim, 'POST', '/_sim/clock/advance', { ms });
    assert.equal(r.status, 400, `ms=${String(ms)}`);
    assert.equal(r.json.error.code, 'invalid_request');
    assert.match(r.json.error.message, /"ms" must be a number of milliseconds/);
  }
  assert.ok(sim.now() - before < 60_000, 'the clock did not move');
  const ok = await simApi(sim, 'POST', '/_sim/clock/advance', { ms: HOUR });
  assert.equal(ok.status, 200);
  assert.ok(ok.json.now - before >= HOUR);
  assert.equal(typeof ok.json.iso, 'string');
});
