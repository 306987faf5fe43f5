import { EventEmitter } from 'node:events';
import { dialectOf } from '../storage/dialect.ts';
import type { Executor, JobQueue } from '../jobs/job-queue.ts';
import { rawQuery, runRaw } from '../storage/raw-query.ts';
import { encodeInboxEvent, type InboxEvent } from './inbox-event.ts';
import { INSERT_STREAM_EVENT_SQL, recordStreamEvent, streamEventValues } from './stream-event-store.ts';

export const INBOX_CHANNEL = 'switchboard_inbox';

/**
 * Where a process hears inbox events, from itself and (PostgreSQL) from every other process.
 * Deliberately outside the contract: replay and delivery guarantees. A listener that was not
 * connected misses events; the stream reads them from the replay log (stream_events), which
 * publishInbox writes in the same transaction, and takes the bus as a wake-up.
 */
export interface RealtimeBus {
  /** Resolves once events will reach `fn`; returns the unsubscribe function. */
  subscribe(fn: (e: InboxEvent) => void): Promise<() => void>;
  close(): Promise<void>;
}

const NOTIFY = rawQuery(`select pg_notify(?, ?)`);
// The replay log's row and the NOTIFY in one round trip (a data-modifying CTE runs whether or not
// it is read): six statements a message fewer on PostgreSQL (issue #16).
const RECORD_AND_NOTIFY = rawQuery(`with recorded as (${INSERT_STREAM_EVENT_SQL}) select pg_notify(?, ?)`);

// One emitter per embedded deployment, keyed by its job queue: publish sites deep in the pipeline
// get (db, jobs), and two test worlds in one process must not hear each other.
const localEmitters = new WeakMap<JobQueue, EventEmitter>();

export function localEmitterFor(jobs: JobQueue): EventEmitter {
  let e = localEmitters.get(jobs);
  if (!e) {
    e = new EventEmitter();
    e.setMaxListeners(0);
    localEmitters.set(jobs, e);
  }
  return e;
}

/**
 * Publishes an inbox event through `db`. On PostgreSQL it is a NOTIFY in the caller's
 * transaction: delivered to every process only if and when that transaction commits. On SQLite
 * it is emitted at once; receivers read through the same single connection, so their reads wait
 * for the transaction and see its outcome (an event of a rolled-back change finds nothing).
 */
export async function publishInbox(db: Executor, jobs: JobQueue, e: InboxEvent): Promise<void> {
  // Typing is momentary: streamed, never replayed. Retention is wall time, so Date.now(), not the injected clock.
  const replayed = e.type !== 'typing';
  if (dialectOf(db).multiProcess) {
    if (replayed) await runRaw(db, RECORD_AND_NOTIFY, [...streamEventValues(e, Date.now()), INBOX_CHANNEL, encodeInboxEvent(e)]);
    else await runRaw(db, NOTIFY, [INBOX_CHANNEL, encodeInboxEvent(e)]);
    return;
  }
  if (replayed) await recordStreamEvent(db, e, Date.now());
  localEmitterFor(jobs).emit('event', e);
}

/** The embedded bus: an in-process emitter. */
export class LocalRealtimeBus implements RealtimeBus {
  constructor(private readonly emitter: EventEmitter) {}

  async subscribe(fn: (e: InboxEvent) => void): Promise<() => void> {
    this.emitter.on('event', fn);
    return () => this.emitter.off('event', fn);
  }

  async close(): Promise<void> {
    this.emitter.removeAllListeners('event');
  }
}
