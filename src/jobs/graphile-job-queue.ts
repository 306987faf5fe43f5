import { EventEmitter } from 'node:events';
import { Logger, run, runMigrations, type Runner, type TaskList, type WorkerEvents } from 'graphile-worker';
import { sql } from 'kysely';
import type pg from 'pg';
import { onClockAdvance, type Clock } from '../core/clock.ts';
import type { Storage } from '../storage/open-database.ts';
import { PermanentFailure, RetryLater } from './job-errors.ts';
import type { EnqueueOptions, Executor, JobQueue, TaskHandler } from './job-queue.ts';
import { graphileWorkerPool } from './graphile-worker-pool.ts';
import { runWithShortRetries } from './run-with-short-retries.ts';
import { rawQuery, runRaw } from '../storage/raw-query.ts';
import { WorkerHeartbeat } from './worker-heartbeat.ts';

/** Up to this, a RetryLater delay is honoured exactly (see start()). */
const EXACT_RETRY_MAX_MS = 60_000;
/** graphile-worker's poll (see start()): each poll is one job fetch per worker. */
const POLL_INTERVAL_MS = 500;
/** nudgeAt: jobs due within this are nudged when due; jobs due later are left to the poll. */
const NUDGE_AHEAD_MAX_MS = 60_000;
const NUDGE_SLOT_MS = 5;
/** sweepEmptyQueues: how often, and at most how many queues a time. */
const QUEUE_SWEEP_INTERVAL_MS = 1_000;
const QUEUE_SWEEP_BATCH = 5_000;
/** Any constant: the advisory lock enqueues on named queues share and a sweep takes alone. */
const QUEUE_SWEEP_LOCK_KEY = 7_160_411_003;

/** WORKER_HEARTBEAT_TIMEOUT_MS's default (src/config.ts). */
export const DEFAULT_WORKER_HEARTBEAT_TIMEOUT_MS = 30_000;

interface Options {
  concurrency?: number;
  clock: Clock;
  /** A process silent this long is taken for dead and its jobs released (worker-heartbeat.ts). */
  heartbeatTimeoutMs?: number;
  logger?: { error(obj: object, msg: string): void; warn(obj: object, msg: string): void };
}

// graphile-worker orders a queue by (priority, run_at) with no tie-break, and its default run_at
// is now(): the same for every job added in one transaction. clock_timestamp() gives each job its
// own instant, so a queue runs in the order its jobs were added. job_key_mode preserve_run_at: a
// duplicate key neither replaces nor reschedules the job. Only the new job's id is selected, so the
// statement's result keeps its shape and PostgreSQL runs it prepared (raw-query.ts).
const ADD_JOB_CALL = `(graphile_worker.add_job(
  identifier => ?, payload => ?::json, queue_name => ?::text,
  run_at => clock_timestamp() + ?::double precision * interval '1 millisecond', max_attempts => ?::int, job_key => ?::text,
  job_key_mode => ?::text)).id`;
const ADD_JOB = rawQuery(`select ${ADD_JOB_CALL}`);
// A job on a named queue is added under a shared advisory lock held until this transaction ends;
// the sweep of empty queues (sweepEmptyQueues) takes it exclusively, so it never runs while a job
// it cannot see yet is being added (graphile-worker's add_job neither locks a queue nor checks it
// still exists). Shared: enqueues never wait for each other. count(*) makes the lock come before
// add_job, in the same round trip.
const ADD_JOB_ON_QUEUE = rawQuery(
  `select ${ADD_JOB_CALL} from (select count(*) from (select pg_advisory_xact_lock_shared(${QUEUE_SWEEP_LOCK_KEY}::bigint)) as l) as locked`,
);

/**
 * PostgreSQL engine: graphile-worker. Chosen for LISTEN/NOTIFY wake-up, serial named queues
 * (our per-conversation order across processes), job keys and run-at times, all in SQL so a job
 * is added in the same transaction as the state that needs it.
 */
export class GraphileJobQueue implements JobQueue {
  private runner: Runner | undefined;
  private heartbeat: WorkerHeartbeat | undefined;
  private workerPool: pg.Pool | undefined;
  private migrated = false;
  private unwatchClock: () => void = () => undefined;
  /** NOTIFYs for jobs this process added to run later, by due time (nudgeAt). */
  private readonly dueNudges = new Map<number, { timer: NodeJS.Timeout; count: number }>();
  private sweepTimer: NodeJS.Timeout | undefined;
  private sweeping: Promise<number> | undefined;

  constructor(
    private readonly storage: Storage & { pgPool: NonNullable<Storage['pgPool']> },
    private readonly opts: Options,
  ) {}

  /** The graphile_worker schema must exist before the first enqueue, runner or not. */
  async prepare(): Promise<void> {
    if (this.migrated) return;
    await runMigrations({ pgPool: this.storage.pgPool, logger: quietLogger() });
    this.migrated = true;
  }

  async enqueue(db: Executor, task: string, payload: object, opts: EnqueueOptions = {}): Promise<void> {
    // runAt is in the app's clock, run_at in the database's: keep the distance from now, so a
    // clock that was skipped ahead (OffsetClock) schedules in the database's present.
    const delayMs = opts.runAt === undefined ? 0 : opts.runAt - this.opts.clock.now();
    const params = [
      task,
      JSON.stringify(payload),
      opts.queue ?? null,
      delayMs,
      opts.maxAttempts ?? 25,
      opts.key ?? null,
      opts.key ? 'preserve_run_at' : null,
    ];
    await runRaw(db, opts.queue === undefined ? ADD_JOB : ADD_JOB_ON_QUEUE, params);
    this.nudgeAt(delayMs);
  }

  wake(): void {
    // graphile-worker wakes on its own NOTIFY from add_job.
  }

  async start(handlers: Record<string, TaskHandler>): Promise<void> {
    await this.prepare();
    const taskList: TaskList = {};
    for (const [name, handler] of Object.entries(handlers)) {
      taskList[name] = async (payload, helpers) => {
        try {
          await runWithShortRetries(handler, payload, { id: helpers.job.id, attempts: helpers.job.attempts });
          if (helpers.job.job_queue_id !== null) this.nudgeSoon(helpers.job.job_queue_id, helpers.job.id);
        } catch (err) {
          if (
            err instanceof RetryLater &&
            err.delayMs !== undefined &&
            err.delayMs <= EXACT_RETRY_MAX_MS &&
            helpers.job.attempts < helpers.job.max_attempts
          ) {
            // graphile-worker would apply its own backoff (e^attempts s); a short wait the handler
            // asked for (Retry-After, a rate limit) is kept exactly by re-adding the job at that
            // time; add_job takes the key over from this running job, which then ends. Longer
            // waits keep graphile-worker's growing backoff: the handler checks its own schedule
            // (in the app's clock, which tests move) and asks again when woken early.
            await helpers.query(
              `select graphile_worker.add_job(identifier => $1, payload => $2::json,
                 queue_name => (select queue_name from graphile_worker._private_job_queues where id = $3),
                 run_at => now() + ($4::int * interval '1 millisecond'), max_attempts => $5::int - $6::int,
                 job_key => $7::text, job_key_mode => case when $7::text is null then null else 'replace' end)`,
              [
                name,
                JSON.stringify(payload),
                helpers.job.job_queue_id,
                Math.ceil(err.delayMs),
                helpers.job.max_attempts,
                helpers.job.attempts,
                helpers.job.key ?? null,
              ],
            );
            this.nudgeAt(err.delayMs);
            this.opts.logger?.warn({ job: helpers.job.id, task: name, err: err.message, retryInMs: err.delayMs }, 'job will retry');
            return;
          }
          if (err instanceof PermanentFailure) {
            this.opts.logger?.error({ job: helpers.job.id, task: name, err: err.message }, 'job failed permanently');
            // graphile-worker has no "fail now": record the failure and finish the job.
            await helpers.query(`update graphile_worker._private_jobs set last_error = $2 where id = $1`, [
              helpers.job.id,
              `permanent: ${err.message}`,
            ]);
            return;
          }
          throw err;
        }
      };
    }
    // graphile-worker names the pool it creates (`locked_by` of every job and queue it takes) and
    // announces it; that id is the heartbeat's, so the sweep can hand exactly its locks back.
    const databaseUrl = this.storage.databaseUrl;
    if (!databaseUrl) throw new Error('the PostgreSQL job queue needs the database URL');
    const events: WorkerEvents = new EventEmitter();
    let poolId: string | undefined;
    events.on('pool:create', ({ workerPool }) => (poolId ??= workerPool.id));
    this.runner = await run({
      events,
      // Its own pool: workers hold connections while they wait for work, and must never starve
      // the queries our handlers make.
      pgPool: (this.workerPool = graphileWorkerPool(databaseUrl, (this.opts.concurrency ?? 8) + 2, this.opts.logger)),
      concurrency: this.opts.concurrency ?? 8,
      noHandleSignals: true,
      // A safety net, not the way work is found: new jobs NOTIFY (add_job), a conversation's next
      // job is nudged when the one before it ends, and a job added to run later is nudged when it
      // is due (nudgeAt). Each poll is a job fetch per worker: at 100 ms, 80 a second per process
      // even when idle (issue #16). What only the poll finds (another process's later job when
      // that process died, graphile-worker's own backoff) starts up to this much late.
      pollInterval: POLL_INTERVAL_MS,
      taskList,
      logger: quietLogger(),
    });
    if (poolId === undefined) throw new Error('graphile-worker did not announce its worker pool; cannot heartbeat');
    this.heartbeat = new WorkerHeartbeat(this.storage.db, {
      workerId: poolId,
      timeoutMs: this.opts.heartbeatTimeoutMs ?? DEFAULT_WORKER_HEARTBEAT_TIMEOUT_MS,
      logger: this.opts.logger,
    });
    await this.heartbeat.start();
    // A full batch means more are waiting (a database from before the sweep): go on at once.
    const sweepAll = async () => {
      while (this.sweepTimer && (await this.sweepEmptyQueues()) >= QUEUE_SWEEP_BATCH);
    };
    this.sweepTimer = setInterval(() => {
      if (!this.sweeping) void sweepAll();
    }, QUEUE_SWEEP_INTERVAL_MS);
    this.sweepTimer.unref();
    // When the app's clock skips ahead (the built-in simulator's shared clock, in development and
    // tests), jobs waiting for a later time become due that much sooner. Only a clock that can
    // skip does this; with one process per database (what such a clock implies) it is exact.
    this.unwatchClock = onClockAdvance(this.opts.clock, (ms) => {
      void sql`update graphile_worker._private_jobs set run_at = run_at - ${ms}::double precision * interval '1 millisecond'
        where run_at > now() and locked_at is null`
        .execute(this.storage.db)
        .then(() => sql`select pg_notify('jobs:insert', '{"count":1}')`.execute(this.storage.db))
        .catch((err: unknown) =>
          this.opts.logger?.warn({ err: String(err) }, 'could not bring waiting jobs forward after the clock moved'),
        );
    });
  }

  /**
   * graphile-worker only wakes on a new job (NOTIFY) or its poll; the next job of a serial queue
   * becomes runnable when this one completes, which notifies nobody. A NOTIFY just after
   * completion keeps a conversation's jobs flowing without a tight poll (measured: 60 serial jobs
   * in one conversation drain in ~0.95 s with it, ~2 s without, at a 100 ms poll).
   * Only when the queue holds another job that may run: most conversations have one job at a time,
   * and each NOTIFY sends a worker to graphile-worker's job fetch, the largest cost in the server at
   * 100 msg/s (issue #16). The look reads the partial index of available jobs, which the fetch
   * itself walks.
   */
  /**
   * A job added to run `delayMs` from now (a message's reorder window, a send's retry) is found by
   * the next poll after it is due; a NOTIFY when it is due starts it at once. Jobs due in the same
   * few milliseconds share one. It reaches every process (NOTIFY is database-wide); jobs due later
   * than NUDGE_AHEAD_MAX_MS are left to the poll.
   */
  private nudgeAt(delayMs: number): void {
    if (!(delayMs > 0) || delayMs > NUDGE_AHEAD_MAX_MS) return;
    const due = Math.ceil((Date.now() + delayMs + 2) / NUDGE_SLOT_MS) * NUDGE_SLOT_MS;
    const slot = this.dueNudges.get(due);
    if (slot) {
      slot.count++;
      return;
    }
    const timer = setTimeout(() => {
      const count = Math.min(this.dueNudges.get(due)?.count ?? 1, this.opts.concurrency ?? 8);
      this.dueNudges.delete(due);
      void sql`select pg_notify('jobs:insert', ${JSON.stringify({ count })})`.execute(this.storage.db).catch(() => undefined);
    }, due - Date.now());
    timer.unref();
    this.dueNudges.set(due, { timer, count: 1 });
  }

  private nudgeSoon(jobQueueId: number, jobId: string): void {
    setTimeout(() => {
      void sql`select pg_notify('jobs:insert', '{"count":1}') where exists (
          select 1 from graphile_worker._private_jobs where is_available and job_queue_id = ${jobQueueId} and id <> ${jobId}::bigint)`
        .execute(this.storage.db)
        .catch(() => undefined);
    }, 3).unref();
  }

  /**
   * Deletes the named queues that hold no job; how many. graphile-worker keeps a queue's row for
   * good once a job used it, one per conversation here, and its job fetch reads and row-locks every
   * free queue each time (its "strategy 2"): with 4,200 conversations a fetch wrote 4,200 WAL
   * records and took 2.5 ms of the server, growing with every new conversation (issue #16,
   * docs/benchmarks.md). Its own cleanup (GC_JOB_QUEUES) races add_job, which reads a queue's id
   * after an insert that does not lock it, and cannot see a job not yet committed: a job could
   * lose its queue (never run, or run out of its conversation's order). Here the sweep holds an
   * advisory lock that every enqueue on a named queue shares until it commits, so it deletes
   * only queues it sees empty with no such job in flight; an enqueue that comes later creates the
   * queue again.
   */
  async sweepEmptyQueues(): Promise<number> {
    // One at a time in a process; a call made during a sweep gets a sweep that starts after it.
    const run = (this.sweeping ?? Promise.resolve(0)).then(() => this.sweepOnce());
    this.sweeping = run;
    void run.finally(() => {
      if (this.sweeping === run) this.sweeping = undefined;
    });
    return run;
  }

  private async sweepOnce(): Promise<number> {
    const client = await this.storage.pgPool.connect().catch(() => undefined);
    if (!client) return 0;
    try {
      await client.query('begin');
      // Only when no enqueue is in flight: the sweep never makes an enqueue wait (it retries next second).
      const lock = await client.query<{ ok: boolean }>('select pg_try_advisory_xact_lock($1::bigint) as ok', [QUEUE_SWEEP_LOCK_KEY]);
      if (!lock.rows[0]?.ok) {
        await client.query('rollback');
        return 0;
      }
      // A snapshot taken after the lock: every job added on a named queue so far is committed and seen.
      const deleted = await client.query(
        `delete from graphile_worker._private_job_queues where id in (
           select q.id from graphile_worker._private_job_queues q
           where q.locked_at is null and not exists (select 1 from graphile_worker._private_jobs j where j.job_queue_id = q.id)
           limit ${QUEUE_SWEEP_BATCH} for update skip locked)`,
      );
      await client.query('commit');
      return deleted.rowCount ?? 0;
    } catch (err) {
      await client.query('rollback').catch(() => undefined);
      this.opts.logger?.warn({ err: String(err) }, 'could not delete empty job queues');
      return 0;
    } finally {
      client.release();
    }
  }

  async stop(): Promise<void> {
    this.unwatchClock();
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
    await this.sweeping;
    for (const { timer } of this.dueNudges.values()) clearTimeout(timer);
    this.dueNudges.clear();
    const runner = this.runner;
    this.runner = undefined;
    // graphile-worker stops itself on some fatal conditions (its schema changed under it): a
    // shutdown must still complete rather than fail on "Runner is already stopped".
    await runner?.stop().catch((err: unknown) => this.opts.logger?.warn({ err: String(err) }, 'job runner had already stopped'));
    // After the pool has given its jobs back: a row left behind would only expire.
    await this.heartbeat?.stop();
    this.heartbeat = undefined;
    // A pool handed to graphile-worker stays ours to close.
    await this.workerPool?.end().catch(() => undefined);
    this.workerPool = undefined;
  }

  async backlog(): Promise<{ count: number; oldestAt: number | null }> {
    await this.prepare();
    const r = await sql<{ count: string | number; oldest: Date | null }>`
      select count(*) as count, min(run_at) as oldest from graphile_worker.jobs
      where run_at <= now() and attempts < max_attempts and locked_at is null`.execute(this.storage.db);
    const row = r.rows[0];
    return { count: Number(row?.count ?? 0), oldestAt: row?.oldest ? new Date(row.oldest).getTime() : null };
  }

  async backlogByTask(): Promise<Record<string, { ready: number; scheduled: number }>> {
    await this.prepare();
    const r = await sql<{ task: string; ready: string | number; scheduled: string | number }>`
      select task_identifier as task,
        count(*) filter (where run_at <= now() and locked_at is null) as ready,
        count(*) filter (where run_at > now()) as scheduled
      from graphile_worker.jobs where attempts < max_attempts group by task_identifier`.execute(this.storage.db);
    const out: Record<string, { ready: number; scheduled: number }> = {};
    for (const row of r.rows) out[row.task] = { ready: Number(row.ready), scheduled: Number(row.scheduled) };
    return out;
  }

  async idle(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const r = await sql<{ count: string | number }>`
        select count(*) as count from graphile_worker.jobs
        where attempts < max_attempts and (run_at <= now() or locked_at is not null)`.execute(this.storage.db);
      const count = Number(r.rows[0]?.count ?? 0);
      if (count === 0) return;
      if (Date.now() > deadline) throw new Error(`jobs still pending after ${timeoutMs} ms (${count})`);
      await new Promise((res) => setTimeout(res, 20));
    }
  }
}

function quietLogger(): Logger {
  // Only warnings and errors reach stderr; graphile-worker's info lines would flood the logs.
  return new Logger(() => (level, message, meta) => {
    // A requested retry is not an error; the handler already logged why.
    if ((meta as { error?: unknown } | undefined)?.error instanceof RetryLater) return;
    if (level === 'error' || level === 'warning') process.stderr.write(`graphile-worker ${level}: ${message}\n`);
  });
}
