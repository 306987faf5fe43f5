import { sql } from 'kysely';
import type { Database } from '../storage/database-types.ts';
import type { Executor } from '../storage/executor.ts';
import { BLOCK_SPANS, type BlockKey, type BlockSums, type BlockTable, blockStart, writeTimeBlocks } from './time-blocks.ts';

type Sums = Record<string, number>;

/** Deltas to the hourly rollups gathered over one fold batch, summed per key before they are written. */
export class Rollups {
  readonly tables = new Map<keyof Database, Map<string, { key: Record<string, string | number>; sums: Sums }>>();
  /**
   * Block deltas per table: report_time_blocks (0037) per agent, report_team_time_blocks (0039)
   * summed over agents; merged into their rows' encoded counts by writeTimeBlocks.
   */
  readonly blocks = new Map<BlockTable, Map<string, { key: BlockKey; sums: BlockSums }>>();

  private add(table: keyof Database, key: Record<string, string | number>, sums: Sums): void {
    let t = this.tables.get(table);
    if (!t) this.tables.set(table, (t = new Map()));
    const k = JSON.stringify(key);
    const row = t.get(k);
    if (!row) {
      t.set(k, { key, sums: { ...sums } });
      return;
    }
    for (const [c, v] of Object.entries(sums)) row.sums[c] = (row.sums[c] ?? 0) + v;
  }

  volume(hour: number, channel_id: string, metric: string, sender: string, kind: string, n: number): void {
    this.add('report_volume', { hour, channel_id, metric, sender, kind }, { n });
  }

  time(
    hour: number,
    key: { metric: string; channel_id: string; team_id: string; agent_id: string },
    business: number,
    bucket: number,
    ms: number,
  ): void {
    this.add('report_times', { hour, ...key, business, bucket }, { n: 1, total_ms: ms });
    // And per 6-hour, UTC-day and 168-hour block with the counts in one column, per agent (0037) and summed
    // over agents (0039): what the reports by day, week or range read.
    const { agent_id: _agent, ...team } = key;
    for (const span of BLOCK_SPANS) {
      const start = blockStart(hour, span);
      this.block('report_time_blocks', { span, start, ...key, business }, bucket, ms);
      this.block('report_team_time_blocks', { span, start, ...team, business }, bucket, ms);
    }
  }

  private block(table: BlockTable, bk: BlockKey, bucket: number, ms: number): void {
    let rows = this.blocks.get(table);
    if (!rows) this.blocks.set(table, (rows = new Map()));
    const k = JSON.stringify(bk);
    let row = rows.get(k);
    if (!row) rows.set(k, (row = { key: bk, sums: { n: 0, total_ms: 0, counts: new Map() } }));
    row.sums.n += 1;
    row.sums.total_ms += ms;
    row.sums.counts.set(bucket, (row.sums.counts.get(bucket) ?? 0) + 1);
  }

  template(hour: number, channel_id: string, template: string, language: string, broadcast_id: string, metric: string, n: number): void {
    this.add('report_templates', { hour, channel_id, template, language, broadcast_id, metric }, { n });
  }

  cost(
    hour: number,
    channel_id: string,
    category: string,
    template: string,
    country: string,
    d: Partial<Record<'messages' | 'billable' | 'price' | 'price_estimate', number>>,
  ): void {
    this.add(
      'report_costs',
      { hour, channel_id, category, template, country },
      { messages: d.messages ?? 0, billable: d.billable ?? 0, price: d.price ?? 0, price_estimate: d.price_estimate ?? 0 },
    );
  }

  agent(hour: number, agent_id: string, metric: string, n: number): void {
    this.add('report_agents', { hour, agent_id, metric }, { n });
  }

  bot(hour: number, channel_id: string, metric: string, reason: string, n: number): void {
    this.add('report_bot', { hour, channel_id, metric, reason }, { n });
  }
}

/** Adds each summed delta to its rollup row (insert, or add on conflict), 200 rows a statement. */
export async function writeRollups(db: Executor, r: Rollups): Promise<void> {
  for (const [table, rows] of r.tables) {
    const list = [...rows.values()];
    if (list.length === 0) continue;
    const keyCols = Object.keys(list[0]?.key ?? {});
    const sumCols = Object.keys(list[0]?.sums ?? {});
    for (let i = 0; i < list.length; i += 200) {
      const values = list.slice(i, i + 200).map((row) => ({ ...row.key, ...row.sums }));
      const set = Object.fromEntries(sumCols.map((c) => [c, sql`${sql.ref(`${table}.${c}`)} + ${sql.ref(`excluded.${c}`)}`]));
      // biome-ignore lint/suspicious/noExplicitAny: one writer for six rollup tables of different shapes
      await (db as any)
        .insertInto(table)
        .values(values)
        // biome-ignore lint/suspicious/noExplicitAny: see above
        .onConflict((oc: any) => oc.columns(keyCols).doUpdateSet(set))
        .execute();
    }
  }
  for (const [table, deltas] of r.blocks) if (deltas.size > 0) await writeTimeBlocks(db, table, deltas);
}
