import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { sql } from 'kysely';
import { systemClock } from '../../src/core/clock.ts';
import { GraphileJobQueue } from '../../src/jobs/graphile-job-queue.ts';
import { releaseDeadWorkers, releaseStaleQueues, WorkerHeartbeat } from '../../src/jobs/worker-heartbeat.ts';
import { openStorage, type Storage } from '../../src/storage/open-database.ts';
import { postgresUrl } from '../support/dialects.ts';
import { resetPostgres } from '../support/reset-postgres.ts';

// PostgreSQL only: heartbeats exist for graphile-worker's locks across processes. On SQLite one
// process owns the database and its job runner's claims end with it (test/core/crash-recovery.test.ts).
const skip = postgresUrl ? false : 'PostgreSQL suite skipped: TEST_DATABASE_URL is not set';

describe('worker heartbeats and the release of dead workers [postgres]', { skip }, () => {
  const setup = async () => {
    await resetPostgres(postgresUrl!);
    const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-heartbeat-'));
    const storage = await openStorage({ databaseUrl: postgresUrl, dataDir });
    const jobs = new GraphileJobQueue({ ...storage, pgPool: storage.pgPool! }, { clock: systemClock });
    await jobs.prepare();
    return {
      storage,
      jobs,
      async cleanup() {
        await storage.close();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  };

  /** A job in a conversation queue, taken by `workerId` `agoMs` ago (as graphile-worker takes one: attempts counted, queue locked). */
  async function takenJob(
    s: { storage: Storage; jobs: GraphileJobQueue },
    queue: string,
    workerId: string,
    agoMs: number,
  ): Promise<number> {
    await s.jobs.enqueue(s.storage.db, 'message.send', { messageId: queue }, { queue });
    const r = await sql<{ id: number }>`
      update graphile_worker._private_jobs set locked_by = ${workerId}, locked_at = now() - ${agoMs}::double precision * interval '1 millisecond', attempts = attempts + 1
      where job_queue_id = (select id from graphile_worker._private_job_queues where queue_name = ${queue}) returning id`.execute(
      s.storage.db,
    );
    await sql`update graphile_worker._private_job_queues set locked_by = ${workerId}, locked_at = now() - ${agoMs}::double precision * interval '1 millisecond' where queue_name = ${queue}`.execute(
      s.storage.db,
    );
    return r.rows[0]!.id;
  }

  async function heartbeatRow(s: { storage: Storage }, workerId: string, agoMs: number): Promise<void> {
    await sql`insert into worker_heartbeats (worker_id, process, started_at, last_seen_at)
      values (${workerId}, 'test', 0, (extract(epoch from clock_timestamp()) * 1000)::bigint - ${agoMs}::bigint)`.execute(s.storage.db);
  }

  async function lockOf(s: { storage: Storage }, jobId: number): Promise<{ job: string | null; queue: string | null; attempts: number }> {
    const r = await sql<{ job: string | null; queue: string | null; attempts: number }>`
      select j.locked_by as job, q.locked_by as queue, j.attempts from graphile_worker._private_jobs j
      left join graphile_worker._private_job_queues q on q.id = j.job_queue_id where j.id = ${jobId}`.execute(s.storage.db);
    return r.rows[0]!;
  }

  test('a worker silent past the timeout loses its jobs and queues; a live one keeps them; a lock with no heartbeat goes once older than the timeout', async () => {
    const s = await setup();
    try {
      await heartbeatRow(s, 'pool-dead', 10_000);
      await heartbeatRow(s, 'pool-live', 500);
      const dead = await takenJob(s, 'conv-dead', 'pool-dead', 9_000);
      const live = await takenJob(s, 'conv-live', 'pool-live', 9_000);
      const oldOrphan = await takenJob(s, 'conv-orphan-old', 'pool-never-beat', 8_000);
      const newOrphan = await takenJob(s, 'conv-orphan-new', 'pool-just-started', 100);

      const released = await releaseDeadWorkers(s.storage.db, 3000);
      assert.deepEqual(released.sort(), ['pool-dead', 'pool-never-beat']);
      // Released: runnable again by anyone, its attempt still counted (it is a retry).
      assert.deepEqual(await lockOf(s, dead), { job: null, queue: null, attempts: 1 });
      assert.deepEqual(await lockOf(s, oldOrphan), { job: null, queue: null, attempts: 1 });
      assert.deepEqual(await lockOf(s, live), { job: 'pool-live', queue: 'pool-live', attempts: 1 });
      assert.deepEqual(await lockOf(s, newOrphan), { job: 'pool-just-started', queue: 'pool-just-started', attempts: 1 });
      const rows = await sql<{ worker_id: string }>`select worker_id from worker_heartbeats order by worker_id`.execute(s.storage.db);
      assert.deepEqual(
        rows.rows.map((r) => r.worker_id),
        ['pool-live'],
        'the dead worker’s row is gone',
      );
      assert.deepEqual(await releaseDeadWorkers(s.storage.db, 3000), [], 'a second sweep finds nothing');
    } finally {
      await s.cleanup();
    }
  });

  test('a queue a live pool has held past the timeout with none of its jobs taken is unlocked; one with its job running is not', async () => {
    const s = await setup();
    try {
      await heartbeatRow(s, 'pool-live', 200);
      // The left-over lock: the job was deleted by a process taken for dead that finished it.
      const gone = await takenJob(s, 'conv-stuck', 'pool-live', 9_000);
      await sql`delete from graphile_worker._private_jobs where id = ${gone}`.execute(s.storage.db);
      await s.jobs.enqueue(s.storage.db, 'message.send', { messageId: 'next' }, { queue: 'conv-stuck' });
      const running = await takenJob(s, 'conv-running', 'pool-live', 9_000);
      const young = await takenJob(s, 'conv-young', 'pool-live', 100);
      await sql`delete from graphile_worker._private_jobs where id = ${young}`.execute(s.storage.db);

      assert.deepEqual(await releaseStaleQueues(s.storage.db, 3000), ['conv-stuck']);
      const queues = await sql<{ queue_name: string; locked_by: string | null }>`
        select queue_name, locked_by from graphile_worker._private_job_queues order by queue_name`.execute(s.storage.db);
      assert.deepEqual(queues.rows, [
        { queue_name: 'conv-running', locked_by: 'pool-live' },
        { queue_name: 'conv-stuck', locked_by: null },
        { queue_name: 'conv-young', locked_by: 'pool-live' },
      ]);
      assert.deepEqual(await lockOf(s, running), { job: 'pool-live', queue: 'pool-live', attempts: 1 });
      assert.deepEqual(await releaseStaleQueues(s.storage.db, 3000), [], 'a second sweep finds nothing');
    } finally {
      await s.cleanup();
    }
  });

  test('a process sweeps only after its own beats have gone through for a whole timeout without a gap', async () => {
    const s = await setup();
    // A long timeout keeps the real timer out of the way; the test moves its own monotonic clock.
    const timeoutMs = 60_000;
    let t = 0;
    const released: string[] = [];
    const hb = new WorkerHeartbeat(s.storage.db, {
      workerId: 'pool-me',
      timeoutMs,
      monotonicNow: () => t,
      onReleased: (ids) => released.push(...ids),
    });
    try {
      await heartbeatRow(s, 'pool-dead', 120_000);
      const job = await takenJob(s, 'conv-1', 'pool-dead', 120_000);
      await hb.start(); // t = 0: the first beat
      const mine = await sql<{ n: number }>`select count(*)::int as n from worker_heartbeats where worker_id = 'pool-me'`.execute(
        s.storage.db,
      );
      assert.equal(mine.rows[0]?.n, 1, 'the first beat wrote the row');
      for (t = 20_000; t < timeoutMs; t += 20_000) await hb.beatAndSweep();
      assert.deepEqual(released, [], 'not yet: just started (or just back after an outage), others had no time to beat');
      t = timeoutMs;
      await hb.beatAndSweep();
      assert.deepEqual(released, ['pool-dead']);
      assert.equal((await lockOf(s, job)).job, null);

      // A gap (a stall, the database out of reach) starts the count again.
      await heartbeatRow(s, 'pool-dead-2', 120_000);
      t += 5 * 20_000;
      await hb.beatAndSweep();
      assert.deepEqual(released, ['pool-dead']);
      t += timeoutMs / 3;
      await hb.beatAndSweep();
      t += timeoutMs / 3;
      await hb.beatAndSweep();
      t += timeoutMs / 3;
      await hb.beatAndSweep();
      assert.deepEqual(released, ['pool-dead', 'pool-dead-2']);
    } finally {
      await hb.stop();
      const left = await sql<{ n: number }>`select count(*)::int as n from worker_heartbeats where worker_id = 'pool-me'`.execute(
        s.storage.db,
      );
      assert.equal(left.rows[0]?.n, 0, 'a stopped process removes its row');
      await s.cleanup();
    }
  });

  test('a process taken for dead that comes back writes its row again', async () => {
    const s = await setup();
    let t = 0;
    const warnings: string[] = [];
    const hb = new WorkerHeartbeat(s.storage.db, {
      workerId: 'pool-back',
      timeoutMs: 60_000,
      monotonicNow: () => t,
      logger: { warn: (_o, msg) => warnings.push(msg) },
    });
    try {
      await hb.start();
      await sql`delete from worker_heartbeats where worker_id = 'pool-back'`.execute(s.storage.db); // another process's sweep
      t = 20_000;
      await hb.beatAndSweep();
      const back = await sql<{ n: number }>`select count(*)::int as n from worker_heartbeats where worker_id = 'pool-back'`.execute(
        s.storage.db,
      );
      assert.equal(back.rows[0]?.n, 1);
      assert.ok(
        warnings.some((w) => /taken for dead/.test(w)),
        'and says so in its log',
      );
    } finally {
      await hb.stop();
      await s.cleanup();
    }
  });
});
