import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RingLog } from '../../src/simulator/ring-log.ts';
import { Scheduler } from '../../src/simulator/scheduler.ts';
import { send, testSimulator } from './helpers.ts';

test('RingLog keeps the newest entries, reports evictions, and shiftIf follows a parent log', () => {
  const evicted: number[] = [];
  const log = new RingLog<number>(3, (n) => evicted.push(n));
  for (let i = 1; i <= 5; i++) log.push(i);
  assert.deepEqual(log.toArray(), [3, 4, 5]);
  assert.deepEqual(evicted, [1, 2]);
  assert.equal(log.shiftIf(4), false);
  assert.equal(log.shiftIf(3), true);
  assert.deepEqual(log.toArray(), [4, 5]);
  log.push(6);
  log.push(7);
  assert.deepEqual(log.toArray(), [5, 6, 7]);
  const lazy = new RingLog<number>(1000);
  lazy.push(1);
  lazy.shiftIf(1);
  lazy.push(2);
  lazy.push(3);
  assert.deepEqual(lazy.toArray(), [2, 3]);
  assert.equal(
    lazy.find((n) => n > 2),
    3,
  );
});

test('Scheduler runs tasks in due order and advance() fast-forwards them', async () => {
  const s = new Scheduler();
  const ran: string[] = [];
  s.schedule(60_000, () => ran.push('minute'));
  s.schedule(3_600_000, () => ran.push('hour'));
  s.schedule(5, () => ran.push('soon'));
  const cancelled = s.schedule(1, () => ran.push('cancelled'));
  cancelled.cancel();
  await new Promise((r) => setTimeout(r, 30));
  assert.deepEqual(ran, ['soon']);
  s.advance(61_000);
  assert.deepEqual(ran, ['soon', 'minute']);
  assert.equal(s.pending, 1);
  s.advance(3_600_000);
  assert.deepEqual(ran, ['soon', 'minute', 'hour']);
  s.close();
});

test('logs are capped by maxLogEntries, customer histories included', async (t) => {
  const sim = await testSimulator({ maxLogEntries: 20, pairRateLimit: false, throughputPerSecond: 10_000 });
  t.after(() => sim.close());
  const c = sim.customer('16505551234');
  for (let i = 0; i < 15; i++) await c.sendText(`in ${i}`);
  for (let i = 0; i < 40; i++) await send(sim, { to: c.waId, text: { body: `out ${i}` } });
  assert.equal(sim.outbound().length, 20);
  assert.equal(sim.outbound()[0]!.text, 'out 20');
  assert.equal(sim.inbound().length, 15);
  const conv = c.conversation();
  assert.equal(conv.filter((m) => m.direction === 'out').length, 20);
  assert.equal(conv.filter((m) => m.direction === 'in').length, 15);
  await sim.drainWebhooks(2000);
});
