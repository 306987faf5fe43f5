import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { sql } from 'kysely';
import { startSimulator } from '../../src/simulator/index.ts';
import { openStorage } from '../../src/storage/open-database.ts';
import { forEachDialect, postgresUrl } from '../support/dialects.ts';
import { resetPostgres } from '../support/reset-postgres.ts';
import { FaultGraph } from '../support/fault-graph.ts';
import { freePort, simulatorNumberEnv, spawnSwitchboard, type Child } from '../support/spawn-switchboard.ts';
import { SECRETS } from '../support/test-world.ts';
import { waitFor } from '../support/wait-for.ts';

const ADMIN = 'broadcast-failures-admin-token-12';
const NOT_ON_WHATSAPP = '14155558001';
const MARKETING_LIMITED = '14155558002';

forEachDialect('broadcast retries and permanent failures (real Switchboard process, simulator)', (dialect) => {
  test("Meta's rate limit (130429, the simulator's throughput limit and injected) is retried until each customer has it once; 131026 and 131049 mark the recipient failed with the code", {
    timeout: 480_000,
  }, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-bcast-fail-'));
    if (dialect === 'postgres' && postgresUrl) await resetPostgres(postgresUrl);
    // The simulator takes 2 messages a second from the number: the rest of a 10-a-second tick is refused with 130429.
    const sim = await startSimulator({
      ...SECRETS,
      templateReviewDelayMs: 0,
      statusDelaysMs: { sent: 5, delivered: 10, read: 20 },
      readProbability: 0,
      throughputPerSecond: 2,
      unregisteredNumbers: [NOT_ON_WHATSAPP],
      marketingLimitedNumbers: [MARKETING_LIMITED],
    });
    // In front of it, "Meta" answers the first 3 sends with 130429 (as a real number over its
    // throughput does): on a slow machine Switchboard may never outrun the simulator's own limit.
    const graph = new FaultGraph(sim.graphBaseUrl);
    await graph.start();
    let sb: Child | undefined;
    const env = {
      PORT: String(await freePort()),
      DATA_DIR: dataDir,
      ...(dialect === 'postgres' && postgresUrl ? { DATABASE_URL: postgresUrl } : {}),
      SWITCHBOARD_ADMIN_TOKEN: ADMIN,
      TEMPLATE_SYNC_INTERVAL_MS: '0',
      ...simulatorNumberEnv(sim),
      WHATSAPP_GRAPH_URL: graph.url,
    };
    try {
      sb = await spawnSwitchboard(env, 180_000); // over a minute on a loaded shared machine
      const url = sb.url;
      await sim.setWebhookUrl(`${url}/webhooks/whatsapp`);
      const api = async (method: string, path: string, body?: unknown, contentType = 'application/json') => {
        const res = await fetch(`${url}${path}`, {
          method,
          headers: { authorization: `Bearer ${ADMIN}`, ...(body === undefined ? {} : { 'content-type': contentType }) },
          ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
        });
        return { status: res.status, body: await res.json() };
      };
      const tpl = await api('POST', '/api/v1/templates', {
        name: 'promo_reintentos',
        language: 'es_MX',
        category: 'MARKETING',
        components: [{ type: 'BODY', text: 'Hola {{1}}, este mes hay descuento.', example: { body_text: [['Ana']] } }],
      });
      assert.equal(tpl.status, 201, JSON.stringify(tpl.body));
      await api('POST', `/api/v1/templates/${tpl.body.id}/submit`, {});
      await waitFor(async () => (await api('GET', `/api/v1/templates/${tpl.body.id}`)).body.status === 'APPROVED', 10_000, 'approved');
      const ok = Array.from({ length: 8 }, (_, i) => `141555581${String(i).padStart(2, '0')}`);
      const phones = [...ok, NOT_ON_WHATSAPP, MARKETING_LIMITED];
      const imported = await api(
        'POST',
        '/api/v1/audiences/import?name=retries',
        ['phone,name', ...phones.map((p, i) => `+${p},C${i}`)].join('\n'),
        'text/csv',
      );
      assert.equal(imported.body.report.imported, phones.length);
      // MARKETING: only opted-in customers are sent to.
      for (const p of phones) {
        const c = (await api('GET', `/api/v1/contacts?q=${p}`)).body.data[0];
        assert.equal((await api('POST', `/api/v1/contacts/${c.id}/opt-in`, {})).status, 200);
      }
      const made = await api('POST', '/api/v1/broadcasts', {
        name: 'retries',
        template: tpl.body.id,
        audience_id: imported.body.audience.id,
        parameters: { body: [{ column: 'name' }] },
        rate_per_second: 10,
      });
      const id = made.body.id;
      graph.fault = { kind: 'error', status: 400, code: 130429 };
      assert.equal((await api('POST', `/api/v1/broadcasts/${id}/start`, {})).body.state, 'running');
      await waitFor(() => graph.calls.failed >= 3, 60_000, 'three sends refused with 130429');
      graph.fault = { kind: 'pass' };
      let b: any;
      await waitFor(
        async () => {
          b = (await api('GET', `/api/v1/broadcasts/${id}`)).body;
          return b.state === 'completed' && b.counts.failed === 2 && b.counts.sent + b.counts.delivered + b.counts.read === ok.length;
        },
        180_000,
        'completed, every retry through and both failures in',
      );
      const received = (p: string) =>
        sim
          .customer(p)
          .received()
          .filter((m) => m.type === 'template').length;
      for (const p of ok) assert.equal(received(p), 1, `${p} received it once`);
      const failed = await api('GET', `/api/v1/broadcasts/${id}/recipients?status=failed`);
      assert.deepEqual(failed.body.data.map((r: any) => [r.address, r.error.code]).sort(), [
        [`+${NOT_ON_WHATSAPP}`, 'whatsapp_131026'],
        [`+${MARKETING_LIMITED}`, 'whatsapp_131049'],
      ]);
      // The retries happened: more Graph calls than messages (each 130429 answer is one more attempt).
      const storage = await openStorage({ dataDir, ...(dialect === 'postgres' && postgresUrl ? { databaseUrl: postgresUrl } : {}) });
      try {
        const row = await sql<{
          attempts: number;
          n: number;
        }>`select sum(attempts) as attempts, count(*) as n from messages where author = ${`broadcast:${id}`}`.execute(storage.db);
        const attempts = Number(row.rows[0]?.attempts);
        assert.equal(Number(row.rows[0]?.n), phones.length);
        assert.ok(attempts > phones.length, `attempts ${attempts} for ${phones.length} messages: the rate limit was retried`);
        assert.ok(attempts >= phones.length + 3, `attempts ${attempts}: the three 130429 answers were retried`);
        console.log(`# ${dialect}: ${phones.length} messages, ${attempts} Graph attempts (130429 retried), failed: 131026, 131049`);
      } finally {
        await storage.close();
      }
    } finally {
      await sb?.kill();
      await graph.close();
      await sim.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
