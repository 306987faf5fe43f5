import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startSimulator } from '../../src/simulator/index.ts';
import { forEachDialect, postgresUrl } from '../support/dialects.ts';
import { FaultGraph } from '../support/fault-graph.ts';
import { resetPostgres } from '../support/reset-postgres.ts';
import { freePort, simulatorNumberEnv, spawnSwitchboard, type Child } from '../support/spawn-switchboard.ts';
import { SECRETS } from '../support/test-world.ts';
import { waitFor } from '../support/wait-for.ts';

const ADMIN = 'unconfirmed-test-admin-token-123';

forEachDialect('a send interrupted by a crash (real processes, SIGKILL)', (dialect) => {
  test('is shown unconfirmed after the restart, announced by message.unconfirmed, not sent again by itself; resend delivers it once', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-unconfirmed-'));
    if (dialect === 'postgres' && postgresUrl) await resetPostgres(postgresUrl);
    const sim = await startSimulator({
      ...SECRETS,
      statusDelaysMs: { sent: 5, delivered: 10, read: 20 },
      webhookRetry: { initialDelayMs: 100, maxDelayMs: 300, timeoutMs: 2000 },
    });
    // "Meta" never gets the first send, and never answers it: the outcome is unknown to Switchboard.
    const graph = new FaultGraph(sim.graphBaseUrl);
    await graph.start();
    graph.fault = { kind: 'hold' };
    const events: any[] = [];
    const sink: Server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        events.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r));
    const port = await freePort();
    const env = {
      PORT: String(port),
      DATA_DIR: dataDir,
      ...(dialect === 'postgres' && postgresUrl ? { DATABASE_URL: postgresUrl } : {}),
      SWITCHBOARD_ADMIN_TOKEN: ADMIN,
      EVENT_WEBHOOKS_ALLOW_PRIVATE: 'true',
      WORKER_HEARTBEAT_TIMEOUT_MS: '1000', // PostgreSQL: the dead process's jobs are released within a second or two
      TEMPLATE_SYNC_INTERVAL_MS: '0',
      ...simulatorNumberEnv(sim),
      WHATSAPP_GRAPH_URL: graph.url,
    };
    const children: Child[] = [];
    const api = async (method: string, path: string) => {
      const res = await fetch(`http://127.0.0.1:${port}${path}`, { method, headers: { authorization: `Bearer ${ADMIN}` } });
      return { status: res.status, body: await res.json() };
    };
    try {
      const first = await spawnSwitchboard(env);
      children.push(first);
      await sim.setWebhookUrl(`${first.url}/webhooks/whatsapp`);
      const sub = await fetch(`${first.url}/api/v1/webhooks`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          url: `http://127.0.0.1:${(sink.address() as AddressInfo).port}/events`,
          events: ['message.unconfirmed', 'message.status'],
        }),
      });
      assert.equal(sub.status, 201);
      const customer = sim.customer('15553390001', 'Crash');
      await customer.sendText('are you there');
      await waitFor(() => graph.calls.held === 1, 10_000, 'the reply reached the Graph API');
      await first.kill('SIGKILL');
      graph.fault = { kind: 'pass' };

      const second = await spawnSwitchboard(env);
      children.push(second);
      await sim.setWebhookUrl(`${second.url}/webhooks/whatsapp`);
      let out: any;
      await waitFor(
        async () => {
          const list = await api('GET', '/api/v1/conversations');
          const c = list.body.data?.[0];
          if (!c) return false;
          out = (await api('GET', `/api/v1/conversations/${c.id}`)).body.messages.find((m: any) => m.direction === 'out');
          return out?.status === 'unconfirmed';
        },
        20_000,
        'the interrupted reply shown unconfirmed',
      );
      assert.equal(out.error.code, 'send_unconfirmed');
      await waitFor(
        () => events.some((e) => e.type === 'message.unconfirmed' && e.data.message.id === out.id),
        10_000,
        'message.unconfirmed delivered',
      );
      assert.equal(graph.calls.passed, 0, 'not sent again by itself');
      assert.equal(customer.received().length, 0);

      const resent = await api('POST', `/api/v1/conversations/${out.conversation_id}/messages/${out.id}/resend`);
      assert.equal(resent.status, 202, JSON.stringify(resent.body));
      const reply = await customer.waitForMessage((m) => m.text === 'You said: are you there', 10_000);
      assert.ok(reply.wamid);
      await waitFor(
        async () =>
          (await api('GET', `/api/v1/conversations/${out.conversation_id}`)).body.messages.some(
            (m: any) => m.id === resent.body.id && m.status !== 'queued',
          ),
        10_000,
        'resend recorded',
      );
      assert.equal(customer.received().length, 1, 'delivered once');
      assert.equal(graph.calls.passed, 1);
    } finally {
      for (const c of children) await c.kill();
      await graph.close();
      sink.closeAllConnections();
      sink.close();
      await sim.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
