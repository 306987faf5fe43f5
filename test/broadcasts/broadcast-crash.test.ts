import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startSimulator } from '../../src/simulator/index.ts';
import { forEachDialect, postgresUrl } from '../support/dialects.ts';
import { resetPostgres } from '../support/reset-postgres.ts';
import { freePort, simulatorNumberEnv, spawnSwitchboard, type Child } from '../support/spawn-switchboard.ts';
import { SECRETS } from '../support/test-world.ts';
import { waitFor } from '../support/wait-for.ts';

const ADMIN = 'broadcast-crash-admin-token-123';
const RECIPIENTS = Number(process.env.BROADCAST_CRASH_RECIPIENTS ?? 600);
/** 80 a second at best; a busy shared machine gets a fraction of that, so the waits scale with the size. */
const WAIT_MS = Math.max(60_000, RECIPIENTS * 60);

forEachDialect('a broadcast killed mid-send (real processes, SIGKILL)', (dialect) => {
  test(`${RECIPIENTS} recipients: after the restart it completes, and every customer got the template exactly once`, {
    timeout: 60_000 + 3 * WAIT_MS,
  }, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-bcast-crash-'));
    if (dialect === 'postgres' && postgresUrl) await resetPostgres(postgresUrl);
    const sim = await startSimulator({
      ...SECRETS,
      templateReviewDelayMs: 0,
      statusDelaysMs: { sent: 5, delivered: 10, read: 20 },
      readProbability: 0,
    });
    const port = await freePort();
    const env = {
      PORT: String(port),
      DATA_DIR: dataDir,
      ...(dialect === 'postgres' && postgresUrl ? { DATABASE_URL: postgresUrl } : {}),
      SWITCHBOARD_ADMIN_TOKEN: ADMIN,
      WORKER_HEARTBEAT_TIMEOUT_MS: '1000', // PostgreSQL: the dead process's jobs are released within a second or two
      TEMPLATE_SYNC_INTERVAL_MS: '0',
      ...simulatorNumberEnv(sim),
    };
    const children: Child[] = [];
    const api = async (method: string, path: string, body?: unknown, contentType = 'application/json') => {
      const res = await fetch(`http://127.0.0.1:${port}${path}`, {
        method,
        headers: { authorization: `Bearer ${ADMIN}`, ...(body === undefined ? {} : { 'content-type': contentType }) },
        ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
      });
      return { status: res.status, body: await res.json() };
    };
    const phones = Array.from({ length: RECIPIENTS }, (_, i) => `1415556${String(i).padStart(4, '0')}`);
    try {
      const first = await spawnSwitchboard(env, 60_000);
      children.push(first);
      await sim.setWebhookUrl(`${first.url}/webhooks/whatsapp`);
      const created = await api('POST', '/api/v1/templates', {
        name: 'aviso_corte',
        language: 'es_MX',
        category: 'UTILITY',
        components: [{ type: 'BODY', text: 'Hola {{1}}, mañana hay mantenimiento en tu zona.', example: { body_text: [['Ana']] } }],
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.equal((await api('POST', `/api/v1/templates/${created.body.id}/submit`, {})).status, 200);
      await waitFor(
        async () => (await api('GET', `/api/v1/templates/${created.body.id}`)).body.status === 'APPROVED',
        10_000,
        'template approved',
      );
      const csv = ['phone,name', ...phones.map((p, i) => `+${p},C${i}`)].join('\n');
      const imported = await api('POST', '/api/v1/audiences/import?name=crash', csv, 'text/csv');
      assert.equal(imported.body.report?.imported, RECIPIENTS, JSON.stringify(imported.body).slice(0, 300));
      const made = await api('POST', '/api/v1/broadcasts', {
        name: 'crash',
        template: created.body.id,
        audience_id: imported.body.audience.id,
        parameters: { body: [{ column: 'name' }] },
        override_opt_in: { reason: 'maintenance notice' },
      });
      const id = made.body.id;
      assert.equal((await api('POST', `/api/v1/broadcasts/${id}/start`, {})).body.state, 'running');
      const received = () => phones.reduce((n, p) => n + sim.customer(p).received().length, 0);
      await waitFor(() => received() >= RECIPIENTS / 5, WAIT_MS, 'a fifth of the broadcast sent');
      await first.kill('SIGKILL');
      const atKill = received();
      assert.ok(atKill < RECIPIENTS, `killed before the end (${atKill} sent)`);

      const second = await spawnSwitchboard(env, 60_000);
      children.push(second);
      await sim.setWebhookUrl(`${second.url}/webhooks/whatsapp`);
      let b: any;
      await waitFor(
        async () => {
          b = (await api('GET', `/api/v1/broadcasts/${id}`)).body;
          return b.state === 'completed';
        },
        2 * WAIT_MS,
        'the broadcast completed after the restart',
      );
      assert.equal(b.counts.total, RECIPIENTS, JSON.stringify({ counts: b.counts, funnel: b.funnel }));
      assert.equal(b.counts.pending + b.counts.queued, 0);
      const twice = phones.filter((p) => sim.customer(p).received().length > 1);
      assert.deepEqual(twice, [], 'nobody got it twice');
      // A send the kill interrupted is unconfirmed (never resent by itself) until its status callback confirms it.
      const missing = phones.filter((p) => sim.customer(p).received().length === 0);
      assert.ok(missing.length <= b.counts.unconfirmed, `not received: ${missing.length}, unconfirmed: ${b.counts.unconfirmed}`);
      console.log(
        `# ${dialect}: killed at ${atKill}/${RECIPIENTS} received; after the restart ${RECIPIENTS - missing.length} received once, ${missing.length} never, unconfirmed ${b.counts.unconfirmed}, twice 0`,
      );
    } finally {
      for (const c of children) await c.kill();
      await sim.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
