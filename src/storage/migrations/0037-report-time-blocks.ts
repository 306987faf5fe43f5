import { type Kysely, sql } from 'kysely';
import type { DialectName } from '../dialect-name.ts';

/**
 * Report speed, response times (#19, docs/reports.md "Performance"): `report_time_blocks` holds
 * `report_times` per 6-hour and per UTC-day block (`span` 6 or 24 hours, `start` the block's first
 * hour), one row per block, metric, business, number, team and agent, with the histogram's bucket
 * counts in one text column ("bucket:count,...") instead of a row per bucket. The fold keeps it
 * beside `report_times`; the backfill sums what `report_times` already holds. On SQLite the table
 * is kept in primary-key order (WITHOUT ROWID), so a report's blocks are read in place, not each
 * through an index and then a lookup.
 */
// As src/reports/time-blocks.ts (BLOCK_SPANS, encodeCounts); a migration stays as shipped.
const BLOCK_SPANS = [24, 6];
const encodeCounts = (counts: Map<number, number>) =>
  [...counts.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([b, n]) => `${b}:${n}`)
    .join(',');

export function reportTimeBlocksMigration(dialect: DialectName) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      const pg = dialect === 'postgres';
      const big = pg ? 'bigint' : 'integer';
      // Hold the fold's lock (FOLD_LOCK_KEY) so no fold adds to report_times between the backfill's read and the commit.
      if (pg) await sql`select pg_advisory_xact_lock(7160411029)`.execute(db);
      await sql
        .raw(`create table report_time_blocks (span integer not null, start ${big} not null, metric text not null,
          business integer not null, channel_id text not null, team_id text not null, agent_id text not null,
          n ${big} not null, total_ms ${big} not null, counts text not null,
          primary key (span, start, metric, business, channel_id, team_id, agent_id))${pg ? '' : ' without rowid'}`)
        .execute(db);
      for (const span of BLOCK_SPANS) {
        const ms = sql.raw(String(span * 3_600_000));
        const rows = (
          await sql<Record<string, string | number>>`select (hour / ${ms}) * ${ms} as start, metric, business, channel_id,
            team_id, agent_id, bucket, sum(n) as n, sum(total_ms) as total_ms from report_times
            group by 1, 2, 3, 4, 5, 6, 7 order by 1, 2, 3, 4, 5, 6, 7`.execute(db)
        ).rows;
        interface Block {
          span: number;
          start: number;
          metric: string;
          business: number;
          channel_id: string;
          team_id: string;
          agent_id: string;
          n: number;
          total_ms: number;
          counts: Map<number, number>;
        }
        const blocks: Block[] = [];
        let last: Block | undefined;
        let lastKey = '';
        for (const r of rows) {
          const key = [r.start, r.metric, r.business, r.channel_id, r.team_id, r.agent_id].join('\u0000');
          if (!last || key !== lastKey) {
            last = {
              span,
              start: Number(r.start),
              metric: r.metric as string,
              business: Number(r.business),
              channel_id: r.channel_id as string,
              team_id: r.team_id as string,
              agent_id: r.agent_id as string,
              n: 0,
              total_ms: 0,
              counts: new Map(),
            };
            blocks.push(last);
            lastKey = key;
          }
          last.n += Number(r.n);
          last.total_ms += Number(r.total_ms);
          last.counts.set(Number(r.bucket), Number(r.n));
        }
        for (let i = 0; i < blocks.length; i += 200)
          await (db as Kysely<{ report_time_blocks: Record<string, string | number> }>)
            .insertInto('report_time_blocks')
            .values(blocks.slice(i, i + 200).map((b) => ({ ...b, counts: encodeCounts(b.counts) })))
            .execute();
      }
    },
  };
}
