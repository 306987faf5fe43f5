import { sql } from 'kysely';
import { PeriodicTask } from '../core/periodic-task.ts';
import { dialectOf } from './dialect.ts';
import type { Executor } from './executor.ts';
import { sqliteConversationSearchDoc } from './migrations/0024-hot-path-writes.ts';

// Rows per transaction: a catch-up after a burst stays a series of short transactions.
const BATCH = 500;

/**
 * SQLite: brings the inbox's FTS5 search index (conversation_search) up to date with every
 * conversation changed since the last pass. Every change to a conversation moves its sync_seq
 * past all others (0018-sync-change-seq, kept in conversation_sync since 0043), so "changed since"
 * is one range of the conversation_sync_order index,
 * and a conversation changed several times between two passes is indexed once. Writers no longer
 * rewrite the index in a trigger on every message (0024-hot-path-writes). Called in the
 * background every second (SearchIndexer, started by openStorage) and by each search before it reads the index, so a
 * search sees every conversation committed before it. A no-op on PostgreSQL (its search_doc is
 * written with the row). Returns how many conversations it indexed.
 */
export async function refreshSearchIndex(db: Executor): Promise<number> {
  if (dialectOf(db).textSearch !== 'fts5') return 0;
  let total = 0;
  for (;;) {
    const n = db.isTransaction ? await refreshBatch(db) : await db.transaction().execute(refreshBatch);
    total += n;
    if (n < BATCH) return total;
  }
}

async function refreshBatch(trx: Executor): Promise<number> {
  const state = await sql<{ indexed_seq: number }>`select indexed_seq from search_index_state where id = 1`.execute(trx);
  const from = Number(state.rows[0]?.indexed_seq ?? 0);
  const changed = await sql<{ rowid: number; sync_seq: number }>`
    select c.rowid, s.sync_seq from conversation_sync s join conversations c on c.id = s.conversation_id
    where s.sync_seq > ${from} order by s.sync_seq limit ${BATCH}`.execute(trx);
  if (changed.rows.length === 0) return 0;
  const ids = JSON.stringify(changed.rows.map((r) => r.rowid));
  await sql`delete from conversation_search where rowid in (select value from json_each(${ids}))`.execute(trx);
  await sql`insert into conversation_search (rowid, doc)
    select c.rowid, ${sql.raw(sqliteConversationSearchDoc('c'))} from conversations c where c.rowid in (select value from json_each(${ids}))`.execute(
    trx,
  );
  const to = changed.rows[changed.rows.length - 1]?.sync_seq ?? from;
  await sql`update search_index_state set indexed_seq = ${to} where id = 1`.execute(trx);
  return changed.rows.length;
}

/** Keeps the SQLite search index at most about a second behind the conversations, off the message path. */
export class SearchIndexer {
  private readonly task: PeriodicTask;

  constructor(db: Executor, onError: (err: unknown) => void, intervalMs = 1_000) {
    this.task = new PeriodicTask(() => refreshSearchIndex(db), intervalMs, onError);
  }

  start(): void {
    this.task.start();
  }

  stop(): Promise<void> {
    return this.task.stop();
  }
}
