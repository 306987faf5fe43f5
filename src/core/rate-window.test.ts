import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { FakeClock } from './clock.ts';
import { RateWindow } from './rate-window.ts';

test('never more than `limit` takes in any window, whatever the timing', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 20 }), fc.array(fc.integer({ min: 0, max: 300 }), { minLength: 1, maxLength: 200 }), (limit, gaps) => {
      const clock = new FakeClock(0);
      const w = new RateWindow(limit, 1000, clock);
      const taken: number[] = [];
      for (const g of gaps) {
        clock.advance(g);
        if (w.take().ok) taken.push(clock.now());
      }
      for (let i = limit; i < taken.length; i++) if (taken[i]! - taken[i - limit]! < 1000) return false;
      return true;
    }),
  );
});

test('says how long to wait for the next slot', () => {
  const clock = new FakeClock(0);
  const w = new RateWindow(2, 1000, clock);
  assert.ok(w.take().ok);
  clock.advance(100);
  assert.ok(w.take().ok);
  const r = w.take();
  assert.deepEqual(r, { ok: false, waitMs: 900 });
  clock.advance(900);
  assert.ok(w.take().ok);
});
