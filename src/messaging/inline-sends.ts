/**
 * Replies a job sends itself once its transaction commits, instead of adding a `message.send` job
 * each (issue #16: a job row inserted, fetched and deleted for every reply; on PostgreSQL about
 * five round trips a reply, docs/benchmarks.md step 29). Only a job may take its transaction's sends: its own job row stays until it
 * returns, so a crash before the send leaves the job to run again, and a rerun sends what an
 * earlier run queued and left unsent (`message.process`: src/messaging/process-inbound.ts).
 */
const takers = new WeakMap<object, string[]>();

/** From now on, replies queued in transaction `trx` are the caller's to send after its commit: their ids, in queue order. */
export function takeSends(trx: object): string[] {
  const ids: string[] = [];
  takers.set(trx, ids);
  return ids;
}

/** True when a job took `db`'s sends (takeSends): `messageId` is then its to send, not a job's. */
export function handToTaker(db: object, messageId: string): boolean {
  const ids = takers.get(db);
  if (!ids) return false;
  ids.push(messageId);
  return true;
}
