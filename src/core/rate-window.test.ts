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

test('sends in flight at once, answered in any order: no window ever meets more than `limit` of them', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 8 }),
      fc.array(fc.record({ gap: fc.integer({ min: 0, max: 200 }), flight: fc.integer({ min: 0, max: 600 }) }), {
        minLength: 1,
        maxLength: 120,
      }),
      (limit, steps) => {
        const clock = new FakeClock(0);
        const w = new RateWindow(limit, 1000, clock);
        const open: Array<{ start: number; due: number; release: () => void; end?: number }> = [];
        const sends: Array<{ start: number; end: number }> = [];
        const settle = (upTo: number) => {
          // Answers come back in the order they are due, not the order the sends were taken.
          for (const s of [...open].sort((a, b) => a.due - b.due))
            if (s.end === undefined && s.due <= upTo) {
              clock.advance(Math.max(0, s.due - clock.now()));
              s.release();
              s.end = clock.now();
              sends.push({ start: s.start, end: s.end });
            }
        };
        for (const { gap, flight } of steps) {
          const at = clock.now() + gap;
          settle(at);
          clock.advance(Math.max(0, at - clock.now()));
          const slot = w.take();
          if (slot.ok) open.push({ start: clock.now(), due: clock.now() + flight, release: slot.release });
        }
        settle(Number.POSITIVE_INFINITY);
        // Meta sees each send somewhere in [start, end]: a window [x, x + 1000) may meet every one
        // whose interval reaches into it; none may meet more than `limit`.
        for (const a of sends) {
          const x = a.end;
          const met = sends.filter((s) => s.start < x + 1000 && s.end >= x).length;
          if (met > limit) return false;
        }
        return true;
      },
    ),
  );
});
