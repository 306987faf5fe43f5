import { type Kysely, sql } from 'kysely';
import type { DialectName } from '../dialect-name.ts';

/**
 * Fewer index pages written per message (issue #16). `bench/sql-counters.ts` with BENCH_WAL_PAGES
 * counts the WAL frames each b-tree takes per message; a new customer's message and its reply
 * wrote, among others, about 2.9 frames of `conversations_team_activity`, 1 of
 * `conversations_linked_record` and 2.8 of `stream_events_key`:
 * - a conversation without a team, or without a linked record, gets no entry in those two indexes
 *   any more (partial indexes). Every query that uses them names a team (`team_id = ?`) or a record
 *   type, which the planner knows excludes nulls, so they still use them; no query looks up the
 *   conversations without a team through that index (routing has its own, 0005's
 *   `conversations_awaiting_human`);
 * - SQLite: `stream_events` needs no (xid, seq) index, because there xid is always 0 (one writer,
 *   commits in write order): its key order is `seq`, the rowid (stream-event-store.ts);
 * - SQLite: `jobs_run_at` and `jobs_queue` (0001) served no query: the embedded job queue reads new
 *   jobs by id and orders them in memory (sqlite-job-queue.ts), and each job wrote and deleted an
 *   entry in both (about 2.2 frames a message each). PostgreSQL's jobs are graphile-worker's;
 * - SQLite: a new conversation's insert may set its `sync_seq` itself (conversation-store.ts); the
 *   AFTER INSERT trigger (0018) bumps only a row inserted without one, so the row is not written
 *   twice and its `conversations_sync` entry is not first put at 0, on the index's first page.
 */
export function hotPathIndexesMigration(dialect: DialectName) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await sql`drop index if exists conversations_team_activity`.execute(db);
      await sql`create index conversations_team_activity on conversations (team_id, last_message_at desc, id desc) where team_id is not null`.execute(
        db,
      );
      await sql`drop index if exists conversations_linked_record`.execute(db);
      await sql`create index conversations_linked_record on conversations (linked_record_type, linked_record_id) where linked_record_type is not null`.execute(
        db,
      );
      if (dialect === 'sqlite') {
        await sql`drop index if exists stream_events_key`.execute(db);
        await sql`drop index if exists jobs_run_at`.execute(db);
        await sql`drop index if exists jobs_queue`.execute(db);
        await sql`drop trigger if exists conversations_sync_insert`.execute(db);
        await sql`create trigger conversations_sync_insert after insert on conversations when new.sync_seq = 0 begin update conversations set sync_seq = (select max(sync_seq) from conversations) + 1 where id = new.id; end`.execute(
          db,
        );
      }
    },
  };
}
