import type { Executor } from '../storage/executor.ts';

/**
 * Response and resolution times per block of UTC hours (report_time_blocks, migration 0037): one
 * row per block and key (metric, business, number, team, agent) with the histogram's bucket counts
 * in one text column ("bucket:count,..." by bucket), not a row per bucket. `report_times` holds
 * nearly one row per response (its hour x key x bucket is finer than the data); a 6-hour or a
 * UTC-day block merges them, so a 90-day report reads tens of thousands of rows, not 500,000.
 */
const HOUR = 3_600_000;
/** Block lengths in hours, longest first: what a period's hours are cut into (time-block-reads.ts). */
export const BLOCK_SPANS = [24, 6] as const;

export interface BlockKey {
  span: number;
  start: number;
  metric: string;
  business: number;
  channel_id: string;
  team_id: string;
  agent_id: string;
}

export interface BlockSums {
  n: number;
  total_ms: number;
  counts: Map<number, number>;
}

export function encodeCounts(counts: ReadonlyMap<number, number>): string {
  return [...counts.entries()]
    .filter(([, n]) => n !== 0)
    .sort((a, b) => a[0] - b[0])
    .map(([b, n]) => `${b}:${n}`)
    .join(',');
}

/** Adds a row's encoded counts, times `sign`, into `into`. */
export function addCounts(into: Map<number, number>, text: string, sign = 1): void {
  if (text === '') return;
  for (const part of text.split(',')) {
    const i = part.indexOf(':');
    const b = Number(part.slice(0, i));
    into.set(b, (into.get(b) ?? 0) + sign * Number(part.slice(i + 1)));
  }
}

export function blockStart(hour: number, span: number): number {
  return Math.floor(hour / (span * HOUR)) * span * HOUR;
}

const KEY_COLS = ['span', 'start', 'metric', 'business', 'channel_id', 'team_id', 'agent_id'] as const;
const keyOf = (r: BlockKey) => KEY_COLS.map((c) => String(r[c])).join('\u0000');

/**
 * Adds deltas to their blocks: reads the rows they touch, merges the counts here and writes them
 * back. Only inside the fold's transaction (and its lock on PostgreSQL), so no other writer can
 * change a row between the read and the write.
 */
export async function writeTimeBlocks(trx: Executor, deltas: Map<string, { key: BlockKey; sums: BlockSums }>): Promise<void> {
  const list = [...deltas.values()];
  for (let i = 0; i < list.length; i += 200) {
    const part = list.slice(i, i + 200);
    const existing = new Map<string, { n: number; total_ms: number; counts: string }>();
    // Exactly the rows these deltas touch (one primary-key probe each), not whole blocks.
    for (const r of await trx
      .selectFrom('report_time_blocks')
      .selectAll()
      .where((eb) => eb.or(part.map(({ key }) => eb.and(KEY_COLS.map((c) => eb(c, '=', key[c]))))))
      .execute())
      existing.set(keyOf(r), { n: Number(r.n), total_ms: Number(r.total_ms), counts: r.counts });
    const values = part.map(({ key, sums }) => {
      const old = existing.get(keyOf(key));
      const counts = new Map(sums.counts);
      if (old) addCounts(counts, old.counts);
      return {
        ...key,
        n: sums.n + (old?.n ?? 0),
        total_ms: sums.total_ms + (old?.total_ms ?? 0),
        counts: encodeCounts(counts),
      };
    });
    await trx
      .insertInto('report_time_blocks')
      .values(values)
      .onConflict((oc) =>
        oc.columns([...KEY_COLS]).doUpdateSet((eb) => ({
          n: eb.ref('excluded.n'),
          total_ms: eb.ref('excluded.total_ms'),
          counts: eb.ref('excluded.counts'),
        })),
      )
      .execute();
  }
}
