import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { startSimulator } from '../../src/simulator/index.ts';
import { postgresUrl } from '../support/dialects.ts';
import { Scrape } from '../support/prometheus.ts';
import { resetPostgres } from '../support/reset-postgres.ts';
import { inboundEnvelope, postSigned } from '../support/signed-post.ts';
import { type Child, freePort, simulatorNumberEnv, spawnSwitchboard } from '../support/spawn-switchboard.ts';
import { SECRETS } from '../support/test-world.ts';
import { waitFor } from '../support/wait-for.ts';

const skip = postgresUrl ? false : 'PostgreSQL suite skipped: TEST_DATABASE_URL is not set';
const METRICS_TOKEN = 'multi-process-metrics-token';

describe('operations: with several processes on PostgreSQL, each exposes its own /metrics [postgres]', { skip }, () => {
  test('a webhook is counted by the process that received it; the database backlogs read the same on both', async () => {
    await resetPostgres(postgresUrl!);
    const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-metrics-multi-'));
    const sim = await startSimulator({ ...SECRETS, statusDelaysMs: { sent: 5, delivered: 10, read: 20 } });
    const children: Child[] = [];
    try {
      const env = async () => ({
        PORT: String(await freePort()),
        DATA_DIR: dataDir,
        DATABASE_URL: postgresUrl!,
        SWITCHBOARD_ADMIN_TOKEN: 'multi-process-admin-token-1',
        METRICS_TOKEN,
        ...simulatorNumberEnv(sim),
      });
      // One after the other: both migrate the same database at start.
      children.push(await spawnSwitchboard(await env(), 60_000));
      children.push(await spawnSwitchboard(await env(), 60_000));
      const [a, b] = children as [Child, Child];
      const scrape = async (c: Child) => {
        const res = await fetch(`${c.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
        assert.equal(res.status, 200);
        return new Scrape(await res.text());
      };
      const accepted = (s: Scrape) => s.value('switchboard_webhook_events_total', { outcome: 'accepted' });
      const [a0, b0] = [accepted(await scrape(a)), accepted(await scrape(b))];
      for (let i = 0; i < 3; i++) {
        const body = inboundEnvelope(
          sim.phoneNumberId,
          [
            {
              from: '15554450001',
              id: `wamid.metrics-multi-${i}`,
              timestamp: String(Math.floor(Date.now() / 1000)),
              type: 'text',
              text: { body: `m${i}` },
            },
          ],
          [{ wa_id: '15554450001', profile: { name: 'Multi' } }],
        );
        assert.equal((await postSigned(a.url, body)).status, 200);
      }
      const [sa, sb] = [await scrape(a), await scrape(b)];
      assert.equal(accepted(sa) - a0, 3, 'counted by the process that received them');
      assert.equal(accepted(sb) - b0, 0, 'not by the other');
      // Backlogs come from the shared database: once drained, both read 0 pending webhooks.
      await waitFor(async () => (await scrape(a)).value('switchboard_webhook_events_pending') === 0, 30_000);
      assert.equal((await scrape(b)).value('switchboard_webhook_events_pending'), 0);
      assert.ok((await scrape(b)).value('switchboard_db_pool_connections', { state: 'total' }) >= 1);
    } finally {
      for (const c of children) await c.kill();
      await sim.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
