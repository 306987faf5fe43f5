import type { Clock } from '../core/clock.ts';
import type { Storage } from '../storage/open-database.ts';
import { backoffMs } from './backoff.ts';
import { PermanentFailure, RetryLater } from './job-errors.ts';
import { runWithShortRetries } from './run-with-short-retries.ts';
import type { EnqueueOptions, Executor, JobQueue, TaskHandler } from './job-queue.ts';

interface Options {
  concurrency?: number;
  clock: Clock;
  pollMs?: number;
  logger?: { error(obj: object, msg: string): void; warn(obj: object, msg: string): void };
}

/**
 * The embedded engine: a runner in this process over the `jobs` table. The database owns the
 * state (a crash leaves jobs to run again); memory only tracks what this process is running now.
 * One process per SQLite file, so locks left by a dead process are released at start.
 */
export class SqliteJobQueue implements JobQueue {
  private handlers: Record<string, TaskHandler> = {};
  private running = 0;
  private readonly busyQueues = new Set<string>();
  private readonly inFlight = new Set<number>();
  private timer: NodeJS.Timeout | undefined;
  private pumping = false;
  private wakeScheduled = false;
  private again = false;
  private stopped = true;
  private readonly concurrency: number;
  private readonly pollMs: number;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly storage: Storage,
    private readonly opts: Options,
  ) {
    this.concurrency = opts.concurrency ?? 8;
    this.pollMs = opts.pollMs ?? 500;
  }

  async enqueue(db: Executor, task: string, payload: object, opts: EnqueueOptions = {}): Promise<void> {
    const now = this.opts.clock.now();
    await db
      .insertInto('jobs')
      .values({
        task,
        payload: JSON.stringify(payload),
        queue_name: opts.queue ?? null,
        run_at: opts.runAt ?? now,
        attempts: 0,
        max_attempts: opts.maxAttempts ?? 25,
        locked_at: null,
        failed_at: null,
        last_error: null,
        job_key: opts.key ?? null,
        created_at: now,
      })
      .onConflict((oc) => oc.column('job_key').doNothing())
      .execute();
  }

  /** Coalesced: many enqueues and completions in one event-loop turn cost one claim query. */
  wake(): void {
    if (this.stopped || this.wakeScheduled) return;
    this.wakeScheduled = true;
    setImmediate(() => {
      this.wakeScheduled = false;
      void this.pump();
    });
  }

  async start(handlers: Record<string, TaskHandler>): Promise<void> {
    this.handlers = handlers;
    this.stopped = false;
    await this.storage.db.updateTable('jobs').set({ locked_at: null }).where('locked_at', 'is not', null).execute();
    this.timer = setInterval(() => void this.pump(), this.pollMs);
    this.timer.unref();
    void this.pump();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    const deadline = Date.now() + 10_000;
    while (this.running > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  }

  async backlog(): Promise<{ count: number; oldestAt: number | null }> {
    const row = await this.storage.db
      .selectFrom('jobs')
      .select((eb) => [eb.fn.countAll<number>().as('count'), eb.fn.min('run_at').as('oldest')])
      .where('failed_at', 'is', null)
      .where('run_at', '<=', this.opts.clock.now())
      .executeTakeFirst();
    return { count: Number(row?.count ?? 0), oldestAt: row?.oldest == null ? null : Number(row.oldest) };
  }

  async idle(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { count } = await this.backlog();
      if (count === 0 && this.running === 0) return;
      if (Date.now() > deadline) throw new Error(`jobs still pending after ${timeoutMs} ms (${count} runnable, ${this.running} running)`);
      await new Promise<void>((r) => {
        this.idleWaiters.push(r);
        setTimeout(r, 20);
      });
    }
  }

  /** Claims runnable jobs: the head of each free queue, plus unqueued jobs, oldest first. */
  private async pump(): Promise<void> {
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.again = false;
        const free = this.concurrency - this.running;
        if (free <= 0 || this.stopped) break;
        const now = this.opts.clock.now();
        const rows = await this.storage.db
          .selectFrom('jobs as j')
          .selectAll()
          .where('j.locked_at', 'is', null)
          .where('j.failed_at', 'is', null)
          .where('j.run_at', '<=', now)
          .where((eb) =>
            eb.or([
              eb('j.queue_name', 'is', null),
              eb(
                'j.id',
                '=',
                eb
                  .selectFrom('jobs as h')
                  .select((e) => e.fn.min('h.id').as('m'))
                  .whereRef('h.queue_name', '=', 'j.queue_name')
                  .where('h.failed_at', 'is', null),
              ),
            ]),
          )
          .orderBy('j.id')
          .limit(free + this.inFlight.size + 16)
          .execute();
        let claimed = 0;
        for (const row of rows) {
          if (claimed >= free) break;
          if (this.inFlight.has(row.id)) continue;
          if (row.queue_name && this.busyQueues.has(row.queue_name)) continue;
          claimed++;
          this.inFlight.add(row.id);
          if (row.queue_name) this.busyQueues.add(row.queue_name);
          this.running++;
          void this.runJob(row);
        }
        if (claimed > 0 && rows.length >= free) this.again = true;
      } while (this.again && !this.stopped);
    } finally {
      this.pumping = false;
    }
    if (this.running === 0) for (const w of this.idleWaiters.splice(0)) w();
  }

  private async runJob(row: { id: number; task: string; payload: string; queue_name: string | null; attempts: number; max_attempts: number }): Promise<void> {
    const db = this.storage.db;
    const attempts = row.attempts + 1;
    try {
      await db.updateTable('jobs').set({ locked_at: this.opts.clock.now(), attempts }).where('id', '=', row.id).execute();
      const handler = this.handlers[row.task];
      if (!handler) throw new PermanentFailure(`no handler for task ${row.task}`);
      await runWithShortRetries(handler, JSON.parse(row.payload), { id: String(row.id), attempts });
      await db.deleteFrom('jobs').where('id', '=', row.id).execute();
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const now = this.opts.clock.now();
      const permanent = err instanceof PermanentFailure || attempts >= row.max_attempts;
      if (permanent) {
        this.opts.logger?.error({ job: row.id, task: row.task, err: message }, 'job failed permanently');
        await db.updateTable('jobs').set({ locked_at: null, failed_at: now, last_error: message }).where('id', '=', row.id).execute();
      } else {
        const delay = err instanceof RetryLater && err.delayMs !== undefined ? err.delayMs : backoffMs(attempts);
        this.opts.logger?.warn({ job: row.id, task: row.task, err: message, retryInMs: delay }, 'job will retry');
        await db
          .updateTable('jobs')
          .set({ locked_at: null, run_at: now + delay, last_error: message })
          .where('id', '=', row.id)
          .execute()
          .catch(() => undefined);
        setTimeout(() => this.wake(), delay + 5).unref();
      }
    } finally {
      this.running--;
      this.inFlight.delete(row.id);
      if (row.queue_name) this.busyQueues.delete(row.queue_name);
      this.wake();
    }
  }
}
