import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backoffMs } from './backoff.ts';

test('doubles per attempt between half and all of the ceiling, capped', () => {
  assert.equal(backoffMs(1, { baseMs: 1000, random: () => 0 }), 500);
  assert.equal(backoffMs(1, { baseMs: 1000, random: () => 1 }), 1000);
  assert.equal(backoffMs(3, { baseMs: 1000, random: () => 1 }), 4000);
  assert.equal(backoffMs(30, { baseMs: 1000, maxMs: 60_000, random: () => 1 }), 60_000);
  const spread = new Set(Array.from({ length: 50 }, () => backoffMs(4, { baseMs: 1000 })));
  assert.ok(spread.size > 10, 'jitter spreads retries apart');
});
