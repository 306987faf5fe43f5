import { sql } from 'kysely';
import type { Executor } from '../storage/executor.ts';

/**
 * Response and resolution times per block of UTC hours: one row per block and key with the
 * histogram's bucket counts in one text column ("bucket:count,..." by bucket), not a row per
 * bucket. `report_times` holds nearly one row per response (its hour x key x bucket is finer than
 * the data); a 6-hour, UTC-day or 168-hour (0041) block merges them, so a 90-day report reads
 * thousands of rows, not 500,000. Two tables: `report_time_blocks` (0037) keyed down to the agent, and
 * `report_team_time_blocks` (0039) the same without the agent (summed over agents), which the
 * reports by team, number or overall read: about 20 times fewer rows.
 */
const HOUR = 3_600_000;
/** Block lengths in hours, longest first: what a period's hours are cut into (time-block-reads.ts). */
export const BLOCK_SPANS = [168, 24, 6] as const;

export const BLOCK_TABLES = ['report_time_blocks', 'report_team_time_blocks'] as const;
export type BlockTable = (typeof BLOCK_TABLES)[number];

export interface BlockKey {
  span: number;
  start: number;
  metric: string;
  business: number;
  channel_id: string;
  team_id: string;
  /** Absent in report_team_time_blocks. */
  agent_id?: string;
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

/**
 * Adds encoded counts ("bucket:count,...", several rows' joined by commas; empty parts skipped),
 * times `sign`, into `into` indexed by bucket (grown with zeros as needed). A hand loop over the
 * characters: the reports parse hundreds of thousands of these pairs, and split/slice/Number and
 * a Map per pair were most of a report's CPU on PostgreSQL. Counts are positive whole numbers.
 */
export function addEncodedCounts(into: number[], text: string, sign: number): void {
  let bucket = 0;
  let n = 0;
  let inCount = false;
  const flush = () => {
    while (into.length <= bucket) into.push(0);
    into[bucket] = (into[bucket] as number) + sign * n;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 44) {
      // ','
      if (inCount) flush();
      bucket = 0;
      n = 0;
      inCount = false;
    } else if (c === 58)
      inCount = true; // ':'
    else if (inCount) n = n * 10 + (c - 48);
    else bucket = bucket * 10 + (c - 48);
  }
  if (inCount) flush();
}

export function blockStart(hour: number, span: number): number {
  return Math.floor(hour / (span * HOUR)) * span * HOUR;
}

const KEY_COLS = {
  report_time_blocks: ['span', 'start', 'metric', 'business', 'channel_id', 'team_id', 'agent_id'],
  report_team_time_blocks: ['span', 'start', 'metric', 'business', 'channel_id', 'team_id'],
} as const satisfies Record<BlockTable, ReadonlyArray<keyof BlockKey>>;

/**
 * Adds deltas to their blocks in `table`: reads the rows they touch, merges the counts here and
 * writes them back. Only inside the fold's transaction (and its lock on PostgreSQL), so no other
 * writer can change a row between the read and the write.
 */
export async function writeTimeBlocks(
  trx: Executor,
  table: BlockTable,
  deltas: Map<string, { key: BlockKey; sums: BlockSums }>,
): Promise<void> {
  const cols: ReadonlyArray<keyof BlockKey> = KEY_COLS[table];
  const keyOf = (r: BlockKey) => cols.map((c) => String(r[c])).join('\u0000');
  const list = [...deltas.values()];
  for (let i = 0; i < list.length; i += 200) {
    const part = list.slice(i, i + 200);
    const existing = new Map<string, { n: number; total_ms: number; counts: string }>();
    // Exactly the rows these deltas touch (one primary-key probe each), not whole blocks.
    // biome-ignore lint/suspicious/noExplicitAny: two block tables of the same shape but the agent
    const q = (trx as any)
      .selectFrom(table)
      .selectAll()
      // biome-ignore lint/suspicious/noExplicitAny: see above
      .where((eb: any) => eb.or(part.map(({ key }) => eb.and(cols.map((c) => eb(c, '=', key[c]))))));
    for (const r of (await q.execute()) as Array<BlockKey & { n: number; total_ms: number; counts: string }>)
      existing.set(keyOf(r), { n: Number(r.n), total_ms: Number(r.total_ms), counts: r.counts });
    const values = part.map(({ key, sums }) => {
      const old = existing.get(keyOf(key));
      const counts = new Map(sums.counts);
      if (old) addCounts(counts, old.counts);
      return {
        ...Object.fromEntries(cols.map((c) => [c, key[c]])),
        n: sums.n + (old?.n ?? 0),
        total_ms: sums.total_ms + (old?.total_ms ?? 0),
        counts: encodeCounts(counts),
      };
    });
    // biome-ignore lint/suspicious/noExplicitAny: see above
    await (trx as any)
      .insertInto(table)
      .values(values)
      // biome-ignore lint/suspicious/noExplicitAny: see above
      .onConflict((oc: any) =>
        oc.columns([...cols]).doUpdateSet({
          n: sql.ref('excluded.n'),
          total_ms: sql.ref('excluded.total_ms'),
          counts: sql.ref('excluded.counts'),
        }),
      )
      .execute();
  }
}
