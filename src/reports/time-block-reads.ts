import { sql } from 'kysely';
import type { Executor } from '../storage/executor.ts';
import { addEncodedCounts, BLOCK_SPANS } from './time-blocks.ts';

const HOUR = 3_600_000;

/** A run of whole UTC hours [from, to) inside one period. */
export interface PeriodSpan {
  period: number;
  from: number;
  to: number;
}

/** Blocks of `span` hours [from, to) (span 1: report_times' hours), counted `sign` times into `period`. */
interface Piece {
  period: number;
  sign: number;
  span: number;
  from: number;
  to: number;
}

/**
 * Cuts [from, to) into aligned blocks, longest first, with signed corrections: the run of blocks
 * between the block edges nearest to `from` and `to`, then the hours between each edge and the
 * nearest block edge, added (inside the span) or subtracted (outside it), cut the same way into
 * shorter blocks and at last hours. Counts add, so the signed sum is exactly the span's; each edge
 * costs at most a few days, a few 6-hour blocks and 3 hours, however the zone's days fall on UTC.
 */
export function decompose(from: number, to: number, period: number, sign = 1, level = 0, out: Piece[] = []): Piece[] {
  if (from === to) return out;
  for (let i = level; i < BLOCK_SPANS.length; i++) {
    const len = (BLOCK_SPANS[i] as number) * HOUR;
    // A block longer than the span would cost more corrections than it saves (a day as a week
    // minus six days).
    if (to - from < len) continue;
    const a = Math.round(from / len) * len;
    const b = Math.round(to / len) * len;
    if (b <= a) continue;
    out.push({ period, sign, span: len / HOUR, from: a, to: b });
    if (from < a) decompose(from, a, period, sign, i + 1, out);
    else if (a < from) decompose(a, from, period, -sign, i + 1, out);
    if (b < to) decompose(b, to, period, sign, i + 1, out);
    else if (to < b) decompose(to, b, period, -sign, i + 1, out);
    return out;
  }
  out.push({ period, sign, span: 1, from, to });
  return out;
}

export interface TimeFilters {
  business: number;
  metric?: string;
  channelId?: string;
  teamId?: string;
  agentId?: string;
  channelKind?: string;
}

export interface TimeGroup {
  period: number;
  metric: string;
  dim: string | null;
  /** The histogram: counts by bucket index. */
  counts: number[];
  n: number;
  total: number;
}

/**
 * Sums the response times of each period's spans per metric and `dim` (a column or none) from the
 * blocks, plus report_times for the hours left at the edges. Reports per agent, or filtered to one,
 * read report_time_blocks; the others report_team_time_blocks (0039: the same summed over agents,
 * about 20 times fewer rows). The database sums each block's rows per metric and dim and joins
 * their encoded counts into one text (string_agg, on both databases), so this process gets back a
 * row per block, metric and dim, not per stored key, and parses the counts in one pass
 * (addEncodedCounts). Returns one histogram, count and total per period, metric and dim.
 */
export async function sumTimeBlocks(
  db: Executor,
  spans: PeriodSpan[],
  dim: 'agent_id' | 'team_id' | 'channel_id' | null,
  f: TimeFilters,
): Promise<TimeGroup[]> {
  const pieces: Piece[] = [];
  for (const s of spans) decompose(s.from, s.to, s.period, 1, 0, pieces);
  // Per block length: the blocks' starts, each with the (period, sign) pairs it counts into.
  const uses = new Map<number, Map<number, Array<[number, number]>>>();
  for (const p of pieces)
    for (let t = p.from; t < p.to; t += p.span * HOUR) {
      let m = uses.get(p.span);
      if (!m) uses.set(p.span, (m = new Map()));
      let list = m.get(t);
      if (!list) m.set(t, (list = []));
      list.push([p.period, p.sign]);
    }
  const groups = new Map<string, TimeGroup>();
  const table = dim === 'agent_id' || f.agentId !== undefined ? 'report_time_blocks' : 'report_team_time_blocks';
  // biome-ignore lint/suspicious/noExplicitAny: filters over three tables that share these columns
  const filter = (q: any) => {
    q = q.where('business', '=', f.business);
    if (f.metric !== undefined) q = q.where('metric', '=', f.metric);
    if (f.channelId !== undefined) q = q.where('channel_id', '=', f.channelId);
    if (f.teamId !== undefined) q = q.where('team_id', '=', f.teamId);
    if (f.agentId !== undefined) q = q.where('agent_id', '=', f.agentId);
    if (f.channelKind !== undefined) q = q.where('channel_id', 'in', sql`(select id from channels where kind = ${f.channelKind})`);
    if (dim) q = q.select(sql.ref(dim).as('dim')).groupBy(dim);
    return q;
  };
  for (const [span, starts] of uses) {
    const list = [...starts.keys()];
    for (let i = 0; i < list.length; i += 500) {
      const part = list.slice(i, i + 500);
      // biome-ignore lint/suspicious/noExplicitAny: the block tables differ only in the agent column
      const q: any =
        span === 1
          ? // The edge hours: the hourly rollup, its rows per bucket encoded as the blocks' counts.
            db
              .selectFrom('report_times')
              .select([
                sql<number>`hour`.as('at'),
                'metric',
                sql<number>`sum(n)`.as('n'),
                sql<number>`sum(total_ms)`.as('total_ms'),
                sql<string>`string_agg(bucket || ':' || n, ',')`.as('counts'),
              ])
              .where('hour', 'in', part)
              .groupBy(['hour', 'metric'])
          : // biome-ignore lint/suspicious/noExplicitAny: see above
            (db as any)
              .selectFrom(table)
              .select([
                sql<number>`start`.as('at'),
                'metric',
                sql<number>`sum(n)`.as('n'),
                sql<number>`sum(total_ms)`.as('total_ms'),
                sql<string>`string_agg(counts, ',')`.as('counts'),
              ])
              .where('span', '=', span)
              .where('start', 'in', part)
              .groupBy(['start', 'metric']);
      for (const r of (await filter(q).execute()) as Array<Record<string, string | number | null>>) {
        const d = r.dim === undefined || r.dim === null || r.dim === '' ? null : String(r.dim);
        const metric = String(r.metric);
        for (const [period, sign] of starts.get(Number(r.at)) ?? []) {
          const k = `${period}\u0000${metric}\u0000${d ?? ''}`;
          let g = groups.get(k);
          if (!g) groups.set(k, (g = { period, metric, dim: d, counts: [], n: 0, total: 0 }));
          addEncodedCounts(g.counts, String(r.counts ?? ''), sign);
          g.n += sign * Number(r.n);
          g.total += sign * Number(r.total_ms);
        }
      }
    }
  }
  return [...groups.values()];
}
