import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import pg from 'pg';
import pino from 'pino';
import { OffsetClock } from '../../src/core/clock.ts';
import { saveChannelRow, startSwitchboard, type Running } from '../../src/start-switchboard.ts';
import { openStorage } from '../../src/storage/open-database.ts';
import { baseConfig } from '../support/test-config.ts';
import { startSimulator } from '../../src/simulator/index.ts';
import { forEachDialect, postgresUrl } from '../support/dialects.ts';
import { resetPostgres } from '../support/reset-postgres.ts';
import { freePort, simulatorNumberEnv, spawnSwitchboard } from '../support/spawn-switchboard.ts';
import { SECRETS } from '../support/test-world.ts';
import { waitFor } from '../support/wait-for.ts';

forEachDialect('the channel row written at start', (dialect) => {
  test('written by many starts at the same moment: no start fails on a duplicate key', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-channel-'));
    if (dialect === 'postgres') await resetPostgres(postgresUrl!);
    const storage = await openStorage({ databaseUrl: dialect === 'postgres' ? postgresUrl : undefined, dataDir, poolSize: 20 });
    try {
      // Ten concurrent writers per number, on ten connections: with ON CONFLICT (kind, account_id)
      // about 1 write in 60 failed on channels_pkey (measured: 34 of 2000).
      const failures: string[] = [];
      for (let k = 0; k < 200; k++) {
        const n = { phoneNumberId: `10654035224${String(k).padStart(4, '0')}`, businessAccountId: `waba${k}` };
        const results = await Promise.allSettled(
          Array.from({ length: 10 }, () => saveChannelRow(storage.db, `wa_${n.phoneNumberId}`, n, Date.now())),
        );
        for (const r of results) if (r.status === 'rejected') failures.push(String(r.reason));
      }
      assert.deepEqual(failures, []);
      const rows = await storage.db.selectFrom('channels').select(['id', 'business_account_id']).execute();
      assert.equal(rows.length, 200);
      // A later start refreshes what the configuration may change.
      await saveChannelRow(
        storage.db,
        'wa_106540352240000',
        { phoneNumberId: '106540352240000', businessAccountId: 'waba-new' },
        Date.now(),
      );
      const row = await storage.db
        .selectFrom('channels')
        .select('business_account_id')
        .where('id', '=', 'wa_106540352240000')
        .executeTakeFirstOrThrow();
      assert.equal(row.business_account_id, 'waba-new');
    } finally {
      await storage.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

const skip = postgresUrl ? false : 'PostgreSQL suite skipped: TEST_DATABASE_URL is not set';
const exampleFlow = fileURLToPath(new URL('../../examples/flows/service-request.yaml', import.meta.url));

/**
 * Issue #11, item 5: several processes starting at the same moment on a fresh PostgreSQL database
 * (migrations, graphile-worker's schema, the channel rows, the generated admin token, flows from a
 * folder). Before the start-up lock one of five failed on `channels_pkey` in about 1 start in 5.
 */
describe('start-up of several processes at once on a fresh database [postgres]', { skip }, () => {
  test('five servers started in one tick on a wiped database, five rounds: all start', { timeout: 120_000 }, async () => {
    // In one process the five starts interleave at every await, so they reach each start-up write
    // (after waiting on each other's migrations) at the same moment: the race, made likely.
    const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-start-'));
    const flowsDir = join(dataDir, 'flows');
    mkdirSync(flowsDir);
    copyFileSync(exampleFlow, join(flowsDir, 'service-request.yaml'));
    try {
      for (let round = 0; round < 5; round++) {
        await resetPostgres(postgresUrl!);
        const config = baseConfig('postgres', dataDir, {
          demoBot: false,
          adminToken: round % 2 === 0 ? undefined : 'concurrent-start-admin-token-1',
          flows: { dir: flowsDir },
          numbers: [
            {
              phoneNumberId: '106540352242922',
              businessAccountId: '102290129340398',
              graphUrl: 'http://127.0.0.1:9',
              apiVersion: 'v21.0',
              throughputPerSecond: 80,
              ...SECRETS,
            },
          ],
        });
        const started = await Promise.allSettled(
          Array.from({ length: 5 }, () => startSwitchboard(config, { clock: new OffsetClock(), logger: pino({ level: 'silent' }) })),
        );
        const running = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
        try {
          const failures = started.flatMap((s) => (s.status === 'rejected' ? [String(s.reason)] : []));
          assert.deepEqual(failures, [], `round ${round}: every server starts`);
          if (config.adminToken === undefined)
            assert.equal(running.filter((r: Running) => r.generatedAdminToken !== undefined).length, 1, 'one admin token generated');
          for (const r of running) assert.equal((await fetch(`${r.url}/health/ready`)).status, 200);
          const versions = await running[0]!.deps.storage.db.selectFrom('flow_versions').select(['flow_id', 'version']).execute();
          assert.deepEqual(
            versions.map((v) => v.version),
            [1],
            'the folder flow is published once, not once per server',
          );
        } finally {
          for (const r of running) await r.stop();
        }
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  test('five processes started together, three rounds on a wiped database: all start and serve', { timeout: 240_000 }, async () => {
    const sim = await startSimulator({ ...SECRETS });
    const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-start-'));
    // A flows folder published at start by every process (publishing is a start-up write too).
    const flowsDir = join(dataDir, 'flows');
    mkdirSync(flowsDir);
    copyFileSync(exampleFlow, join(flowsDir, 'service-request.yaml'));
    try {
      for (let round = 0; round < 3; round++) {
        await resetPostgres(postgresUrl!);
        // Every other round lets the processes generate the admin token (a race of its own).
        const configuredToken = round % 2 === 1 ? 'concurrent-start-admin-token-1' : undefined;
        const envs = await Promise.all(
          Array.from({ length: 5 }, async () => ({
            PORT: String(await freePort()),
            DATA_DIR: dataDir,
            DATABASE_URL: postgresUrl!,
            FLOWS_DIR: flowsDir,
            ...(configuredToken ? { SWITCHBOARD_ADMIN_TOKEN: configuredToken } : {}),
            ...simulatorNumberEnv(sim),
          })),
        );
        const started = await Promise.allSettled(envs.map((env) => spawnSwitchboard(env, 90_000)));
        const children = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
        try {
          const failures = started.flatMap((s) => (s.status === 'rejected' ? [String(s.reason).slice(0, 2000)] : []));
          assert.deepEqual(failures, [], `round ${round}: every process starts`);
          const errors = children.flatMap((c) =>
            c
              .output()
              .split('\n')
              .filter((l) => /"level":[56]0|error|failed/i.test(l)),
          );
          assert.deepEqual(errors, [], `round ${round}: no errors logged while starting`);

          // Exactly one process generated (and printed) the admin token; it works on all five.
          const printed = children.flatMap((c) =>
            [...c.output().matchAll(/Admin API token \(shown once, stored hashed\): (\S+)/g)].map((m) => m[1] ?? ''),
          );
          if (configuredToken) assert.equal(printed.length, 0);
          else assert.equal(printed.length, 1, `round ${round}: one process generated the admin token`);
          const token = configuredToken ?? printed[0]!;
          for (const c of children) {
            const ready = await fetch(`${c.url}/health/ready`);
            assert.equal(ready.status, 200, `round ${round}: ${c.url} is ready`);
            // The token of the winner is read again by the others within a second (ADMIN_TOKEN_REFRESH_MS).
            await waitFor(
              async () => (await fetch(`${c.url}/api/v1/flows`, { headers: { authorization: `Bearer ${token}` } })).status === 200,
              5000,
              `round ${round}: ${c.url} accepts the admin token`,
            );
          }
          const client = new pg.Client({ connectionString: postgresUrl });
          await client.connect();
          try {
            const channels = await client.query('select id from channels');
            assert.equal(channels.rowCount, 1, 'one channel row for the one number');
            const versions = await client.query<{ flow_id: string; n: string }>(
              'select flow_id, count(*) as n from flow_versions group by flow_id',
            );
            assert.ok(versions.rows.length > 0, 'the folder flows were published');
            for (const v of versions.rows) assert.equal(Number(v.n), 1, `flow ${v.flow_id} published once, not once per process`);
          } finally {
            await client.end();
          }
        } finally {
          for (const c of children) await c.kill('SIGTERM');
        }
      }
    } finally {
      await sim.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
