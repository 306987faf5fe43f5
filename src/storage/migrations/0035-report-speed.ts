import { type Kysely, sql } from 'kysely';
import type { DialectName } from '../dialect-name.ts';

/**
 * Report speed (#19, docs/reports.md "Performance").
 *
 * `report_times_day`: the response and resolution times per UTC day, without the agent: what a
 * report grouped by team, number or none reads for the whole UTC days of its periods (the hours at
 * a period's edges still come from `report_times`). `report_times` holds up to one row per hour,
 * agent and histogram bucket, so a 90-day team report read hundreds of thousands of rows; this one
 * has at most one per day, team, number and bucket. The fold adds to both in one transaction;
 * the backfill sums what `report_times` already holds.
 *
 * `conversations_open_assignee`: the agents report's current load (open conversations per
 * assignee) counts from this partial index alone instead of scanning every conversation.
 */
export function reportSpeedMigration(dialect: DialectName) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      const pg = dialect === 'postgres';
      const big = pg ? 'bigint' : 'integer';
      // Hold the fold's lock (FOLD_LOCK_KEY) so no fold adds to report_times between the backfill's read and the commit.
      if (pg) await sql`select pg_advisory_xact_lock(7160411029)`.execute(db);
      await sql
        .raw(`create table report_times_day (day ${big} not null, metric text not null, business integer not null,
          channel_id text not null, team_id text not null, bucket integer not null, n ${big} not null, total_ms ${big} not null,
          primary key (day, metric, business, channel_id, team_id, bucket))`)
        .execute(db);
      await sql`insert into report_times_day (day, metric, business, channel_id, team_id, bucket, n, total_ms)
        select (hour / 86400000) * 86400000, metric, business, channel_id, team_id, bucket, sum(n), sum(total_ms)
        from report_times group by 1, 2, 3, 4, 5, 6`.execute(db);
      await sql`create index conversations_open_assignee on conversations (assignee_id) where status <> 'closed' and assignee_id is not null`.execute(
        db,
      );
    },
  };
}
