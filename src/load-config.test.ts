import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig } from './load-config.ts';

const empty = mkdtempSync(join(tmpdir(), 'switchboard-config-'));

test('defaults: port 3000, host 127.0.0.1, ./data, simulator on when no number is configured', () => {
  const r = loadConfig({}, empty);
  assert.ok(r.ok);
  assert.equal(r.config.port, 3000);
  assert.equal(r.config.host, '127.0.0.1');
  assert.equal(r.config.dataDir, join(empty, 'data'));
  assert.equal(r.config.simulator.enabled, true);
  assert.equal(r.config.numbers.length, 0);
  assert.equal(r.config.throughputPerSecond, 80);
});

test('one number from the environment, with the contract names', () => {
  const r = loadConfig(
    {
      WHATSAPP_ACCESS_TOKEN: 't',
      WHATSAPP_PHONE_NUMBER_ID: '123',
      WHATSAPP_BUSINESS_ACCOUNT_ID: '456',
      WHATSAPP_APP_SECRET: 's',
      WHATSAPP_VERIFY_TOKEN: 'v',
      WHATSAPP_GRAPH_URL: 'http://127.0.0.1:4010/',
      WHATSAPP_API_VERSION: 'v23.0',
      DATABASE_URL: 'postgres://x@y/z',
    },
    empty,
  );
  assert.ok(r.ok);
  assert.equal(r.config.simulator.enabled, false);
  assert.deepEqual(r.config.numbers[0], {
    phoneNumberId: '123',
    businessAccountId: '456',
    accessToken: 't',
    appSecret: 's',
    verifyToken: 'v',
    graphUrl: 'http://127.0.0.1:4010',
    apiVersion: 'v23.0',
    throughputPerSecond: 80,
  });
  assert.equal(r.config.databaseUrl, 'postgres://x@y/z');
});

test('every problem is reported, one line each', () => {
  const r = loadConfig(
    { PORT: 'abc', WHATSAPP_ACCESS_TOKEN: 't', DATABASE_URL: 'mysql://x', WHATSAPP_API_VERSION: '21', SWITCHBOARD_ADMIN_TOKEN: 'short' },
    empty,
  );
  assert.equal(r.ok, false);
  if (r.ok) return;
  assert.ok(r.problems.some((p) => p.startsWith('PORT must be')));
  assert.ok(r.problems.some((p) => p.startsWith('DATABASE_URL must')));
  assert.ok(r.problems.some((p) => p.startsWith('WHATSAPP_API_VERSION')));
  assert.ok(r.problems.some((p) => p.startsWith('WHATSAPP_PHONE_NUMBER_ID is required')));
  assert.ok(r.problems.some((p) => p.startsWith('WHATSAPP_APP_SECRET is required')));
  assert.ok(r.problems.some((p) => p.startsWith('SWITCHBOARD_ADMIN_TOKEN')));
  assert.ok(r.problems.every((p) => !p.includes('\n')));
});

test('more numbers from a config file; the environment wins for shared settings', () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-config-'));
  writeFileSync(
    join(dir, 'switchboard.config.yaml'),
    'port: 4000\nnumbers:\n  - phoneNumberId: "1"\n    accessToken: a\n    appSecret: b\n    verifyToken: c\n  - phoneNumberId: "2"\n    accessToken: a\n    appSecret: b2\n    verifyToken: c\n    throughputPerSecond: 20\n',
  );
  const r = loadConfig({ PORT: '5000' }, dir);
  assert.ok(r.ok);
  assert.equal(r.config.port, 5000);
  assert.deepEqual(
    r.config.numbers.map((n) => [n.phoneNumberId, n.throughputPerSecond]),
    [
      ['1', 80],
      ['2', 20],
    ],
  );
  const bad = mkdtempSync(join(tmpdir(), 'switchboard-config-'));
  writeFileSync(join(bad, 'switchboard.config.json'), '{"numbers": [{"phoneNumberId": "1"}]}');
  const rb = loadConfig({}, bad);
  assert.equal(rb.ok, false);
  if (!rb.ok) assert.ok(rb.problems.includes('config file: numbers[0].accessToken is required'));
});

test('npm start with bad settings prints one line per problem and no stack trace', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { PATH: process.env.PATH ?? '', PORT: 'nope', DATA_DIR: join(empty, 'd') },
    encoding: 'utf8',
    timeout: 20_000,
  });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /^config: PORT must be a whole number from 0 to 65535 \(got "nope"\)$/m);
  assert.doesNotMatch(r.stderr, /\bat .*\.ts:\d+/);
});

test('INBOUND_REORDER_WINDOW_MS: 1500 by default, 0 turns it off, anything but 0 to 60000 ms is a problem', () => {
  const def = loadConfig({}, empty);
  assert.ok(def.ok);
  assert.equal(def.config.inboundReorderWindowMs, 1500);
  const off = loadConfig({ INBOUND_REORDER_WINDOW_MS: '0' }, empty);
  assert.ok(off.ok);
  assert.equal(off.config.inboundReorderWindowMs, 0);
  for (const bad of ['-1', '1.5', 'soon', '60001']) {
    const r = loadConfig({ INBOUND_REORDER_WINDOW_MS: bad }, empty);
    assert.equal(r.ok, false);
    if (!r.ok) assert.match(r.problems.join('\n'), /INBOUND_REORDER_WINDOW_MS must be a whole number from 0 to 60000/);
  }
});

test('WORKER_HEARTBEAT_TIMEOUT_MS: 30000 by default, 1000 to 3600000 ms, anything else is a problem', () => {
  const def = loadConfig({}, empty);
  assert.ok(def.ok);
  assert.equal(def.config.workerHeartbeatTimeoutMs, 30_000);
  const short = loadConfig({ WORKER_HEARTBEAT_TIMEOUT_MS: '3000' }, empty);
  assert.ok(short.ok);
  assert.equal(short.config.workerHeartbeatTimeoutMs, 3000);
  for (const bad of ['0', '999', '1.5', 'soon', '3600001']) {
    const r = loadConfig({ WORKER_HEARTBEAT_TIMEOUT_MS: bad }, empty);
    assert.equal(r.ok, false);
    if (!r.ok) assert.match(r.problems.join('\n'), /WORKER_HEARTBEAT_TIMEOUT_MS must be a whole number from 1000 to 3600000/);
  }
});

test('HTTP timeouts and SHUTDOWN_TIMEOUT_MS: defaults, overrides, and a headers timeout longer than the request timeout is a problem', () => {
  const def = loadConfig({}, empty);
  assert.ok(def.ok);
  assert.deepEqual(def.config.httpTimeouts, {
    headersMs: 10_000,
    requestMs: 60_000,
    keepAliveMs: 72_000,
    idleMs: 120_000,
    shutdownMs: 10_000,
  });
  const set = loadConfig(
    {
      HTTP_HEADERS_TIMEOUT_MS: '2000',
      HTTP_REQUEST_TIMEOUT_MS: '5000',
      HTTP_KEEP_ALIVE_TIMEOUT_MS: '4000',
      HTTP_IDLE_TIMEOUT_MS: '30000',
      SHUTDOWN_TIMEOUT_MS: '0',
    },
    empty,
  );
  assert.ok(set.ok);
  assert.deepEqual(set.config.httpTimeouts, { headersMs: 2000, requestMs: 5000, keepAliveMs: 4000, idleMs: 30_000, shutdownMs: 0 });
  const inverted = loadConfig({ HTTP_HEADERS_TIMEOUT_MS: '20000', HTTP_REQUEST_TIMEOUT_MS: '10000' }, empty);
  assert.equal(inverted.ok, false);
  if (!inverted.ok) assert.match(inverted.problems.join('\n'), /HTTP_HEADERS_TIMEOUT_MS must not be longer than HTTP_REQUEST_TIMEOUT_MS/);
  const idle = loadConfig({ HTTP_IDLE_TIMEOUT_MS: '5000' }, empty);
  assert.equal(idle.ok, false);
  if (!idle.ok) assert.match(idle.problems.join('\n'), /HTTP_IDLE_TIMEOUT_MS must be a whole number from 20000 to 3600000/);
});
