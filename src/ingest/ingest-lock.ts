// Any constant: the PostgreSQL advisory lock that makes one process at a time turn events into
// messages (the ingest loop's batches, and the webhook route's inline processing), so a
// conversation's messages enter its serial job queue in the order they were received.
export const INGEST_LOCK = 727_001;

/**
 * The transactions of one process that take the ingest lock, one at a time: the acknowledgement's
 * two commit windows (customer messages, status callbacks) and the ingest loop's batches. Without
 * it a process competed with itself for the lock (issue #16, PostgreSQL): a flush that lost stored
 * its events pending, and from then on every later event went pending too (order: nothing may
 * overtake a pending event) until the loop caught up, which at 100 msg/s it never did. Waiting
 * here costs an acknowledgement one short transaction; the lock itself still decides between
 * processes (`pg_try_advisory_xact_lock`: another process holding it never blocks a 200).
 */
export class IngestTurns {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn, fn);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
