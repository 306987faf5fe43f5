import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { pickAgent, planAssignments, type Candidate } from './pick-agent.ts';

const agent = (userId: string, over: Partial<Candidate> = {}): Candidate => ({
  userId,
  capacity: null,
  open: 0,
  lastAssignedAt: null,
  ...over,
});

test('the least recently assigned agent with room is picked; never-assigned agents first', () => {
  assert.equal(
    pickAgent([agent('a', { lastAssignedAt: 5 }), agent('b', { lastAssignedAt: 3 }), agent('c', { lastAssignedAt: 9 })])?.userId,
    'b',
  );
  assert.equal(pickAgent([agent('a', { lastAssignedAt: 1 }), agent('b')])?.userId, 'b');
  assert.equal(pickAgent([agent('b'), agent('a')])?.userId, 'a', 'ties break by id, so every process picks the same');
});

test('agents at capacity are skipped; nobody with room means nobody', () => {
  assert.equal(pickAgent([agent('a', { capacity: 2, open: 2 }), agent('b', { capacity: 3, open: 1, lastAssignedAt: 99 })])?.userId, 'b');
  assert.equal(pickAgent([agent('a', { capacity: 0 }), agent('b', { capacity: 1, open: 4 })]), undefined);
  assert.equal(pickAgent([]), undefined);
});

test('round robin: N assignments over k free agents differ by at most one, in rotation', () => {
  const plan = planAssignments(['c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7'], [agent('a'), agent('b'), agent('c')], 1000);
  assert.deepEqual(
    plan.map((p) => p.userId),
    ['a', 'b', 'c', 'a', 'b', 'c', 'a'],
  );
  assert.deepEqual(
    plan.map((p) => p.stamp),
    [1000, 1001, 1002, 1003, 1004, 1005, 1006],
  );
});

test('a later plan continues the rotation, even within the same millisecond', () => {
  const first = planAssignments(['c1', 'c2'], [agent('a'), agent('b'), agent('c')], 1000);
  const after = [agent('a'), agent('b'), agent('c')].map((c) => ({
    ...c,
    lastAssignedAt: first.find((p) => p.userId === c.userId)?.stamp ?? null,
  }));
  const second = planAssignments(['c3', 'c4'], after, 1000);
  assert.deepEqual(
    second.map((p) => p.userId),
    ['c', 'a'],
  );
  assert.ok(second[0]!.stamp > first[1]!.stamp);
});

test('capacity is never exceeded and the oldest waiting conversations are the ones assigned', () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.record({
          capacity: fc.option(fc.integer({ min: 0, max: 4 })),
          open: fc.integer({ min: 0, max: 4 }),
          last: fc.option(fc.integer({ min: 0, max: 50 })),
        }),
        { maxLength: 6 },
      ),
      fc.integer({ min: 0, max: 20 }),
      (specs, n) => {
        const cands = specs.map((s, i) => agent(`u${i}`, { capacity: s.capacity, open: s.open, lastAssignedAt: s.last }));
        const waiting = Array.from({ length: n }, (_, i) => `conv${String(i).padStart(2, '0')}`);
        const plan = planAssignments(waiting, cands, 100);
        assert.deepEqual(
          plan.map((p) => p.conversationId),
          waiting.slice(0, plan.length),
          'a prefix: oldest first',
        );
        for (const c of cands) {
          const got = plan.filter((p) => p.userId === c.userId).length;
          if (c.capacity !== null) assert.ok(got === 0 || c.open + got <= c.capacity);
        }
        const room = cands.reduce((sum, c) => sum + (c.capacity === null ? Infinity : Math.max(0, c.capacity - c.open)), 0);
        assert.equal(plan.length, Math.min(n, room), 'stops only when nobody has room');
      },
    ),
  );
});
