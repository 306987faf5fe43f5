import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newId } from './ids.ts';

test('ids sort in the order they were made, within one millisecond and across clocks', () => {
  const fake = Date.UTC(2024, 0, 1);
  const made: string[] = [];
  // A test's fake clock interleaved with the system clock must not reset the order within a millisecond.
  for (let i = 0; i < 50; i++) {
    made.push(newId('ct', fake));
    newId('evt');
  }
  assert.deepEqual([...made].sort(), made);
  assert.ok(
    made.every((id) => /^ct_[0-9a-z]{13}[0-9a-f]{16}$/.test(id)),
    made[0],
  );
});

test('ids of different milliseconds sort by time', () => {
  assert.ok(newId('m', 2_000) > newId('m', 1_000));
  assert.ok(newId('m', 1_000) < newId('m', 1_001));
});
