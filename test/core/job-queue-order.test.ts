import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { systemClock } from '../../src/core/clock.ts';
import { GraphileJobQueue } from '../../src/jobs/graphile-job-queue.ts';
import type { JobQueue, TaskHandler } from '../../src/jobs/job-queue.ts';
import { RetryLater } from '../../src/jobs/job-errors.ts';
import { SqliteJobQueue } from '../../src/jobs/sqlite-job-queue.ts';
import { openStorage, type Storage } from '../../src/storage/open-database.ts';
import { forEachDialect, postgresUrl } from '../support/dialects.ts';
import { resetPostgres } from '../support/reset-postgres.ts';
import { waitFor } from '../support/wait-for.ts';

/** The job engines themselves: a serial queue runs its jobs one at a time, in the order added. */
forEachDialect('job queue order', (dialect) => {
  let storage: Storage;
  let jobs: JobQueue;
  let dir: string;
  const seen: string[] = [];
  let running = 0;
  let overlap = false;
  const retryTimes: number[] = [];
  const record: TaskHandler = async (payload) => {
    running++;
    if (running > 1) overlap = true;
    await new Promise((r) => setTimeout(r, 1));
    seen.push((payload as { n: string }).n);
    running--;
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'switchboard-jobs-'));
    if (dialect === 'postgres' && postgresUrl) await resetPostgres(postgresUrl);
    storage = await openStorage({ databaseUrl: dialect === 'postgres' ? postgresUrl : undefined, dataDir: dir });
    if (storage.pgPool) {
      const q = new GraphileJobQueue({ ...storage, pgPool: storage.pgPool }, { clock: systemClock, concurrency: 4 });
      await q.prepare();
      jobs = q;
    } else {
      jobs = new SqliteJobQueue(storage, { clock: systemClock, concurrency: 4 });
    }
    await jobs.start({
      record,
      retry: async (payload) => {
        retryTimes.push(Date.now());
        if (retryTimes.length === 1) throw new RetryLater('come back later', (payload as { delayMs: number }).delayMs);
      },
    });
  });
  after(async () => {
    await jobs?.stop();
    await storage?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('jobs added in one transaction run in the order they were added, one at a time', async () => {
    seen.length = 0;
    overlap = false;
    const n = 40;
    await storage.db.transaction().execute(async (trx) => {
      for (let i = 0; i < n; i++) await jobs.enqueue(trx, 'record', { n: `a${i}` }, { queue: 'q:one' });
    });
    jobs.wake();
    await waitFor(() => seen.length >= n, 15_000, `${n} jobs`);
    assert.deepEqual(
      seen,
      Array.from({ length: n }, (_, i) => `a${i}`),
    );
    assert.equal(overlap, false, 'two jobs of one queue never run at the same time');
  });

  test('several transactions and several queues: each queue keeps its own order', async () => {
    seen.length = 0;
    for (let t = 0; t < 5; t++) {
      await storage.db.transaction().execute(async (trx) => {
        for (let i = 0; i < 6; i++)
          for (const q of ['x', 'y']) await jobs.enqueue(trx, 'record', { n: `${q}${t * 6 + i}` }, { queue: `q:${q}` });
      });
      jobs.wake();
    }
    await waitFor(() => seen.length >= 60, 15_000, '60 jobs');
    for (const q of ['x', 'y']) {
      assert.deepEqual(
        seen.filter((s) => s.startsWith(q)),
        Array.from({ length: 30 }, (_, i) => `${q}${i}`),
      );
    }
  });

  test('a job added for later lets a job of its queue that is due now go first', async () => {
    seen.length = 0;
    await jobs.enqueue(storage.db, 'record', { n: 'later' }, { queue: 'q:later', runAt: Date.now() + 3000 });
    jobs.wake();
    await jobs.enqueue(storage.db, 'record', { n: 'now' }, { queue: 'q:later' });
    jobs.wake();
    await waitFor(() => seen.includes('now'), 2500, 'the job due now');
    assert.deepEqual(seen, ['now']);
    await waitFor(() => seen.length >= 2, 15_000, 'the later job');
    assert.deepEqual(seen, ['now', 'later']);
  });

  test('a job that asks to retry later runs again after the delay it asked for, not before', async () => {
    // Longer than the in-place retry window (2 s), so the engine itself must schedule it.
    await jobs.enqueue(storage.db, 'retry', { delayMs: 4000 }, { key: 'retry-once' });
    jobs.wake();
    await waitFor(() => retryTimes.length >= 2, 15_000, 'second attempt');
    const gap = retryTimes[1]! - retryTimes[0]!;
    assert.ok(gap >= 3900 && gap < 8000, `second attempt after ${gap} ms`);
  });

  if (dialect === 'postgres') {
    test('graphile-worker: jobs added in one transaction get distinct, increasing run_at (its queue order has no other tie-break)', async () => {
      // A task no runner handles, so the rows stay to be inspected.
      await storage.db.transaction().execute(async (trx) => {
        for (let i = 0; i < 10; i++) await jobs.enqueue(trx, 'nobody', { n: i }, { queue: 'q:inspect' });
      });
      const inspect = `from graphile_worker._private_jobs j join graphile_worker._private_job_queues q on q.id = j.job_queue_id where q.queue_name = 'q:inspect'`;
      const order = await storage.pgPool!.query<{ n: number }>(
        `select (j.payload->>'n')::int as n ${inspect} order by j.priority, j.run_at`,
      );
      assert.deepEqual(
        order.rows.map((r) => r.n),
        Array.from({ length: 10 }, (_, i) => i),
      );
      const distinct = await storage.pgPool!.query<{ d: number }>(`select count(distinct j.run_at)::int as d ${inspect}`);
      assert.equal(distinct.rows[0]?.d, 10, 'no two jobs share a run_at');
      await storage.pgPool!.query(
        `delete from graphile_worker._private_jobs where job_queue_id = (select id from graphile_worker._private_job_queues where queue_name = 'q:inspect')`,
      );
    });
  }
});
