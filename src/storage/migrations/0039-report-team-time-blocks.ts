import { type Kysely, sql } from 'kysely';
import type { DialectName } from '../dialect-name.ts';

/**
 * Report speed, response times by team, number or overall (#19, docs/reports.md "Performance").
 *
 * `report_team_time_blocks`: `report_time_blocks` (0037) without the agent: per 6-hour and UTC-day
 * block, metric, business, number and team, the times summed over every agent, the histogram's
 * bucket counts in one text column ("bucket:count,..." by bucket, as 0037). Reports not per
 * agent read it instead of every agent's rows (about 20 times fewer rows on a 20-agent team). The
 * fold keeps it beside the others in one transaction; the backfill sums what `report_times`
 * already holds, encoding the counts in SQL (both databases have string_agg with ORDER BY).
 *
 * `report_times_day` (0035) is dropped: since 0037 no report read it (only a benchmark did).
 */
// As src/reports/time-blocks.ts (BLOCK_SPANS); a migration stays as shipped.
const BLOCK_SPANS = [24, 6];

export function reportTeamTimeBlocksMigration(dialect: DialectName) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      const pg = dialect === 'postgres';
      const big = pg ? 'bigint' : 'integer';
      // Hold the fold's lock (FOLD_LOCK_KEY) so no fold adds to report_times between the backfill's read and the commit.
      if (pg) await sql`select pg_advisory_xact_lock(7160411029)`.execute(db);
      await sql
        .raw(`create table report_team_time_blocks (span integer not null, start ${big} not null, metric text not null,
          business integer not null, channel_id text not null, team_id text not null,
          n ${big} not null, total_ms ${big} not null, counts text not null,
          primary key (span, start, metric, business, channel_id, team_id))${pg ? '' : ' without rowid'}`)
        .execute(db);
      for (const span of BLOCK_SPANS) {
        const ms = sql.raw(String(span * 3_600_000));
        await sql`insert into report_team_time_blocks (span, start, metric, business, channel_id, team_id, n, total_ms, counts)
          select ${sql.raw(String(span))}, start, metric, business, channel_id, team_id, sum(n), sum(total_ms),
            string_agg(bucket || ':' || n, ',' order by bucket)
          from (select (hour / ${ms}) * ${ms} as start, metric, business, channel_id, team_id, bucket, sum(n) as n,
              sum(total_ms) as total_ms
            from report_times group by 1, 2, 3, 4, 5, 6 having sum(n) <> 0) per_bucket
          group by 2, 3, 4, 5, 6`.execute(db);
      }
      await sql`drop table if exists report_times_day`.execute(db);
    },
  };
}
