import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../storage/database-types.ts';

/** Any constant: the advisory lock that makes one process at a time look for dead workers. */
const SWEEP_LOCK_KEY = 7_160_411_002;

/** The database's clock in epoch ms: every process compares heartbeats against the same clock. */
const DB_NOW_MS = sql<number>`(extract(epoch from clock_timestamp()) * 1000)::bigint`;

/** How often a live process renews its heartbeat and looks for dead ones: a third of the timeout. */
export function heartbeatIntervalMs(timeoutMs: number): number {
  return Math.max(100, Math.floor(timeoutMs / 3));
}

interface Logger {
  warn(obj: object, msg: string): void;
}

/**
 * Renews this worker pool's row in `worker_heartbeats`. Returns true when the row had to be
 * created: at the first beat, or after another process took this one for dead and removed it.
 */
export async function beat(db: Kysely<Database>, workerId: string, processName: string): Promise<boolean> {
  const r = await sql<{ inserted: boolean }>`
    insert into worker_heartbeats (worker_id, process, started_at, last_seen_at) values (${workerId}, ${processName}, ${DB_NOW_MS}, ${DB_NOW_MS})
    on conflict (worker_id) do update set last_seen_at = excluded.last_seen_at
    returning (xmax = 0) as inserted`.execute(db);
  return r.rows[0]?.inserted === true;
}

/**
 * Releases the jobs and conversation queues of every worker pool whose heartbeat is older than
 * `timeoutMs`, with graphile-worker's own unlock (`force_unlock_workers`, what WorkerUtils'
 * forceUnlockWorkers calls): a released job runs again (its attempt was counted when it was
 * taken), a released queue's next job can start. Also released: locks older than the timeout
 * held by a pool that has no heartbeat row at all (a process that died before its first beat,
 * or one from before heartbeats). One process at a time does it (advisory lock); the others skip.
 * Returns the released pool ids.
 */
export async function releaseDeadWorkers(db: Kysely<Database>, timeoutMs: number): Promise<string[]> {
  const released = await db.transaction().execute(async (trx) => {
    const lock = await sql<{ ok: boolean }>`select pg_try_advisory_xact_lock(${SWEEP_LOCK_KEY}) as ok`.execute(trx);
    if (!lock.rows[0]?.ok) return [];
    const dead = await sql<{ worker_id: string }>`
      delete from worker_heartbeats where last_seen_at < ${DB_NOW_MS} - ${timeoutMs}::bigint returning worker_id`.execute(trx);
    const orphans = await sql<{ worker_id: string }>`
      select locked_by as worker_id from graphile_worker._private_jobs j
        where locked_by is not null and locked_at < clock_timestamp() - ${timeoutMs}::double precision * interval '1 millisecond'
        and not exists (select 1 from worker_heartbeats h where h.worker_id = j.locked_by)
      union
      select locked_by as worker_id from graphile_worker._private_job_queues q
        where locked_by is not null and locked_at < clock_timestamp() - ${timeoutMs}::double precision * interval '1 millisecond'
        and not exists (select 1 from worker_heartbeats h where h.worker_id = q.locked_by)`.execute(trx);
    const ids = [...new Set([...dead.rows, ...orphans.rows].map((r) => r.worker_id))];
    if (ids.length > 0) await sql`select graphile_worker.force_unlock_workers(${ids}::text[])`.execute(trx);
    return ids;
  });
  // The released jobs are due now: wake the workers rather than wait for their poll.
  if (released.length > 0) await sql`select pg_notify('jobs:insert', '{"count":1}')`.execute(db);
  return released;
}

/**
 * Unlocks the conversation queues held longer than `timeoutMs` by a pool that holds none of their
 * jobs, and returns their names. graphile-worker locks a queue only while one of its jobs runs,
 * and takes and frees both in one statement, so such a lock is left over. It happens when a live
 * process is taken for dead (its heartbeat late under load: the sweep above releases its jobs):
 * another pool takes the released job and locks the queue, then the first process finishes the
 * job, and graphile-worker deletes the job whoever holds it but unlocks the queue only for its own
 * lock. The new holder's completion then finds no job and never unlocks the queue: that
 * conversation's replies stopped for good (issue #16, seen in multi-process-crash under load).
 */
export async function releaseStaleQueues(db: Kysely<Database>, timeoutMs: number): Promise<string[]> {
  const r = await sql<{ queue_name: string }>`
    update graphile_worker._private_job_queues q set locked_by = null, locked_at = null
      where q.locked_by is not null and q.locked_at < clock_timestamp() - ${timeoutMs}::double precision * interval '1 millisecond'
      and not exists (select 1 from graphile_worker._private_jobs j where j.job_queue_id = q.id and j.locked_by = q.locked_by)
      returning q.queue_name`.execute(db);
  const names = r.rows.map((row) => row.queue_name);
  if (names.length > 0) await sql`select pg_notify('jobs:insert', '{"count":1}')`.execute(db);
  return names;
}

/**
 * A live job-worker pool's heartbeat on PostgreSQL, and the sweep for dead ones.
 *
 * graphile-worker frees the locks of a worker that died only after 4 hours; until then its jobs
 * (a reply being sent) and its conversations' serial queues stay taken. Here every processing
 * process renews its pool's row every `heartbeatIntervalMs(timeoutMs)` and, on the same tick,
 * releases what pools silent for `timeoutMs` hold, so a SIGKILLed process's work resumes on the
 * others within the timeout plus one interval.
 *
 * Deliberately outside: a process that is alive but stalls (event loop blocked, database out of
 * reach) for longer than the timeout is taken for dead too, and its jobs may then run twice —
 * the timeout must exceed the longest stall you accept. A process only sweeps once its own
 * beats have gone through without a gap for a whole timeout, so after a database outage (every
 * row old at once) nobody is released before the live processes have beaten again.
 */
export class WorkerHeartbeat {
  private timer: NodeJS.Timeout | undefined;
  private tick: Promise<void> | undefined;
  private lastOkAt: number | undefined;
  private healthySince: number | undefined;
  private readonly intervalMs: number;
  private readonly processName = `${hostname()} pid ${process.pid}`;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly opts: {
      workerId: string;
      timeoutMs: number;
      logger?: Logger;
      /** Monotonic milliseconds, for this process's own beat gaps (never compared across processes). */
      monotonicNow?: () => number;
      /** Called with the pool ids a sweep released (tests, logs). */
      onReleased?: (workerIds: string[]) => void;
    },
  ) {
    this.intervalMs = heartbeatIntervalMs(opts.timeoutMs);
  }

  /** Writes the first beat, then beats and sweeps on a timer until stop(). */
  async start(): Promise<void> {
    await this.beatAndSweep(true);
    this.timer = setInterval(() => void this.beatAndSweep(false), this.intervalMs);
    this.timer.unref();
  }

  /** One tick (the timer's; tests call it with their own monotonic clock). */
  beatAndSweep(first = false): Promise<void> {
    // One tick at a time: a slow database must not pile them up.
    this.tick ??= this.once(first).finally(() => (this.tick = undefined));
    return this.tick;
  }

  private async once(first: boolean): Promise<void> {
    const now = this.opts.monotonicNow ?? (() => performance.now());
    try {
      const created = await beat(this.db, this.opts.workerId, this.processName);
      const at = now();
      // A gap of more than two intervals (a stall, the database out of reach) starts the count again.
      if (this.lastOkAt === undefined || at - this.lastOkAt > 2 * this.intervalMs) this.healthySince = at;
      this.lastOkAt = at;
      if (created && !first)
        this.opts.logger?.warn(
          { worker: this.opts.workerId },
          'this process was taken for dead (no heartbeat within WORKER_HEARTBEAT_TIMEOUT_MS); its jobs were released to the others',
        );
    } catch (err) {
      this.healthySince = undefined;
      this.opts.logger?.warn({ err: String(err), worker: this.opts.workerId }, 'worker heartbeat failed');
      return;
    }
    if (this.healthySince === undefined || now() - this.healthySince < this.opts.timeoutMs) return;
    try {
      const released = await releaseDeadWorkers(this.db, this.opts.timeoutMs);
      if (released.length > 0) {
        this.opts.logger?.warn({ workers: released }, 'released the jobs and conversation queues of workers whose heartbeat expired');
        this.opts.onReleased?.(released);
      }
      const queues = await releaseStaleQueues(this.db, this.opts.timeoutMs);
      if (queues.length > 0) this.opts.logger?.warn({ queues }, 'unlocked conversation queues left locked with none of their jobs running');
    } catch (err) {
      this.opts.logger?.warn({ err: String(err) }, 'could not release the jobs of dead workers');
    }
  }

  /** Stops beating and removes the row: call after the pool has stopped and given its jobs back. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.tick?.catch(() => undefined);
    // A graceful stop (SIGTERM) can still leave a job and its conversation queue locked by this
    // pool — one taken just as its workers were told to stop. The pool has stopped, so nothing of
    // ours runs: give them back now rather than make the next process wait out the timeout.
    await sql`select graphile_worker.force_unlock_workers(${[this.opts.workerId]}::text[])`.execute(this.db).catch((err: unknown) => {
      this.opts.logger?.warn({ err: String(err) }, 'could not give back the jobs this worker pool still held');
    });
    await sql`delete from worker_heartbeats where worker_id = ${this.opts.workerId}`.execute(this.db).catch((err: unknown) => {
      this.opts.logger?.warn({ err: String(err) }, 'could not remove the worker heartbeat');
    });
  }
}
