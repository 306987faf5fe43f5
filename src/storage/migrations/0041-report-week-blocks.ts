import { type Kysely, sql } from 'kysely';
import type { DialectName } from '../dialect-name.ts';

/**
 * Week-long blocks of response times (#19, docs/reports.md "Performance"): 168-hour blocks (aligned
 * on the Unix epoch, as the 6-hour and day blocks are) beside them in `report_time_blocks` (0037)
 * and `report_team_time_blocks` (0039). A 90-day report per agent read about 90 day blocks per
 * agent and metric and parsed each one's counts here (293 ms p99 at 10,000,000 messages on
 * PostgreSQL); with weeks it reads about 13 weeks and the days at the range's edges. The fold writes
 * them with the others; this backfill sums what `report_times` already holds, as 0039 does.
 */
const WEEK = 168;

export function reportWeekBlocksMigration(dialect: DialectName) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      // Hold the fold's lock (FOLD_LOCK_KEY) so no fold adds to report_times between the backfill's read and the commit.
      if (dialect === 'postgres') await sql`select pg_advisory_xact_lock(7160411029)`.execute(db);
      const ms = sql.raw(String(WEEK * 3_600_000));
      for (const [table, keys] of [
        ['report_time_blocks', 'metric, business, channel_id, team_id, agent_id'],
        ['report_team_time_blocks', 'metric, business, channel_id, team_id'],
      ] as const) {
        const k = sql.raw(keys);
        await sql`insert into ${sql.table(table)} (span, start, ${k}, n, total_ms, counts)
          select ${sql.raw(String(WEEK))}, start, ${k}, sum(n), sum(total_ms), string_agg(bucket || ':' || n, ',' order by bucket)
          from (select (hour / ${ms}) * ${ms} as start, ${k}, bucket, sum(n) as n, sum(total_ms) as total_ms
            from report_times group by (hour / ${ms}) * ${ms}, ${k}, bucket having sum(n) <> 0) per_bucket
          group by start, ${k}`.execute(db);
      }
    },
  };
}
