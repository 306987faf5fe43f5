import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { systemClock } from '../../src/core/clock.ts';
import { GraphileJobQueue } from '../../src/jobs/graphile-job-queue.ts';
import type { TaskHandler } from '../../src/jobs/job-queue.ts';
import { openStorage, type Storage } from '../../src/storage/open-database.ts';
import { postgresUrl } from '../support/dialects.ts';
import { resetPostgres } from '../support/reset-postgres.ts';
import { waitFor } from '../support/wait-for.ts';

/**
 * PostgreSQL's job engine keeps a row per named queue (one per conversation). Empty ones are
 * deleted (GraphileJobQueue.sweepEmptyQueues): graphile-worker's job fetch reads and locks every
 * free queue, so their number is its cost. The sweep must never take a queue from a job being
 * added: such a job would never run (its queue id points at nothing), or run out of its queue's order.
 */
const suite = postgresUrl ? describe : describe.skip;
suite('empty job queues are swept without losing a job [postgres]', () => {
  let storage: Storage;
  let jobs: GraphileJobQueue;
  let dir: string;
  const seen = new Map<string, number[]>();
  let overlap = false;
  const running = new Set<string>();
  const record: TaskHandler = async (payload) => {
    const { q, n } = payload as { q: string; n: number };
    if (running.has(q)) overlap = true;
    running.add(q);
    await new Promise((r) => setTimeout(r, 1));
    seen.set(q, [...(seen.get(q) ?? []), n]);
    running.delete(q);
  };
  const total = () => [...seen.values()].reduce((s, v) => s + v.length, 0);
  const queueCount = async () =>
    Number((await sql<{ n: string }>`select count(*) as n from graphile_worker._private_job_queues`.execute(storage.db)).rows[0]?.n ?? 0);
  const queueExists = async (name: string) =>
    (await sql`select 1 from graphile_worker._private_job_queues where queue_name = ${name}`.execute(storage.db)).rows.length > 0;
  /** Jobs whose queue id names no queue, or that lost their queue: they would never run, or run unordered. */
  const orphans = async () =>
    Number(
      (
        await sql<{ n: string }>`select count(*) as n from graphile_worker._private_jobs j
          where j.job_queue_id is null or not exists (select 1 from graphile_worker._private_job_queues q where q.id = j.job_queue_id)`.execute(
          storage.db,
        )
      ).rows[0]?.n ?? 0,
    );

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'switchboard-sweep-'));
    await resetPostgres(postgresUrl as string);
    storage = await openStorage({ databaseUrl: postgresUrl, dataDir: dir });
    jobs = new GraphileJobQueue({ ...storage, pgPool: storage.pgPool! }, { clock: systemClock, concurrency: 4 });
    await jobs.prepare();
    await jobs.start({ record });
  });
  after(async () => {
    await jobs?.stop();
    await storage?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('queues left empty by finished jobs are deleted; a queue with a waiting job is kept', async () => {
    seen.clear();
    for (let i = 0; i < 30; i++) await jobs.enqueue(storage.db, 'record', { q: `a${i}`, n: 0 }, { queue: `q:a${i}` });
    await waitFor(() => total() === 30, 15_000, '30 jobs');
    await jobs.idle();
    // One job due in an hour keeps its queue.
    await jobs.enqueue(storage.db, 'record', { q: 'later', n: 0 }, { queue: 'q:later', runAt: Date.now() + 3_600_000 });
    // A sweep skips the queues a worker's job fetch holds at that moment (it locks every free one): sweep until done.
    const names = async () =>
      (await sql<{ queue_name: string }>`select queue_name from graphile_worker._private_job_queues`.execute(storage.db)).rows.map(
        (r) => r.queue_name,
      );
    const sweptTo = (n: number) => async () => {
      await jobs.sweepEmptyQueues();
      return (await queueCount()) === n;
    };
    await waitFor(sweptTo(1), 10_000, 'the empty queues to be swept');
    assert.deepEqual(await names(), ['q:later']);
    await sql`delete from graphile_worker._private_jobs`.execute(storage.db);
  });

  test('a sweep running all the time while jobs are added to the same queues loses none and keeps each queue in order', async () => {
    seen.clear();
    overlap = false;
    let stop = false;
    let sweeps = 0;
    let swept = 0;
    const sweeper = (async () => {
      while (!stop) {
        swept += await jobs.sweepEmptyQueues();
        sweeps++;
      }
    })();
    const queues = 8;
    const perQueue = 25;
    try {
      // Each job is added in a transaction that stays open a few milliseconds after its add_job, the
      // moment a sweep that did not see the uncommitted job would delete its queue.
      await Promise.all(
        Array.from({ length: queues }, async (_, q) => {
          for (let n = 0; n < perQueue; n++) {
            await storage.db.transaction().execute(async (trx) => {
              await jobs.enqueue(trx, 'record', { q: `r${q}`, n }, { queue: `q:r${q}` });
              await new Promise((r) => setTimeout(r, n % 3));
            });
            // Now and then the queue empties and the sweep deletes it before the next job, which creates it again.
            if (n % 5 === 4) {
              await waitFor(() => (seen.get(`r${q}`)?.length ?? 0) === n + 1, 15_000, `queue r${q} to drain`);
              await waitFor(async () => !(await queueExists(`q:r${q}`)), 15_000, `queue r${q} to be swept`);
            }
          }
        }),
      );
      assert.equal(await orphans(), 0, 'no job lost its queue');
      await waitFor(() => total() === queues * perQueue, 20_000, `${queues * perQueue} jobs`);
    } finally {
      stop = true;
      await sweeper;
    }
    for (let q = 0; q < queues; q++)
      assert.deepEqual(
        seen.get(`r${q}`),
        Array.from({ length: perQueue }, (_, n) => n),
        `queue r${q} ran every job once, in order`,
      );
    assert.equal(overlap, false, 'two jobs of one queue never ran at the same time');
    assert.ok(
      swept >= queues * (perQueue / 5),
      `queues emptied between jobs were deleted while jobs kept coming (${swept} in ${sweeps} sweeps)`,
    );
    await jobs.idle();
    await waitFor(
      async () => {
        await jobs.sweepEmptyQueues();
        return (await queueCount()) === 0;
      },
      10_000,
      'every queue to be swept',
    );
  });
});
