import type { Executor } from '../storage/executor.ts';
import { PermanentFailure } from './job-errors.ts';
import type { JobInfo, JobQueue, TaskHandler } from './job-queue.ts';

type FieldType = 'string' | 'number';
type FieldsOf<S extends Record<string, FieldType>> = { [K in keyof S]: S[K] extends 'string' ? string : number };

/**
 * A kind of background job, declared once (jobs/job-catalog.ts): its name, the shape of its
 * payload, which serial queue it runs on, its idempotency key and how often the engine tries it.
 * Producers enqueue through enqueueJob, the composition root binds one handler to each; both job
 * engines (SQLite and graphile-worker) get the same table.
 */
export interface JobDefinition<P extends object> {
  readonly name: string;
  /** The payload's fields; a stored payload without them fails at once (retrying cannot fix it). */
  readonly fields: Record<keyof P & string, FieldType>;
  /** Optional fields (present in newer payloads). */
  readonly optional?: Partial<Record<string, FieldType>>;
  /**
   * none: runs whenever it is due. conversation: on the conversation's serial queue (one at a time,
   * in order with the conversation's messages). given: the producer names the queue.
   */
  readonly queue: 'none' | 'conversation' | 'given';
  /** The idempotency key for a payload (a second job with the same key is ignored); none: every enqueue is a job. */
  readonly key?: (payload: P, runAt: number | undefined) => string;
  /** Attempts before the engine gives up (a handler may still ask for a specific delay: RetryLater). */
  readonly maxAttempts: number;
}

export function defineJob<const S extends Record<string, FieldType>, O extends object = object>(
  d: Omit<JobDefinition<FieldsOf<S> & O>, 'fields'> & { fields: S },
): JobDefinition<FieldsOf<S> & O> {
  return Object.freeze(d) as unknown as JobDefinition<FieldsOf<S> & O>;
}

/** The payload as the job stored it, or undefined when it does not have the declared fields. */
export function parsePayload<P extends object>(job: JobDefinition<P>, raw: unknown): P | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const r = raw as Record<string, unknown>;
  for (const [field, type] of Object.entries(job.fields)) if (typeof r[field] !== type) return undefined;
  for (const [field, type] of Object.entries(job.optional ?? {})) if (r[field] !== undefined && typeof r[field] !== type) return undefined;
  return raw as P;
}

export interface EnqueueJobOptions {
  runAt?: number;
  /** queue 'conversation': the conversation whose serial queue it joins. */
  conversationId?: string;
  /** queue 'given': the queue. */
  queue?: string;
  /** Overrides the definition's key (a key that depends on more than the payload). */
  key?: string;
}

export async function enqueueJob<P extends object>(
  db: Executor,
  jobs: JobQueue,
  job: JobDefinition<P>,
  payload: P,
  opts: EnqueueJobOptions = {},
): Promise<void> {
  let queue: string | undefined;
  if (job.queue === 'conversation') {
    if (!opts.conversationId) throw new Error(`job ${job.name} runs on its conversation's queue: conversationId is required`);
    queue = `conv:${opts.conversationId}`;
  } else if (job.queue === 'given') {
    if (!opts.queue) throw new Error(`job ${job.name} needs its queue named`);
    queue = opts.queue;
  }
  const key = opts.key ?? job.key?.(payload, opts.runAt);
  await jobs.enqueue(db, job.name, payload, {
    ...(queue ? { queue } : {}),
    ...(key ? { key } : {}),
    ...(opts.runAt !== undefined ? { runAt: opts.runAt } : {}),
    maxAttempts: job.maxAttempts,
  });
}

/** A job kind with the function that runs it. */
export interface BoundJob {
  readonly job: JobDefinition<object>;
  readonly run: TaskHandler;
}

export function handle<P extends object>(job: JobDefinition<P>, run: (payload: P, info: JobInfo) => Promise<void>): BoundJob {
  return {
    job: job as unknown as JobDefinition<object>,
    run: async (raw, info) => {
      const payload = parsePayload(job, raw);
      if (!payload) throw new PermanentFailure(`job ${job.name}: the payload must have ${JSON.stringify(job.fields)}`);
      return run(payload, info);
    },
  };
}

/** The engines' handler table; every job of the catalog must be bound exactly once. */
export function taskHandlers(catalog: readonly JobDefinition<object>[], bound: readonly BoundJob[]): Record<string, TaskHandler> {
  const table: Record<string, TaskHandler> = {};
  for (const b of bound) {
    if (table[b.job.name]) throw new Error(`job ${b.job.name} has two handlers`);
    if (!catalog.includes(b.job)) throw new Error(`job ${b.job.name} is not in the job catalog`);
    table[b.job.name] = b.run;
  }
  const missing = catalog.filter((j) => !table[j.name]).map((j) => j.name);
  if (missing.length > 0) throw new Error(`jobs without a handler: ${missing.join(', ')}`);
  return table;
}
