import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import pg from 'pg';
import { startSimulator, type Simulator } from '../../src/simulator/index.ts';
import { postgresUrl } from '../support/dialects.ts';
import { resetPostgres } from '../support/reset-postgres.ts';
import { inboundEnvelope, postSigned } from '../support/signed-post.ts';
import { freePort, simulatorNumberEnv, spawnSwitchboard, type Child } from '../support/spawn-switchboard.ts';
import { SECRETS } from '../support/test-world.ts';
import { waitFor } from '../support/wait-for.ts';

const skip = postgresUrl ? false : 'PostgreSQL suite skipped: TEST_DATABASE_URL is not set';

/** WORKER_HEARTBEAT_TIMEOUT_MS for the processes: short, so the test measures recovery in seconds. */
const HEARTBEAT_TIMEOUT_MS = 3000;
const CUSTOMERS = 12;
const MESSAGES_EACH = 10;
/** How long the fake Graph API holds each send's answer (after Meta has the message): sends stay in flight. */
const GRAPH_ANSWER_DELAY_MS = 250;
/** The victim is killed holding at least this many sends in flight. */
const SENDS_AT_KILL = 3;

/**
 * A pass-through to the simulator's Graph API that forwards each request at once (Meta has the
 * message) and holds its answer, so a process killed mid-send dies with sends in flight. It
 * records the message ids (biz_opaque_callback_data) of the sends Meta accepted.
 */
async function slowGraph(sim: Simulator): Promise<{ url: string; seen: Set<string>; close(): void }> {
  const seen = new Set<string>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const isSend = req.method === 'POST' && (req.url ?? '').endsWith('/messages');
      let sendId: string | undefined;
      if (isSend) {
        try {
          const id = (JSON.parse(body.toString('utf8')) as { biz_opaque_callback_data?: unknown }).biz_opaque_callback_data;
          if (typeof id === 'string') sendId = id;
        } catch {
          // not a JSON send: passed through as it is
        }
      }
      const target = new URL(req.url ?? '/', sim.graphBaseUrl);
      const up = request(target, { method: req.method, headers: { ...req.headers, host: target.host } }, (upRes) => {
        const answer: Buffer[] = [];
        upRes.on('data', (c: Buffer) => answer.push(c));
        upRes.on('end', () => {
          // Seen: Meta has the message, i.e. it accepted this attempt. An attempt it refused (a
          // throughput limit, answered 4xx) leaves the message to a later attempt.
          if (sendId && (upRes.statusCode ?? 500) < 300) seen.add(sendId);
          const reply = () => {
            if (res.destroyed) return;
            res.writeHead(upRes.statusCode ?? 502, upRes.headers);
            res.end(Buffer.concat(answer));
          };
          if (isSend) setTimeout(reply, GRAPH_ANSWER_DELAY_MS);
          else reply();
        });
      });
      up.on('error', () => res.destroy());
      up.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const addr = server.address();
  return {
    url: `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`,
    seen,
    close() {
      server.closeAllConnections();
      server.close();
    },
  };
}

describe('crash recovery across three processes on PostgreSQL (SIGKILL under load)', { skip }, () => {
  test('one of three processes killed while its sends are in flight: every acknowledged message is answered once, in order, within the heartbeat window', {
    timeout: 180_000,
  }, async () => {
    await resetPostgres(postgresUrl!);
    const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-pgcrash-'));
    const sim = await startSimulator({
      ...SECRETS,
      statusDelaysMs: { sent: 5, delivered: 10, read: 20 },
      webhookRetry: { initialDelayMs: 100, maxDelayMs: 300, timeoutMs: 2000 },
    });
    const graph = await slowGraph(sim);
    const db = new pg.Client({ connectionString: postgresUrl });
    const children: Child[] = [];
    try {
      const envs = await Promise.all(
        [0, 1, 2].map(async () => ({
          PORT: String(await freePort()),
          DATA_DIR: dataDir,
          DATABASE_URL: postgresUrl!,
          SWITCHBOARD_ADMIN_TOKEN: 'pg-crash-admin-token-12345',
          WORKER_HEARTBEAT_TIMEOUT_MS: String(HEARTBEAT_TIMEOUT_MS),
          INBOUND_REORDER_WINDOW_MS: '0',
          ...simulatorNumberEnv(sim),
          WHATSAPP_GRAPH_URL: graph.url,
        })),
      );
      // All three at once on the fresh database (the start-up lock makes that safe).
      children.push(...(await Promise.all(envs.map((env) => spawnSwitchboard(env, 60_000)))));
      const [a, , victim] = children as [Child, Child, Child];
      await db.connect();
      // Meta's webhooks (the customers' first messages, status callbacks) go to a survivor.
      await sim.setWebhookUrl(`${a.url}/webhooks/whatsapp`);

      const waIds = Array.from({ length: CUSTOMERS }, (_, i) => `1555777${String(i).padStart(4, '0')}`);
      const customers = waIds.map((w, i) => sim.customer(w, `Load ${i}`));
      // Each customer writes first through the simulator, which opens its 24-hour window there.
      await Promise.all(customers.map((c) => c.sendText('start')));
      await Promise.all(customers.map((c) => c.waitForMessage((m) => m.text === 'You said: start', 30_000)));

      // The load: every customer's messages in order, spread over the three processes as a load
      // balancer would; a delivery that fails (the process was killed) is redelivered to another,
      // as Meta does. Only a 200 counts as acknowledged.
      const down = new Set<Child>();
      let turn = 0;
      const acknowledged = new Map<string, string[]>(waIds.map((w) => [w, []]));
      const base = Math.floor(Date.now() / 1000);
      const deliver = async (waId: string, id: string, text: string): Promise<void> => {
        const body = inboundEnvelope(
          sim.phoneNumberId,
          [{ from: waId, id, timestamp: `${base}`, type: 'text', text: { body: text } }],
          [{ profile: { name: 'Load' }, wa_id: waId }],
        );
        for (let tries = 0; tries < 30; tries++) {
          const alive = children.filter((c) => !down.has(c));
          const target = alive[turn++ % alive.length]!;
          const res = await postSigned(target.url, body).catch(() => undefined);
          if (res?.status === 200) {
            acknowledged.get(waId)!.push(text);
            return;
          }
        }
        throw new Error(`message ${id} was never acknowledged`);
      };
      const load = Promise.all(
        waIds.map(async (w, i) => {
          for (let j = 0; j < MESSAGES_EACH; j++) await deliver(w, `wamid.PGCRASH${i}x${j}`, `c${i} m${j}`);
        }),
      );

      // The victim's worker pool, by its heartbeat row (the row names host and pid).
      let victimPool = '';
      await waitFor(
        async () => {
          const r = await db.query<{ worker_id: string }>(`select worker_id from worker_heartbeats where process like $1`, [
            `% pid ${victim.proc.pid}`,
          ]);
          victimPool = r.rows[0]?.worker_id ?? '';
          return victimPool !== '';
        },
        10_000,
        'the victim heartbeats',
      );
      const lockedByVictim = async () =>
        (
          await db.query<{ message_id: string | null; queue: string | null; task: string }>(
            `select j.payload->>'messageId' as message_id, q.queue_name as queue, t.identifier as task
               from graphile_worker._private_jobs j join graphile_worker._private_tasks t on t.id = j.task_id
               left join graphile_worker._private_job_queues q on q.id = j.job_queue_id
              where j.locked_by = $1`,
            [victimPool],
          )
        ).rows;
      // Replies in flight on the victim: marked `sending` on a conversation whose queue it holds
      // (a bot's reply is sent by its message's own job, src/messaging/inline-sends.ts; an agent's
      // by a message.send job).
      const sendsHeldByVictim = async () =>
        Number(
          (
            await db.query<{ n: string }>(
              `select count(*) as n from messages m join graphile_worker._private_job_queues q on q.queue_name = 'conv:' || m.conversation_id
                where q.locked_by = $1 and m.direction = 'out' and m.status = 'sending'`,
              [victimPool],
            )
          ).rows[0]?.n,
        );
      // A claim (`status = 'sending'`) the victim sent just before it was frozen still commits on
      // the server afterwards: counted as not at Meta while any such statement is still running,
      // or the test could kill the victim with a send marked but never made (then rightly left
      // `unconfirmed`, and the customer never answered: this test's occasional failure).
      const sendingNotAtMeta = async () => {
        const claiming = await db.query<{ n: string }>(
          `select count(*) as n from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid() and state <> 'idle' and query like '%set "status" = ''sending''%'`,
        );
        const r = await db.query<{ id: string }>(`select id from messages where direction = 'out' and status = 'sending'`);
        return Number(claiming.rows[0]?.n) + r.rows.filter((m) => !graph.seen.has(m.id)).length;
      };

      // Kill the victim while it holds sends in flight. Frozen first (SIGSTOP), then killed at a
      // moment when every send marked `sending` has reached Meta: a send that died between being
      // marked and leaving is the send policy's `unconfirmed` case, not what this test measures.
      let held: Awaited<ReturnType<typeof lockedByVictim>> = [];
      let inFlightSends = 0;
      for (let tries = 0; ; tries++) {
        assert.ok(tries < 200, 'the victim never held a send in flight');
        await waitFor(async () => (await sendsHeldByVictim()) >= SENDS_AT_KILL, 20_000, 'the victim holds sends');
        victim.proc.kill('SIGSTOP');
        const clean = await waitFor(async () => (await sendingNotAtMeta()) === 0, 500, 'sends at Meta').then(
          () => true,
          () => false,
        );
        held = await lockedByVictim();
        inFlightSends = await sendsHeldByVictim();
        if (clean && inFlightSends >= SENDS_AT_KILL) break;
        victim.proc.kill('SIGCONT');
      }
      const killedAt = Date.now();
      down.add(victim);
      await victim.kill('SIGKILL');

      // graphile-worker alone would hold these locks for 4 hours.
      let releasedAt = 0;
      await waitFor(
        async () => {
          const r = await db.query<{ n: string }>(
            `select (select count(*) from graphile_worker._private_jobs where locked_by = $1) + (select count(*) from graphile_worker._private_job_queues where locked_by = $1) as n`,
            [victimPool],
          );
          releasedAt = Date.now();
          return Number(r.rows[0]?.n) === 0;
        },
        30_000,
        "the dead worker's jobs and queues released",
      );
      await load;

      // The customers whose conversations the victim held write again, and are answered too.
      const affected = new Set<string>();
      for (const j of held) {
        if (!j.message_id) continue;
        const r = await db.query<{ external_id: string }>(
          `select ct.external_id from messages m join conversations c on c.id = m.conversation_id join contacts ct on ct.id = c.contact_id where m.id = $1`,
          [j.message_id],
        );
        if (r.rows[0]) affected.add(r.rows[0].external_id);
      }
      assert.ok(affected.size > 0, 'the victim held some customers’ messages');
      for (const w of affected) await deliver(w, `wamid.PGCRASH-after-${w}`, `after ${w}`);

      const expected = (w: string) => acknowledged.get(w)!.map((t) => `You said: ${t}`);
      const replies = (i: number) =>
        customers[i]!.received()
          .map((m) => m.text)
          .filter((t) => t !== 'You said: start');
      await waitFor(
        () => waIds.every((w, i) => replies(i).length >= expected(w).length),
        60_000,
        'every acknowledged message answered',
      ).catch(async (e) => {
        waIds.forEach((w, i) => {
          if (replies(i).length < expected(w).length)
            process.stdout.write(`# MISSING ${w}: got ${JSON.stringify(replies(i))} want ${JSON.stringify(expected(w))}\n`);
        });
        const jobs = await db.query(
          `select t.identifier, j.payload, j.attempts, j.max_attempts, j.last_error, j.locked_by, j.run_at, q.queue_name, q.locked_by as qlock from graphile_worker._private_jobs j join graphile_worker._private_tasks t on t.id=j.task_id left join graphile_worker._private_job_queues q on q.id=j.job_queue_id`,
        );
        process.stdout.write(`# JOBS ${JSON.stringify(jobs.rows).slice(0, 3000)}\n`);
        const msgs = await db.query(
          `select id, direction, status, text, error_code from messages where status not in ('read','delivered','received','processed') order by created_at`,
        );
        process.stdout.write(
          `# MSGS ${JSON.stringify(msgs.rows.map((m) => ({ ...m, reachedGraph: graph.seen.has(m.id) }))).slice(0, 3000)}\n`,
        );
        process.stdout.write(
          `# SIM ${JSON.stringify(
            sim
              .outbound()
              .filter((o) => msgs.rows.some((m) => JSON.stringify(o.body).includes(m.id)))
              .map((o) => ({ to: o.to, text: o.text, status: o.status, error: o.error })),
          )}\n`,
        );
        for (const c of children) process.stdout.write(`# CHILD ${c.output().slice(-1500).replace(/\n/g, ' | ')}\n`);
        throw e;
      });
      const answeredAt = Date.now();
      // Nothing left to run: no job could still send a second reply.
      await waitFor(
        async () =>
          Number(
            (
              await db.query<{ n: string }>(
                `select count(*) as n from graphile_worker.jobs where attempts < max_attempts and (run_at <= now() or locked_at is not null)`,
              )
            ).rows[0]?.n,
          ) === 0,
        30_000,
        'the job queue drained',
      );
      let duplicates = 0;
      waIds.forEach((w, i) => {
        duplicates += replies(i).length - new Set(replies(i)).size;
        assert.deepEqual(replies(i), expected(w), `customer ${w}: each acknowledged message answered once, in order`);
      });
      const ackCount = [...acknowledged.values()].reduce((n, l) => n + l.length, 0);
      const replyCount = waIds.reduce((n, _, i) => n + replies(i).length, 0);
      assert.ok(
        releasedAt - killedAt <= HEARTBEAT_TIMEOUT_MS + 4000,
        `locks released ${releasedAt - killedAt} ms after the kill (heartbeat timeout ${HEARTBEAT_TIMEOUT_MS} ms)`,
      );
      // The figures for docs/reliability.md.
      process.stdout.write(
        `# pg-sigkill-1-of-3: ${JSON.stringify({ acknowledged: ackCount, replies: replyCount, duplicates, inFlightSends, heldJobs: held.length, affectedCustomers: affected.size, releasedMs: releasedAt - killedAt, allAnsweredMs: answeredAt - killedAt })}\n`,
      );
    } finally {
      for (const c of children) {
        if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGCONT');
        await c.kill('SIGTERM');
      }
      await db.end().catch(() => undefined);
      graph.close();
      await sim.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
