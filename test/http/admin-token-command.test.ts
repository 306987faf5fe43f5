import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { forEachDialect, postgresUrl } from '../support/dialects.ts';
import { resetPostgres } from '../support/reset-postgres.ts';
import { freePort, spawnSwitchboard, type Child } from '../support/spawn-switchboard.ts';
import { SECRETS } from '../support/test-config.ts';
import { waitFor } from '../support/wait-for.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Runs `npm run admin-token` (its script, src/cli/admin-token.ts) with exactly this environment. */
function adminTokenCommand(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', 'src/cli/admin-token.ts'], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d) => (stdout += d));
    proc.stderr.on('data', (d) => (stderr += d));
    proc.on('error', reject);
    proc.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

forEachDialect('npm run admin-token: a new admin token from the machine that holds the data, the old one revoked', (dialect) => {
  test('a running server refuses the old token and accepts the new one, without a restart; the banner names the command', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-admin-token-'));
    if (dialect === 'postgres' && postgresUrl) await resetPostgres(postgresUrl);
    const data = { DATA_DIR: dataDir, ...(dialect === 'postgres' && postgresUrl ? { DATABASE_URL: postgresUrl } : {}) };
    let child: Child | undefined;
    try {
      // A configured number (pointing nowhere) keeps the built-in simulator and demo out of this test.
      child = await spawnSwitchboard({
        ...data,
        PORT: String(await freePort()),
        WHATSAPP_ACCESS_TOKEN: SECRETS.accessToken,
        WHATSAPP_APP_SECRET: SECRETS.appSecret,
        WHATSAPP_VERIFY_TOKEN: SECRETS.verifyToken,
        WHATSAPP_PHONE_NUMBER_ID: '106540352242922',
        WHATSAPP_GRAPH_URL: 'http://127.0.0.1:9',
      });
      const banner = child.output();
      const old = /Admin API token \(shown once, stored hashed\): (\S+)/.exec(banner)?.[1];
      assert.ok(old, `the first start prints the token:\n${banner}`);
      assert.match(banner, /npm run admin-token/, 'the banner says how to get a new one');
      const labels = (token: string) =>
        fetch(`${child!.url}/api/v1/labels`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.status);
      assert.equal(await labels(old), 200);
      // An inbox stream opened with the old token is closed too, not only new requests refused.
      const stream = await fetch(`${child.url}/api/v1/stream`, { headers: { authorization: `Bearer ${old}` } });
      assert.equal(stream.status, 200);
      let events = '';
      const reading = (async () => {
        const decoder = new TextDecoder();
        for await (const chunk of stream.body!) events += decoder.decode(chunk as Uint8Array, { stream: true });
      })();

      const run = await adminTokenCommand(data);
      assert.equal(run.code, 0, run.stderr);
      const fresh = run.stdout.trim();
      assert.match(fresh, /^sb_[\w-]{20,}$/, 'standard output is the token alone');
      assert.notEqual(fresh, old);
      assert.match(run.stderr, /revoked/);

      await waitFor(async () => (await labels(fresh)) === 200, 5_000, 'the running server accepts the new token');
      assert.equal(await labels(old), 401, 'and refuses the old one');
      assert.equal(await labels(fresh), 200);
      await waitFor(() => events.includes('event: unauthorized'), 5_000, 'the stream opened with the old token is told and closed');
      await reading;

      // A second run revokes the first one's token in turn.
      const again = await adminTokenCommand(data);
      assert.equal(again.code, 0, again.stderr);
      await waitFor(async () => (await labels(fresh)) === 401, 5_000, 'the previous new token is revoked');
      assert.equal(await labels(again.stdout.trim()), 200);
    } finally {
      await child?.kill();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  test('with SWITCHBOARD_ADMIN_TOKEN set it says it cannot replace that one and prints no token', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-admin-token-'));
    try {
      const run = await adminTokenCommand({
        DATA_DIR: dataDir,
        SWITCHBOARD_ADMIN_TOKEN: 'an-environment-admin-token',
        ...(dialect === 'postgres' && postgresUrl ? { DATABASE_URL: postgresUrl } : {}),
      });
      assert.equal(run.code, 1);
      assert.equal(run.stdout, '');
      assert.match(run.stderr, /SWITCHBOARD_ADMIN_TOKEN is set .*cannot replace it/);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

test('npm run admin-token refuses a DATA_DIR with no Switchboard database (a wrong folder would open nothing)', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-admin-token-'));
  try {
    const run = await adminTokenCommand({ DATA_DIR: join(dataDir, 'not-here') });
    assert.equal(run.code, 1);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /No Switchboard database in/);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
