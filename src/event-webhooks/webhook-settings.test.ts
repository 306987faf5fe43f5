import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from '../load-config.ts';
import { webhookSettings } from './webhook-settings.ts';

const cwd = '/nonexistent-switchboard-test-dir';

test('private delivery is allowed by default only when the built-in simulator runs', () => {
  const sim = loadConfig({}, cwd);
  assert.ok(sim.ok);
  assert.equal(webhookSettings(sim.config).allowPrivate, true);
  const real = loadConfig(
    { WHATSAPP_ACCESS_TOKEN: 't', WHATSAPP_PHONE_NUMBER_ID: '1', WHATSAPP_APP_SECRET: 's', WHATSAPP_VERIFY_TOKEN: 'v' },
    cwd,
  );
  assert.ok(real.ok);
  assert.equal(webhookSettings(real.config).allowPrivate, false);
  const forced = loadConfig(
    {
      EVENT_WEBHOOKS_ALLOW_PRIVATE: 'true',
      WHATSAPP_ACCESS_TOKEN: 't',
      WHATSAPP_PHONE_NUMBER_ID: '1',
      WHATSAPP_APP_SECRET: 's',
      WHATSAPP_VERIFY_TOKEN: 'v',
    },
    cwd,
  );
  assert.ok(forced.ok);
  assert.equal(webhookSettings(forced.config).allowPrivate, true);
});

test('timeout, retry base and attempts come from the environment, checked', () => {
  const r = loadConfig({ EVENT_WEBHOOKS_TIMEOUT_MS: '5000', EVENT_WEBHOOKS_RETRY_BASE_MS: '1000', EVENT_WEBHOOKS_MAX_ATTEMPTS: '10' }, cwd);
  assert.ok(r.ok);
  const s = webhookSettings(r.config);
  assert.deepEqual([s.timeoutMs, s.retryBaseMs, s.maxAttempts, s.maxDelayMs], [5000, 1000, 10, 3_600_000]);
  const bad = loadConfig({ EVENT_WEBHOOKS_ALLOW_PRIVATE: 'maybe', EVENT_WEBHOOKS_TIMEOUT_MS: '0' }, cwd);
  assert.equal(bad.ok, false);
  if (!bad.ok) {
    assert.ok(bad.problems.some((p) => p.startsWith('EVENT_WEBHOOKS_ALLOW_PRIVATE must be true or false')));
    assert.ok(bad.problems.some((p) => p.startsWith('EVENT_WEBHOOKS_TIMEOUT_MS must be a whole number')));
  }
});

test('a config without the section gets the defaults: private delivery off', () => {
  const r = loadConfig({}, cwd);
  assert.ok(r.ok);
  const { eventWebhooks: _omit, ...rest } = r.config;
  assert.equal(webhookSettings(rest).allowPrivate, false);
  assert.equal(webhookSettings(rest).timeoutMs, 10_000);
});
