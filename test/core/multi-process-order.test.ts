import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { startSimulator } from '../../src/simulator/index.ts';
import { postgresUrl } from '../support/dialects.ts';
import { resetPostgres } from '../support/reset-postgres.ts';
import { inboundEnvelope, postSigned } from '../support/signed-post.ts';
import { freePort, simulatorNumberEnv, spawnSwitchboard, type Child } from '../support/spawn-switchboard.ts';
import { SECRETS } from '../support/test-world.ts';
import { waitFor } from '../support/wait-for.ts';

const skip = postgresUrl ? false : 'PostgreSQL suite skipped: TEST_DATABASE_URL is not set';

describe('per-conversation order across several server processes [postgres]', { skip }, () => {
  test('messages of one conversation, received alternately by two processes, are answered in order', async () => {
    await resetPostgres(postgresUrl!);
    const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-multi-'));
    const sim = await startSimulator({ ...SECRETS, statusDelaysMs: { sent: 5, delivered: 10, read: 20 } });
    const children: Child[] = [];
    try {
      const env = async () => ({
        PORT: String(await freePort()),
        DATA_DIR: dataDir,
        DATABASE_URL: postgresUrl!,
        SWITCHBOARD_ADMIN_TOKEN: 'multi-process-admin-token-1',
        ...simulatorNumberEnv(sim),
      });
      // One after the other: both migrate the same database at start.
      children.push(await spawnSwitchboard(await env()));
      children.push(await spawnSwitchboard(await env()));
      const [a, b] = children as [Child, Child];
      await sim.setWebhookUrl(`${a.url}/webhooks/whatsapp`);
      const waId = '15554440001';
      const customer = sim.customer(waId, 'Two');
      await customer.sendText('start'); // opens the 24 h window in the simulator
      await customer.waitForMessage((m) => m.text === 'You said: start', 60_000); // slow on a loaded machine

      const n = 30;
      const base = Math.floor(Date.now() / 1000);
      for (let i = 0; i < n; i++) {
        const target = i % 2 === 0 ? a : b;
        const body = inboundEnvelope(
          sim.phoneNumberId,
          [{ from: waId, id: `wamid.MULTI${i}`, timestamp: `${base}`, type: 'text', text: { body: `m${i}` } }],
          [{ profile: { name: 'Two' }, wa_id: waId }],
        );
        const res = await postSigned(target.url, body);
        assert.equal(res.status, 200);
      }
      await waitFor(() => customer.received().length >= n + 1, 120_000, `${n} replies`);
      assert.deepEqual(
        customer
          .received()
          .slice(1)
          .map((m) => m.text),
        Array.from({ length: n }, (_, i) => `You said: m${i}`),
      );
    } finally {
      for (const c of children) await c.kill('SIGTERM');
      await sim.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
