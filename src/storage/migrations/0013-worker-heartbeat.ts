import type { Kysely } from 'kysely';
import type { DialectName } from '../dialect-name.ts';

/**
 * One row per running job-worker pool on PostgreSQL (src/jobs/worker-heartbeat.ts): its id is
 * graphile-worker's pool id, the `locked_by` of every job and conversation queue it holds.
 * `last_seen_at` (epoch ms, the database's clock, so processes on machines whose clocks differ
 * agree) is renewed every few seconds; a row older than WORKER_HEARTBEAT_TIMEOUT_MS names a dead
 * process whose locks are released. Created on SQLite too, where it stays empty (one process).
 */
export function workerHeartbeatMigration(_dialect: DialectName) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('worker_heartbeats')
        .ifNotExists()
        .addColumn('worker_id', 'text', (c) => c.primaryKey())
        .addColumn('process', 'text', (c) => c.notNull()) // host and pid, for people reading the table
        .addColumn('started_at', 'bigint', (c) => c.notNull())
        .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
        .execute();
    },
  };
}
