import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { OffsetClock } from '../../src/core/clock.ts';
import { GraphileJobQueue } from '../../src/jobs/graphile-job-queue.ts';
import type { JobQueue } from '../../src/jobs/job-queue.ts';
import { SqliteJobQueue } from '../../src/jobs/sqlite-job-queue.ts';
import { openStorage, type Storage } from '../../src/storage/open-database.ts';
import { forEachDialect, postgresUrl } from '../support/dialects.ts';
import { resetPostgres } from '../support/reset-postgres.ts';
import { waitFor } from '../support/wait-for.ts';

const HOUR = 3_600_000;

/**
 * The job engines on a clock that skips ahead (the one `npm start` shares with its built-in
 * simulator): work scheduled for later runs as soon as the clock reaches it, and work scheduled
 * after a skip runs at its time, not that much later in the database's time.
 */
forEachDialect('job runners on a clock that skips ahead', (dialect) => {
  let storage: Storage;
  let jobs: JobQueue;
  let dir: string;
  const clock = new OffsetClock();
  const ran: string[] = [];
  const ranAt = new Map<string, number>();

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'switchboard-clock-jobs-'));
    if (dialect === 'postgres' && postgresUrl) await resetPostgres(postgresUrl);
    storage = await openStorage({ databaseUrl: dialect === 'postgres' ? postgresUrl : undefined, dataDir: dir });
    if (storage.pgPool) {
      const q = new GraphileJobQueue({ ...storage, pgPool: storage.pgPool }, { clock, concurrency: 2 });
      await q.prepare();
      jobs = q;
    } else {
      // A long poll: only the advance itself may bring the delayed job back in time.
      jobs = new SqliteJobQueue(storage, { clock, concurrency: 2, pollMs: 60_000 });
    }
    await jobs.start({
      note: async (p) => {
        const n = (p as { n: string }).n;
        ran.push(n);
        ranAt.set(n, Date.now());
      },
    });
  });
  after(async () => {
    await jobs?.stop();
    await storage?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a job due in an hour runs at once when the clock skips an hour', async () => {
    await jobs.enqueue(storage.db, 'note', { n: 'in-an-hour' }, { runAt: clock.now() + HOUR });
    jobs.wake();
    await jobs.enqueue(storage.db, 'note', { n: 'in-two-hours' }, { runAt: clock.now() + 2 * HOUR });
    jobs.wake();
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(ran.length, 0, 'not due yet');
    clock.advance(HOUR + 1000);
    await waitFor(() => ran.includes('in-an-hour'), 3000, 'the job due in an hour ran');
    assert.ok(!ran.includes('in-two-hours'), 'the later one still waits');
    clock.advance(HOUR);
    await waitFor(() => ran.includes('in-two-hours'), 3000, 'the job due in two hours ran');
  });

  test('after a 25 h skip, a job due in 50 ms runs in about 50 ms (run-at is kept relative to the app clock)', async () => {
    clock.advance(25 * HOUR);
    ran.length = 0;
    await jobs.enqueue(storage.db, 'note', { n: 'soon' }, { runAt: clock.now() + 50 });
    jobs.wake();
    await waitFor(() => ran.includes('soon'), 3000, 'the job due in 50 ms ran');
  });

  test('a job added to run shortly starts when it is due, not at the next poll', async () => {
    // PostgreSQL polls every 500 ms (two workers here): without the NOTIFY when a job is due, a job
    // starts up to that late, and five in a row all within 150 ms would be luck.
    const late: number[] = [];
    for (let i = 0; i < 5; i++) {
      const n = `due-${i}`;
      const due = Date.now() + 200;
      await jobs.enqueue(storage.db, 'note', { n }, { runAt: clock.now() + 200 });
      jobs.wake();
      await waitFor(() => ranAt.has(n), 3000, `${n} ran`);
      late.push(ranAt.get(n)! - due);
    }
    assert.ok(
      late.every((ms) => ms < 150),
      `started ${late.join(', ')} ms after due`,
    );
  });
});
