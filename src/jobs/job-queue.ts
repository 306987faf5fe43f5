import type { Executor } from '../storage/executor.ts';

export type { Executor } from '../storage/executor.ts';

export interface EnqueueOptions {
  /**
   * Jobs sharing a queue run one at a time, in run-at order, then enqueue order (per-conversation
   * ordering): a job added for later does not hold back the jobs due before it.
   */
  queue?: string;
  runAt?: number; // epoch ms
  /** A job key makes enqueue idempotent: a second job with the same key is ignored. */
  key?: string;
  maxAttempts?: number;
}

export interface JobInfo {
  id: string;
  attempts: number; // including this one
}

export type TaskHandler = (payload: unknown, job: JobInfo) => Promise<void>;

/**
 * The job engine boundary. Two engines: an embedded runner over the SQLite jobs table, and
 * graphile-worker for PostgreSQL. Deliberately outside the contract: priorities, cron, and
 * ordering across *different* queues.
 */
export interface JobQueue {
  /** Adds a job inside the caller's transaction (transactional outbox). Call wake() after commit. */
  enqueue(db: Executor, task: string, payload: object, opts?: EnqueueOptions): Promise<void>;
  /** Tells the local runner new work is committed; cheap, safe to call often. */
  wake(): void;
  start(handlers: Record<string, TaskHandler>): Promise<void>;
  stop(): Promise<void>;
  /** Jobs waiting to run and the age of the oldest, for /health/ready. */
  backlog(): Promise<{ count: number; oldestAt: number | null }>;
  /** Jobs not done yet by task name: due and waiting for a worker (ready), or due later (scheduled). For /metrics. */
  backlogByTask(): Promise<Record<string, { ready: number; scheduled: number }>>;
  /** Waits until no job is runnable now (tests and the benchmark). */
  idle(timeoutMs?: number): Promise<void>;
}
