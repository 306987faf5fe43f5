import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nextRetry } from './retry-schedule.ts';
import { DEFAULT_WEBHOOK_SETTINGS as s } from './webhook-settings.ts';

const mid = () => 0.5; // no jitter

test('30 s, doubling, capped at an hour', () => {
  const delays = [1, 2, 3, 4, 5, 6, 7, 8, 9, 12].map((attempts) => {
    const r = nextRetry({ attempts, firstAttemptAt: 0, now: 0 }, s, mid);
    assert.ok(r.retry);
    return r.delayMs;
  });
  assert.deepEqual(delays, [30_000, 60_000, 120_000, 240_000, 480_000, 960_000, 1_920_000, 3_600_000, 3_600_000, 3_600_000]);
});

test('jitter stays within ±20 %', () => {
  const low = nextRetry({ attempts: 1, firstAttemptAt: 0, now: 0 }, s, () => 0);
  const high = nextRetry({ attempts: 1, firstAttemptAt: 0, now: 0 }, s, () => 1);
  assert.deepEqual(
    [low, high],
    [
      { retry: true, delayMs: 24_000 },
      { retry: true, delayMs: 36_000 },
    ],
  );
});

test('dead after the last attempt, or when the next one would pass the 24-hour mark', () => {
  assert.deepEqual(nextRetry({ attempts: s.maxAttempts, firstAttemptAt: 0, now: 0 }, s, mid), { retry: false });
  const day = 24 * 3_600_000;
  assert.deepEqual(nextRetry({ attempts: 20, firstAttemptAt: 0, now: day - 1_000 }, s, mid), { retry: false });
  assert.equal(nextRetry({ attempts: 20, firstAttemptAt: 0, now: day - 3_600_000 }, s, mid).retry, true);
});

test('the nominal schedule gives up about 24 hours in, within the attempt limit', () => {
  let now = 0;
  let attempts = 1;
  for (;;) {
    const r = nextRetry({ attempts, firstAttemptAt: 0, now }, s, mid);
    if (!r.retry) break;
    now += r.delayMs;
    attempts++;
  }
  assert.ok(now > 23 * 3_600_000 && now <= 24 * 3_600_000, `last attempt at ${now / 3_600_000} h`);
  assert.ok(attempts < s.maxAttempts, `${attempts} attempts`);
});
