import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { FakeClock } from './clock.ts';
import { RateWindow } from './rate-window.ts';

test('never more than `limit` arrivals in any window, whatever the timing and time in flight', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 20 }),
      fc.array(fc.record({ gap: fc.integer({ min: 0, max: 300 }), flight: fc.integer({ min: 0, max: 400 }) }), {
        minLength: 1,
        maxLength: 200,
      }),
      (limit, steps) => {
        const clock = new FakeClock(0);
        const w = new RateWindow(limit, 1000, clock);
        const sends: Array<{ start: number; end: number }> = [];
        for (const { gap, flight } of steps) {
          clock.advance(gap);
          const slot = w.take();
          if (!slot.ok) continue;
          const start = clock.now();
          clock.advance(flight);
          slot.release();
          sends.push({ start, end: clock.now() });
        }
        // Meta sees each send somewhere in [start, end]: even the worst case keeps the rate.
        for (let i = limit; i < sends.length; i++) if (sends[i]!.start - sends[i - limit]!.end < 1000) return false;
        return true;
      },
    ),
  );
});

test('a slot still in flight is not reused', () => {
  const clock = new FakeClock(0);
  const w = new RateWindow(1, 1000, clock);
  const first = w.take();
  assert.ok(first.ok);
  clock.advance(5000);
  assert.equal(w.take().ok, false, 'the first send has not answered yet');
  first.release();
  clock.advance(999);
  assert.equal(w.take().ok, false);
  clock.advance(1);
  assert.ok(w.take().ok);
});

test('says how long to wait for the next slot', () => {
  const clock = new FakeClock(0);
  const w = new RateWindow(2, 1000, clock);
  const a = w.take();
  assert.ok(a.ok);
  a.release();
  clock.advance(100);
  const b = w.take();
  assert.ok(b.ok);
  b.release();
  const r = w.take();
  assert.deepEqual(r, { ok: false, waitMs: 900 });
  clock.advance(900);
  assert.ok(w.take().ok);
});
