import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startSimulator } from '../../src/simulator/index.ts';
import { openStorage } from '../../src/storage/open-database.ts';
import { forEachDialect, postgresUrl } from '../support/dialects.ts';
import { resetPostgres } from '../support/reset-postgres.ts';
import { freePort, simulatorNumberEnv, spawnSwitchboard, type Child } from '../support/spawn-switchboard.ts';
import { SECRETS } from '../support/test-world.ts';
import { waitFor } from '../support/wait-for.ts';

forEachDialect('crash recovery (real processes, SIGKILL)', (dialect) => {
  const setup = async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-crash-'));
    if (dialect === 'postgres' && postgresUrl) await resetPostgres(postgresUrl);
    const sim = await startSimulator({
      ...SECRETS,
      statusDelaysMs: { sent: 5, delivered: 10, read: 20 },
      webhookRetry: { initialDelayMs: 100, maxDelayMs: 300, timeoutMs: 2000 },
    });
    const port = await freePort();
    const env = (over: Record<string, string>) => ({
      PORT: String(port),
      DATA_DIR: dataDir,
      ...(dialect === 'postgres' && postgresUrl ? { DATABASE_URL: postgresUrl } : {}),
      SWITCHBOARD_ADMIN_TOKEN: 'crash-test-admin-token-123',
      ...simulatorNumberEnv(sim),
      ...over,
    });
    const children: Child[] = [];
    return {
      sim,
      env,
      port,
      children,
      async cleanup() {
        for (const c of children) await c.kill();
        await sim.close();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  };

  test('an event answered 200 survives SIGKILL before processing and is processed after restart', async () => {
    const s = await setup();
    try {
      // A web-only process stores and acknowledges, but does no processing: kill it right after.
      const web = await spawnSwitchboard(s.env({ SWITCHBOARD_ROLE: 'web' }));
      s.children.push(web);
      await s.sim.setWebhookUrl(`${web.url}/webhooks/whatsapp`);
      const customer = s.sim.customer('15553330001', 'Kill');
      await customer.sendText('survive this');
      await waitFor(
        () => s.sim.deliveries().some((d) => d.body.includes('survive this') && d.status === 200),
        5000,
        'webhook acknowledged',
      );
      await web.kill('SIGKILL');
      assert.equal(customer.received().length, 0, 'nothing was processed before the kill');

      const full = await spawnSwitchboard(s.env({}));
      s.children.push(full);
      const reply = await customer.waitForMessage((m) => m.text === 'You said: survive this', 15_000);
      assert.ok(reply.wamid);
    } finally {
      await s.cleanup();
    }
  });

  test('a crash after the Graph API accepted a send and before we recorded it does not send it again', async () => {
    const s = await setup();
    // A pass-through to the simulator that holds the answer to the first send, so the process
    // dies with the message accepted by "Meta" but its result never written.
    let held = 0;
    const proxy: Server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        const target = new URL(req.url ?? '/', s.sim.graphBaseUrl);
        const up = request(target, { method: req.method, headers: { ...req.headers, host: target.host } }, (upRes) => {
          const body: Buffer[] = [];
          upRes.on('data', (c) => body.push(c));
          upRes.on('end', () => {
            if (req.url?.endsWith('/messages') && held === 0) {
              held++;
              return; // never answer
            }
            res.writeHead(upRes.statusCode ?? 502, upRes.headers);
            res.end(Buffer.concat(body));
          });
        });
        up.end(Buffer.concat(chunks));
      });
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()));
    const addr = proxy.address();
    const proxyUrl = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
    try {
      const first = await spawnSwitchboard(s.env({ WHATSAPP_GRAPH_URL: proxyUrl }));
      s.children.push(first);
      await s.sim.setWebhookUrl(`${first.url}/webhooks/whatsapp`);
      const customer = s.sim.customer('15553330002', 'Once');
      await customer.sendText('reply once please');
      await waitFor(() => held === 1, 10_000, 'send reached the Graph API');
      await first.kill('SIGKILL');
      assert.equal(customer.received().length, 1, 'Meta accepted the reply once');

      const second = await spawnSwitchboard(s.env({}));
      s.children.push(second);
      // Meta's status callbacks (retried while we were down) carry our id and reconcile the record.
      const storage = await openStorage({ dataDir: s.env({}).DATA_DIR, databaseUrl: dialect === 'postgres' ? postgresUrl : undefined });
      try {
        await waitFor(
          async () => {
            const m = await storage.db
              .selectFrom('messages')
              .select(['status', 'external_id'])
              .where('direction', '=', 'out')
              .executeTakeFirst();
            return !!m?.external_id && ['sent', 'delivered', 'read'].includes(m.status);
          },
          15_000,
          'outbound message reconciled from status callbacks',
        );
        const rows = await storage.db.selectFrom('messages').selectAll().where('direction', '=', 'out').execute();
        assert.equal(rows.length, 1);
        assert.equal(rows[0]?.external_id, customer.received()[0]?.wamid);
      } finally {
        await storage.close();
      }
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(customer.received().length, 1, 'the reply was not sent a second time');
    } finally {
      proxy.closeAllConnections();
      proxy.close();
      await s.cleanup();
    }
  });
});
