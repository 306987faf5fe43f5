import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeClock } from '../core/clock.ts';
import { CircuitBreaker } from './circuit-breaker.ts';
import { DEFAULT_SEND_POLICY, retryDelayMs, retryHorizon } from './send-policy.ts';

const settings = { failures: 3, cooldownMs: 1000, maxCooldownMs: 4000 };

test('the breaker opens after N consecutive failures and refuses calls until the cool-down ends', () => {
  const clock = new FakeClock(1_000_000);
  const b = new CircuitBreaker(settings, clock);
  b.failure();
  b.failure();
  assert.equal(b.state(), 'closed');
  assert.deepEqual(b.admit(), { ok: true, probe: false });
  b.success(); // a success in between resets the count
  b.failure();
  b.failure();
  assert.equal(b.state(), 'closed');
  b.failure();
  assert.equal(b.state(), 'open');
  assert.deepEqual(b.admit(), { ok: false, retryAt: 1_001_000 });
  assert.deepEqual(b.snapshot(), { state: 'open', consecutive_failures: 3, open_until: new Date(1_001_000).toISOString(), trips: 1 });
});

test('after the cool-down one probe goes through; the others wait; a success closes it', () => {
  const clock = new FakeClock(0);
  const b = new CircuitBreaker(settings, clock);
  for (let i = 0; i < 3; i++) b.failure();
  clock.advance(1000);
  assert.equal(b.state(), 'half_open');
  assert.deepEqual(b.admit(), { ok: true, probe: true });
  const waiting = b.admit();
  assert.equal(waiting.ok, false);
  assert.ok(!waiting.ok && waiting.retryAt > clock.now());
  b.success();
  assert.equal(b.state(), 'closed');
  assert.deepEqual(b.admit(), { ok: true, probe: false });
  assert.equal(b.snapshot().consecutive_failures, 0);
});

test('a failed probe opens it again for twice as long, up to the maximum; a lost probe is replaced', () => {
  const clock = new FakeClock(0);
  const b = new CircuitBreaker(settings, clock);
  for (let i = 0; i < 3; i++) b.failure();
  const cooldowns: number[] = [];
  for (let i = 0; i < 4; i++) {
    const r = b.admit();
    assert.ok(!r.ok);
    cooldowns.push(r.retryAt - clock.now());
    clock.set(r.retryAt);
    assert.deepEqual(b.admit(), { ok: true, probe: true });
    b.failure();
  }
  assert.deepEqual(cooldowns, [1000, 2000, 4000, 4000]);
  // A failure from a call that started before it opened does not extend it.
  const before = b.snapshot().open_until;
  b.failure();
  assert.equal(b.snapshot().open_until, before);
  // The probe's process died: after a cool-down another probe is let through.
  clock.advance(4000);
  assert.deepEqual(b.admit(), { ok: true, probe: true });
  clock.advance(4000);
  assert.deepEqual(b.admit(), { ok: true, probe: true });
});

test('a Retry-After longer than the cool-down keeps it open that long', () => {
  const clock = new FakeClock(0);
  const b = new CircuitBreaker(settings, clock);
  for (let i = 0; i < 2; i++) b.failure();
  b.failure(30_000);
  assert.deepEqual(b.admit(), { ok: false, retryAt: 30_000 });
});

test('send retries back off exponentially with jitter and never before Retry-After', () => {
  const p = { ...DEFAULT_SEND_POLICY, retryBaseMs: 1000, retryMaxDelayMs: 60_000 };
  assert.equal(
    retryDelayMs(1, undefined, p, () => 0),
    500,
  );
  assert.equal(
    retryDelayMs(1, undefined, p, () => 1),
    1000,
  );
  assert.equal(
    retryDelayMs(4, undefined, p, () => 1),
    8000,
  );
  assert.equal(
    retryDelayMs(20, undefined, p, () => 1),
    60_000,
  );
  assert.equal(
    retryDelayMs(1, 30_000, p, () => 1),
    30_000,
  );
  assert.equal(
    retryDelayMs(10, 2_000, p, () => 1),
    60_000,
  );
});

test('the horizon: the end of the 24-hour window for free-form messages, a span for templates, or the setting when sooner', () => {
  const day = 24 * 3600_000;
  const free = retryHorizon({ kind: 'text', createdAt: 5_000, lastCustomerMessageAt: 1_000 }, DEFAULT_SEND_POLICY);
  assert.deepEqual(free, { at: 1_000 + day, reason: 'window' });
  assert.deepEqual(retryHorizon({ kind: 'template', createdAt: 5_000, lastCustomerMessageAt: null }, DEFAULT_SEND_POLICY), {
    at: 5_000 + 6 * 3600_000,
    reason: 'template',
  });
  const capped = { ...DEFAULT_SEND_POLICY, freeFormHorizonMs: 3600_000 };
  assert.deepEqual(retryHorizon({ kind: 'text', createdAt: 5_000, lastCustomerMessageAt: 1_000 }, capped), {
    at: 5_000 + 3600_000,
    reason: 'setting',
  });
  assert.deepEqual(retryHorizon({ kind: 'text', createdAt: day, lastCustomerMessageAt: 1_000 }, capped), {
    at: 1_000 + day,
    reason: 'window',
  });
});

test('the horizon on a channel without a 24-hour window (Telegram): the setting, else the template span, never the window', () => {
  const day = 24 * 3600_000;
  // Two days after the customer last wrote: on WhatsApp already past, on Telegram still retried.
  const late = { kind: 'text', createdAt: 2 * day, lastCustomerMessageAt: 1_000, serviceWindow: false };
  assert.deepEqual(retryHorizon(late, DEFAULT_SEND_POLICY), { at: 2 * day + 6 * 3600_000, reason: 'no_window' });
  assert.deepEqual(retryHorizon(late, { ...DEFAULT_SEND_POLICY, freeFormHorizonMs: 3600_000 }), {
    at: 2 * day + 3600_000,
    reason: 'setting',
  });
});
