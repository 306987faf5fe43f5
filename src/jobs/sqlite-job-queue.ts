import { onClockAdvance, type Clock } from '../core/clock.ts';
import { TurnGate } from '../core/turn-gate.ts';
import type { Storage } from '../storage/open-database.ts';
import { rawQuery, runRaw } from '../storage/raw-query.ts';
import { backoffMs } from './backoff.ts';
import { PermanentFailure, RetryLater } from './job-errors.ts';
import { runWithShortRetries } from './run-with-short-retries.ts';
import type { EnqueueOptions, Executor, JobQueue, TaskHandler } from './job-queue.ts';

interface Options {
  concurrency?: number;
  clock: Clock;
  pollMs?: number;
  /** Shared with the ingest loop, so all background work takes turns with the webhook acknowledgements. */
  gate?: TurnGate;
  logger?: { error(obj: object, msg: string): void; warn(obj: object, msg: string): void };
}

interface Job {
  id: number;
  task: string;
  payload: string;
  queue: string; // a job without a queue name runs in a queue of its own
  runAt: number;
  attempts: number;
  maxAttempts: number;
}

/** How long finished jobs wait to be deleted together (markDone). */
const DONE_FLUSH_MS = 50;

const INSERT_JOB =
  rawQuery(`insert into "jobs" ("task", "payload", "queue_name", "run_at", "attempts", "max_attempts", "job_key", "created_at")
  values (?, ?, ?, ?, 0, ?, ?, ?) on conflict ("job_key") do nothing`);
const LOAD_JOBS = rawQuery(
  `select "id", "task", "payload", "queue_name", "run_at", "attempts", "max_attempts" from "jobs" where "id" > ? and "failed_at" is null order by "id"`,
);
// One statement text whatever the count, so it stays prepared.
const DELETE_JOBS = rawQuery(`delete from "jobs" where "id" in (select "value" from json_each(?))`);

/**
 * The embedded engine. The `jobs` table is the durable record: a job is inserted in the caller's
 * transaction and deleted once done, so a crash leaves it to run again (handlers are idempotent).
 * Dispatch is in memory: one process owns a SQLite file, so after a commit the runner loads the
 * new rows (ids only grow: AUTOINCREMENT) instead of claiming each job with queries. A queue runs
 * one job at a time in run-at order, then id order, as graphile-worker does: a job added for later
 * (a message's reorder window) lets the jobs due before it go first. A job that has started, or
 * waits to retry, holds its queue, so nothing overtakes it.
 */
export class SqliteJobQueue implements JobQueue {
  private handlers: Record<string, TaskHandler> = {};
  private readonly queues = new Map<string, Job[]>();
  /** Queues whose head may run now and that run nothing: insertion order is oldest-ready first. */
  private readonly ready = new Set<string>();
  private readonly busy = new Set<string>();
  private readonly delayed = new Map<string, NodeJS.Timeout>();
  private maxSeenId = 0;
  private running = 0;
  private loading = false;
  private loadAgain = false;
  private wakeScheduled = false;
  /**
   * A job was enqueued in this process since the last load began reading. wake() is called after
   * many commits that enqueued nothing (a status, a send's accept): those cost no load query
   * (issue #16). One connection runs every statement in turn, so a load that began after an
   * enqueue reads after that transaction ended, and sees its job if it committed.
   */
  private enqueued = true;
  private doneIds: number[] = [];
  private flushScheduled = false;
  private flushing: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private unwatchClock: () => void = () => undefined;
  private stopped = true;
  private readonly concurrency: number;
  private readonly pollMs: number;
  private readonly gate: TurnGate;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly storage: Storage,
    private readonly opts: Options,
  ) {
    this.concurrency = opts.concurrency ?? 8;
    this.pollMs = opts.pollMs ?? 500;
    this.gate = opts.gate ?? new TurnGate();
  }

  async enqueue(db: Executor, task: string, payload: object, opts: EnqueueOptions = {}): Promise<void> {
    const now = this.opts.clock.now();
    this.enqueued = true;
    // Hot path (several per message): raw SQL skips Kysely's query building (and its executor: raw-query.ts).
    await runRaw(db, INSERT_JOB, [
      task,
      JSON.stringify(payload),
      opts.queue ?? null,
      opts.runAt ?? now,
      opts.maxAttempts ?? 25,
      opts.key ?? null,
      now,
    ]);
  }

  /** Coalesced: every enqueue committed in one event-loop turn costs one load query. */
  wake(): void {
    if (this.stopped || this.wakeScheduled || !this.enqueued) return;
    this.wakeScheduled = true;
    setImmediate(() => {
      this.wakeScheduled = false;
      void this.load();
    });
  }

  async start(handlers: Record<string, TaskHandler>): Promise<void> {
    this.handlers = handlers;
    this.stopped = false;
    // Locks written by earlier versions of this runner mean nothing after a restart.
    await this.storage.db.updateTable('jobs').set({ locked_at: null }).where('locked_at', 'is not', null).execute();
    // The poll only catches jobs enqueued without a wake() (another connection, a CLI).
    this.timer = setInterval(() => {
      this.recheckDelayed(); // a test's fake clock may have jumped past a retry time
      void this.load();
    }, this.pollMs);
    this.timer.unref();
    // A clock skipped ahead (the built-in simulator's shared clock) makes delayed jobs due at once;
    // their timers were armed in real time, so look again now rather than at the next poll.
    this.unwatchClock = onClockAdvance(this.opts.clock, () => {
      this.recheckDelayed();
      this.dispatch();
    });
    await this.load();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unwatchClock();
    if (this.timer) clearInterval(this.timer);
    for (const t of this.delayed.values()) clearTimeout(t);
    this.delayed.clear();
    const deadline = Date.now() + 10_000;
    while (this.running > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    await this.flush();
  }

  async backlogByTask(): Promise<Record<string, { ready: number; scheduled: number }>> {
    const now = this.opts.clock.now();
    const out: Record<string, { ready: number; scheduled: number }> = {};
    for (const [name, jobs] of this.queues) {
      jobs.forEach((j, i) => {
        if (i === 0 && this.busy.has(name)) return; // running now
        const c = (out[j.task] ??= { ready: 0, scheduled: 0 });
        if (j.runAt > now) c.scheduled++;
        else c.ready++;
      });
    }
    return out;
  }

  async backlog(): Promise<{ count: number; oldestAt: number | null }> {
    const now = this.opts.clock.now();
    let count = 0;
    let oldestAt: number | null = null;
    for (const [name, jobs] of this.queues) {
      if (this.busy.has(name)) continue;
      const head = jobs[0];
      if (!head || head.runAt > now) continue;
      for (const j of jobs) {
        if (j.runAt > now) continue;
        count++;
        if (oldestAt === null || j.runAt < oldestAt) oldestAt = j.runAt;
      }
    }
    return { count, oldestAt };
  }

  async idle(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await this.load();
      const { count } = await this.backlog();
      if (count === 0 && this.running === 0 && !this.wakeScheduled) {
        await this.flush();
        return;
      }
      if (Date.now() > deadline) throw new Error(`jobs still pending after ${timeoutMs} ms (${count} runnable, ${this.running} running)`);
      await new Promise<void>((r) => {
        this.idleWaiters.push(r);
        setTimeout(r, 20);
      });
    }
  }

  /** Reads jobs committed since the last load into the in-memory queues. */
  private async load(): Promise<void> {
    if (this.stopped) return;
    if (this.loading) {
      this.loadAgain = true;
      return;
    }
    this.loading = true;
    try {
      do {
        this.loadAgain = false;
        this.enqueued = false;
        const rows = await runRaw<{
          id: number;
          task: string;
          payload: string;
          queue_name: string | null;
          run_at: number;
          attempts: number;
          max_attempts: number;
        }>(this.storage.db, LOAD_JOBS, [this.maxSeenId]);
        for (const r of rows) {
          this.maxSeenId = Math.max(this.maxSeenId, r.id);
          const job: Job = {
            id: r.id,
            task: r.task,
            payload: r.payload,
            queue: r.queue_name ?? `#${r.id}`,
            runAt: r.run_at,
            attempts: r.attempts,
            maxAttempts: r.max_attempts,
          };
          let q = this.queues.get(job.queue);
          if (!q) this.queues.set(job.queue, (q = []));
          const at = placeInQueue(q, job, this.busy.has(job.queue));
          q.splice(at, 0, job);
          if (at === 0) {
            // A new head, perhaps due sooner than the one a timer waits for.
            const t = this.delayed.get(job.queue);
            if (t) clearTimeout(t);
            this.delayed.delete(job.queue);
            this.markReady(job.queue);
          }
        }
      } while (this.loadAgain && !this.stopped);
    } finally {
      this.loading = false;
    }
    this.dispatch();
  }

  /** The queue's head can run now, or later: then a timer brings it back. */
  private markReady(queue: string): void {
    const head = this.queues.get(queue)?.[0];
    if (!head || this.busy.has(queue)) return;
    const wait = head.runAt - this.opts.clock.now();
    if (wait <= 0) {
      this.ready.add(queue);
      return;
    }
    if (this.delayed.has(queue) || this.stopped) return;
    const t = setTimeout(() => {
      this.delayed.delete(queue);
      this.markReady(queue);
      this.dispatch();
    }, wait + 2);
    t.unref();
    this.delayed.set(queue, t);
  }

  private recheckDelayed(): void {
    const now = this.opts.clock.now();
    for (const [queue, t] of this.delayed) {
      const head = this.queues.get(queue)?.[0];
      if (head && head.runAt > now) continue;
      clearTimeout(t);
      this.delayed.delete(queue);
      this.markReady(queue);
    }
  }

  private dispatch(): void {
    while (!this.stopped && this.running < this.concurrency && this.ready.size > 0) {
      const queue = this.ready.values().next().value as string;
      this.ready.delete(queue);
      const job = this.queues.get(queue)?.[0];
      if (!job) continue;
      this.busy.add(queue);
      this.running++;
      void this.run(job);
    }
    if (this.running === 0) for (const w of this.idleWaiters.splice(0)) w();
  }

  private async run(job: Job): Promise<void> {
    // One job starts per turn of the event loop: pending requests (acknowledgements) go first.
    await this.gate.turn();
    const attempts = job.attempts + 1;
    let outcome: 'done' | 'retry' | 'failed' = 'done';
    try {
      const handler = this.handlers[job.task];
      if (!handler) throw new PermanentFailure(`no handler for task ${job.task}`);
      await runWithShortRetries(handler, JSON.parse(job.payload), { id: String(job.id), attempts });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const now = this.opts.clock.now();
      if (err instanceof PermanentFailure || attempts >= job.maxAttempts) {
        outcome = 'failed';
        this.opts.logger?.error({ job: job.id, task: job.task, err: message }, 'job failed permanently');
        await this.storage.db
          .updateTable('jobs')
          .set({ failed_at: now, attempts, last_error: message })
          .where('id', '=', job.id)
          .execute()
          .catch(() => undefined);
      } else {
        outcome = 'retry';
        const delay = err instanceof RetryLater && err.delayMs !== undefined ? err.delayMs : backoffMs(attempts);
        this.opts.logger?.warn({ job: job.id, task: job.task, err: message, retryInMs: delay }, 'job will retry');
        job.attempts = attempts;
        job.runAt = now + delay;
        await this.storage.db
          .updateTable('jobs')
          .set({ run_at: job.runAt, attempts, last_error: message })
          .where('id', '=', job.id)
          .execute()
          .catch(() => undefined);
      }
    } finally {
      if (outcome !== 'retry') {
        const q = this.queues.get(job.queue);
        q?.shift();
        if (q && q.length === 0) this.queues.delete(job.queue);
        if (outcome === 'done') this.markDone(job.id);
      }
      this.running--;
      this.busy.delete(job.queue);
      this.markReady(job.queue);
      this.dispatch();
    }
  }

  /**
   * Finished jobs are deleted in one statement per DONE_FLUSH_MS; a crash before it only reruns
   * them (handlers are idempotent). A window rather than one turn: at moderate load each turn
   * finishes one job, and each delete is a commit of its own (issue #16).
   */
  private markDone(id: number): void {
    this.doneIds.push(id);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setTimeout(() => {
      this.flushScheduled = false;
      void this.flush();
    }, DONE_FLUSH_MS).unref();
  }

  private flush(): Promise<void> {
    const ids = this.doneIds.splice(0);
    if (ids.length === 0) return this.flushing;
    this.flushing = this.flushing
      .then(() => runRaw(this.storage.db, DELETE_JOBS, [JSON.stringify(ids)]))
      .then(
        () => undefined,
        (err) =>
          this.opts.logger?.error(
            { err: String(err), jobs: ids.length },
            'could not delete finished jobs; they will run again after a restart',
          ),
      );
    return this.flushing;
  }
}

/** Where a job joins its queue: before the jobs not started yet that are due later than it, never before one that started. */
function placeInQueue(q: Job[], job: Job, headRunning: boolean): number {
  let i = q.length;
  while (i > 0) {
    const prev = q[i - 1]!;
    if (prev.attempts > 0 || prev.runAt <= job.runAt || (i === 1 && headRunning)) break;
    i--;
  }
  return i;
}
