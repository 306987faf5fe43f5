import { sql } from 'kysely';
import type { Database } from '../storage/database-types.ts';
import { dialectOf } from '../storage/dialect.ts';
import type { Executor } from '../storage/executor.ts';
import { agentOpenCounts } from './agent-open-counts.ts';
import { percentile } from './duration-histogram.ts';
import { PeriodIndex, type ReportRange } from './report-periods.ts';
import { sumTimeBlocks } from './time-block-reads.ts';

export type ReportRow = Record<string, string | number | null>;

const HOUR = 3_600_000;

interface RollupQuery {
  table: keyof Database;
  dims: string[]; // columns kept apart (besides the period)
  sums: string[];
  where?: Record<string, string | number | undefined>;
  whereNot?: Record<string, string>;
  metricIn?: string[];
  /** Only numbers/bots of this kind (whatsapp | telegram): the rollups are kept per channel_id. */
  channelKind?: string;
}

/** The `channel` filter every report with `channel_id` takes. */
export type ChannelKindFilter = { channelKind?: 'whatsapp' | 'telegram' };

/** A run of whole hours [from, to) inside one period (`period` indexes the labels). */
interface Span {
  period: number;
  from: number;
  to: number;
}

/**
 * The range cut into its periods (days and weeks in the zone, or the whole range for none), each
 * a run of UTC hours: the database sums each period itself, so a report reads back one row per
 * period and key rather than one per hour.
 */
function periodSpans(range: ReportRange): { labels: Array<string | null>; spans: Span[] } {
  if (range.interval === 'none')
    return { labels: [null], spans: range.to > range.from ? [{ period: 0, from: range.from, to: range.to }] : [] };
  const index = new PeriodIndex(range);
  const labels: string[] = [];
  const spans: Span[] = [];
  for (let h = range.from; h < range.to; h += HOUR) {
    const label = index.of(h) as string;
    const last = spans[spans.length - 1];
    if (last && labels[last.period] === label && last.to === h) last.to = h + HOUR;
    else spans.push({ period: labels.push(label) - 1, from: h, to: h + HOUR });
  }
  return { labels, spans };
}

/**
 * The span a row's time falls in, as SQL: a balanced tree of CASEs over the spans' starts, a few
 * comparisons a row (a join to the spans as a VALUES list costs SQLite half as much again). The
 * numbers are whole numbers we computed, inlined so both databases type them as integers.
 */
function spanOf(time: 'hour', spans: Span[]): ReturnType<typeof sql.raw> {
  const tree = (lo: number, hi: number): string => {
    if (lo === hi) return String((spans[lo] as Span).period);
    const mid = (lo + hi + 1) >> 1;
    return `case when ${time} < ${(spans[mid] as Span).from} then ${tree(lo, mid - 1)} else ${tree(mid, hi)} end`;
  };
  return sql.raw(tree(0, spans.length - 1));
}

/**
 * SQLite: whether a range covers most of a rollup's hours, so reading the whole table in rowid
 * order beats walking its primary-key index (a separate b-tree on these rowid tables: every row it
 * finds is one more lookup, which measured twice as slow over 300,000 rows). The unary + on the
 * time column then keeps SQLite off the index. Two index probes (min, max) decide.
 */
async function scanWholeTable(db: Executor, table: keyof Database, time: 'hour', from: number, to: number): Promise<boolean> {
  if (dialectOf(db).name !== 'sqlite') return false;
  const edge = async (f: 'min' | 'max') =>
    (await sql<{ t: number | null }>`select ${sql.raw(f)}(${sql.ref(time)}) as t from ${sql.table(table)}`.execute(db)).rows[0]?.t ?? null;
  const lo = await edge('min');
  const hi = await edge('max');
  if (lo === null || hi === null) return false;
  const covered = Math.min(to, hi + HOUR) - Math.max(from, lo);
  return covered * 2 >= hi + HOUR - lo;
}

/**
 * One rollup summed by `dims` and either by hour (`spans` = 'hour') or by span: the rows of the
 * spans only (a range of the rollup's primary key, which leads with the time column, or several),
 * each summed into its span's period.
 */
async function selectRollup(
  db: Executor,
  q: RollupQuery,
  table: keyof Database,
  time: 'hour',
  range: { from: number; to: number },
  spans: Span[] | 'hour',
): Promise<Array<Record<string, string | number>>> {
  if (spans !== 'hour' && spans.length === 0) return [];
  const gaps = spans !== 'hour' && spans.some((x, i) => i > 0 && (spans[i - 1] as Span).to !== x.from);
  const from = spans === 'hour' ? range.from : (spans[0] as Span).from;
  const to = spans === 'hour' ? range.to : (spans[spans.length - 1] as Span).to;
  const bound = !gaps && (await scanWholeTable(db, table, time, from, to)) ? sql`+${sql.ref(time)}` : sql.ref(time);
  // biome-ignore lint/suspicious/noExplicitAny: the rollup tables differ in shape; columns are our constants
  let query = (db as any).selectFrom(table).where(bound, '>=', from).where(bound, '<', to);
  if (spans === 'hour') query = query.select(sql.ref(time).as('at'));
  else {
    for (const x of spans) if (![x.period, x.from, x.to].every(Number.isSafeInteger)) throw new Error('bad report span');
    query = query.select(spanOf(time, spans).as('span'));
    // Spans with gaps between them (the hours at periods' edges): only their rows.
    if (gaps) query = query.where(sql.raw(`(${spans.map((x) => `(${time} >= ${x.from} and ${time} < ${x.to})`).join(' or ')})`));
  }
  query = query.select(q.dims).select(q.sums.map((c) => sql<number>`sum(${sql.ref(c)})`.as(c)));
  for (const [c, v] of Object.entries(q.where ?? {})) if (v !== undefined) query = query.where(c, '=', v);
  for (const [c, v] of Object.entries(q.whereNot ?? {})) query = query.where(c, '<>', v);
  if (q.metricIn) query = query.where('metric', 'in', q.metricIn);
  // A subquery of the few-row channels table: the rollup's (hour, channel_id...) keys stay usable.
  if (q.channelKind !== undefined) query = query.where('channel_id', 'in', sql`(select id from channels where kind = ${q.channelKind})`);
  if (spans === 'hour') query = query.groupBy(time);
  else if (spans.length > 1) query = query.groupBy(sql.raw('1'));
  if (q.dims.length > 0) query = query.groupBy(q.dims);
  return (await query.execute()) as Array<Record<string, string | number>>;
}

/**
 * Sums a rollup over the range by period and `dims`. Keys are the period and the dims; '' (none)
 * reads as null. By hour the database groups per UTC hour; by day, week or none it sums each
 * period's hours itself (the zone's days and weeks are runs of whole UTC hours, worked out here).
 */
async function sumRollup(
  db: Executor,
  range: ReportRange,
  q: RollupQuery,
): Promise<Map<string, { key: ReportRow; sums: Record<string, number> }>> {
  const out = new Map<string, { key: ReportRow; sums: Record<string, number> }>();
  const add = (period: string | null, r: Record<string, string | number>) => {
    const key: ReportRow = {};
    if (period !== null) key.period = period;
    for (const d of q.dims) key[d] = r[d] === '' ? null : typeof r[d] === 'string' ? r[d] : Number(r[d]);
    const k = JSON.stringify(key);
    let acc = out.get(k);
    if (!acc) out.set(k, (acc = { key, sums: {} }));
    for (const c of q.sums) acc.sums[c] = (acc.sums[c] ?? 0) + Number(r[c] ?? 0);
  };
  if (range.interval === 'hour') {
    const periods = new PeriodIndex(range);
    for (const r of await selectRollup(db, q, q.table, 'hour', range, 'hour')) add(periods.of(Number(r.at)), r);
    return out;
  }
  const { labels, spans } = periodSpans(range);
  for (const r of await selectRollup(db, q, q.table, 'hour', range, spans)) add(labels[Number(r.span)] ?? null, r);
  return out;
}

/** Rows sorted by period then keys, so JSON and CSV list them in one order. */
function sorted(rows: ReportRow[]): ReportRow[] {
  const text = (v: unknown) => (v === null || v === undefined ? '' : String(v));
  return rows.sort((a, b) => {
    for (const k of Object.keys(a)) {
      const c = text(a[k]).localeCompare(text(b[k]));
      if (c !== 0) return c;
    }
    return 0;
  });
}

/** Pivots metric rows into one row per key with a column per metric (0 when none). */
async function pivot(db: Executor, range: ReportRange, q: RollupQuery, metrics: Record<string, string>): Promise<ReportRow[]> {
  const sums = await sumRollup(db, range, { ...q, dims: [...q.dims, 'metric'] });
  const out = new Map<string, ReportRow>();
  for (const { key, sums: s } of sums.values()) {
    const { metric, ...rest } = key;
    const k = JSON.stringify(rest);
    let row = out.get(k);
    if (!row) {
      row = { ...rest };
      for (const col of Object.values(metrics)) row[col] = 0;
      out.set(k, row);
    }
    const col = metrics[String(metric)];
    if (col) row[col] = Number(row[col] ?? 0) + (s.n ?? 0);
  }
  return sorted([...out.values()]);
}

export const CONVERSATION_METRICS = {
  conversations_opened: 'opened',
  conversations_reopened: 'reopened',
  conversations_resolved: 'resolved',
  conversations_archived: 'archived',
  conversations_closed: 'closed',
};

export function conversationsReport(
  db: Executor,
  range: ReportRange,
  f: { channelId?: string; byChannel: boolean } & ChannelKindFilter,
): Promise<ReportRow[]> {
  return pivot(
    db,
    range,
    {
      table: 'report_volume',
      dims: f.byChannel ? ['channel_id'] : [],
      sums: ['n'],
      where: { channel_id: f.channelId },
      channelKind: f.channelKind,
      metricIn: Object.keys(CONVERSATION_METRICS),
    },
    CONVERSATION_METRICS,
  );
}

export const MESSAGE_GROUPS = ['sender', 'kind', 'channel'] as const;

export function messagesReport(
  db: Executor,
  range: ReportRange,
  f: { channelId?: string; groupBy: Array<(typeof MESSAGE_GROUPS)[number]> } & ChannelKindFilter,
): Promise<ReportRow[]> {
  const dims = f.groupBy.map((g) => (g === 'channel' ? 'channel_id' : g));
  return pivot(
    db,
    range,
    {
      table: 'report_volume',
      dims,
      sums: ['n'],
      where: { channel_id: f.channelId },
      channelKind: f.channelKind,
      metricIn: ['messages_in', 'messages_out'],
    },
    { messages_in: 'messages_in', messages_out: 'messages_out' },
  );
}

export const TIME_METRICS = ['first_response', 'next_response', 'resolution'] as const;
export const TIME_GROUPS = ['agent', 'team', 'channel', 'none'] as const;

export async function responseTimesReport(
  db: Executor,
  range: ReportRange,
  f: {
    metric?: (typeof TIME_METRICS)[number];
    groupBy: (typeof TIME_GROUPS)[number];
    businessHours: boolean;
    channelId?: string;
    teamId?: string;
    agentId?: string;
  } & ChannelKindFilter,
  /**
   * 'hours': read report_times alone, for any interval (every hour summed per period in the
   * database): a second way to the same answers, which the benchmark and the tests compare.
   */
  source: 'blocks' | 'hours' = 'blocks',
): Promise<ReportRow[]> {
  const groups: Array<{ key: ReportRow; counts: Map<number, number> | number[]; n: number; total: number }> = [];
  if (range.interval === 'hour' || source === 'hours') {
    // By hour: the hourly rollup, one row per hour as it answers.
    const dim = f.groupBy === 'none' ? [] : [`${f.groupBy}_id`];
    const sums = await sumRollup(db, range, {
      table: 'report_times',
      dims: ['metric', ...dim, 'bucket'],
      sums: ['n', 'total_ms'],
      where: { business: f.businessHours ? 1 : 0, channel_id: f.channelId, team_id: f.teamId, agent_id: f.agentId, metric: f.metric },
      channelKind: f.channelKind,
    });
    const byKey = new Map<string, { key: ReportRow; counts: Map<number, number>; n: number; total: number }>();
    for (const { key, sums: s } of sums.values()) {
      const { bucket, ...rest } = key;
      const k = JSON.stringify(rest);
      let g = byKey.get(k);
      if (!g) byKey.set(k, (g = { key: rest, counts: new Map(), n: 0, total: 0 }));
      g.counts.set(Number(bucket), (g.counts.get(Number(bucket)) ?? 0) + (s.n ?? 0));
      g.n += s.n ?? 0;
      g.total += s.total_ms ?? 0;
    }
    groups.push(...byKey.values());
  } else {
    // Day, week or none: each period's hours as 6-hour, UTC-day and 168-hour (0041) blocks with the
    // bucket counts in one column (report_time_blocks, 0037; report_team_time_blocks, 0039), plus the few edge
    // hours from report_times.
    const { labels, spans } = periodSpans(range);
    const dim = f.groupBy === 'none' ? null : (`${f.groupBy}_id` as const);
    for (const g of await sumTimeBlocks(db, spans, dim, {
      business: f.businessHours ? 1 : 0,
      metric: f.metric,
      channelId: f.channelId,
      teamId: f.teamId,
      agentId: f.agentId,
      channelKind: f.channelKind,
    })) {
      const key: ReportRow = {};
      const label = labels[g.period] ?? null;
      if (label !== null) key.period = label;
      key.metric = g.metric;
      if (dim) key[dim] = g.dim;
      groups.push({ key, counts: g.counts, n: g.n, total: g.total });
    }
  }
  return sorted(
    groups
      .filter((g) => g.n > 0)
      .map((g) => ({
        ...g.key,
        count: g.n,
        median_ms: percentile(g.counts, 0.5),
        p90_ms: percentile(g.counts, 0.9),
        avg_ms: Math.round(g.total / g.n),
      })),
  );
}

export const TEMPLATE_METRICS = { sent: 'sent', delivered: 'delivered', read: 'read', replied: 'replied', failed: 'failed' };
export const TEMPLATE_GROUPS = ['template', 'language', 'channel'] as const;

export function templatesReport(
  db: Executor,
  range: ReportRange,
  f: { channelId?: string; template?: string; groupBy: Array<(typeof TEMPLATE_GROUPS)[number]> } & ChannelKindFilter,
): Promise<ReportRow[]> {
  const dims = f.groupBy.map((g) => (g === 'channel' ? 'channel_id' : g));
  return pivot(
    db,
    range,
    { table: 'report_templates', dims, sums: ['n'], where: { channel_id: f.channelId, template: f.template }, channelKind: f.channelKind },
    TEMPLATE_METRICS,
  );
}

export async function broadcastsReport(db: Executor, range: ReportRange, f: { broadcastId?: string }): Promise<ReportRow[]> {
  const rows = await pivot(
    db,
    range,
    {
      table: 'report_templates',
      dims: ['broadcast_id', 'template', 'language'],
      sums: ['n'],
      where: { broadcast_id: f.broadcastId },
      whereNot: { broadcast_id: '' },
    },
    TEMPLATE_METRICS,
  );
  const ids = [...new Set(rows.map((r) => String(r.broadcast_id)))];
  const names = new Map<string, string>();
  if (ids.length > 0)
    for (const b of await db.selectFrom('broadcasts').select(['id', 'name']).where('id', 'in', ids).execute()) names.set(b.id, b.name);
  return rows.map((r): ReportRow => {
    const { period, broadcast_id, ...rest } = r;
    const head: ReportRow = period !== undefined ? { period } : {};
    return { ...head, broadcast_id: broadcast_id ?? null, name: names.get(String(broadcast_id)) ?? null, ...rest };
  });
}

export const COST_GROUPS = ['category', 'channel', 'template', 'country'] as const;

export async function costsReport(
  db: Executor,
  range: ReportRange,
  f: { channelId?: string; groupBy: Array<(typeof COST_GROUPS)[number]>; currency: string } & ChannelKindFilter,
): Promise<ReportRow[]> {
  const dims = f.groupBy.map((g) => (g === 'channel' ? 'channel_id' : g));
  const sums = await sumRollup(db, range, {
    table: 'report_costs',
    dims,
    sums: ['messages', 'billable', 'price', 'price_estimate'],
    where: { channel_id: f.channelId },
    channelKind: f.channelKind,
  });
  const round = (n: number) => Math.round(n * 1e6) / 1e6;
  return sorted(
    [...sums.values()]
      .filter((g) => g.sums.messages !== 0)
      .map((g) => ({
        ...g.key,
        messages: g.sums.messages ?? 0,
        billable: g.sums.billable ?? 0,
        price: round(g.sums.price ?? 0),
        price_estimate: round(g.sums.price_estimate ?? 0),
        currency: f.currency,
      })),
  );
}

export const BOT_REASONS = ['assigned', 'handoff', 'agent_message', 'manual'] as const;

export async function botReport(db: Executor, range: ReportRange, f: { channelId?: string } & ChannelKindFilter): Promise<ReportRow[]> {
  const sums = await sumRollup(db, range, {
    table: 'report_bot',
    dims: ['metric', 'reason'],
    sums: ['n'],
    where: { channel_id: f.channelId },
    channelKind: f.channelKind,
  });
  const out = new Map<string, ReportRow>();
  for (const { key, sums: s } of sums.values()) {
    const { metric, reason, ...rest } = key;
    const k = JSON.stringify(rest);
    let row = out.get(k);
    if (!row) {
      row = { ...rest, resolved_without_human: 0, resolved_with_human: 0, containment_rate: null, handoffs: 0 };
      for (const r of BOT_REASONS) row[`handoff_${r}`] = 0;
      row.handoff_other = 0;
      out.set(k, row);
    }
    const n = s.n ?? 0;
    if (metric === 'handoff') {
      row.handoffs = Number(row.handoffs) + n;
      const col = (BOT_REASONS as readonly unknown[]).includes(reason) ? `handoff_${reason}` : 'handoff_other';
      row[col] = Number(row[col]) + n;
    } else if (metric === 'resolved_without_human' || metric === 'resolved_with_human') row[metric] = Number(row[metric]) + n;
  }
  for (const row of out.values()) {
    const resolved = Number(row.resolved_without_human) + Number(row.resolved_with_human);
    row.containment_rate = resolved === 0 ? null : Math.round((Number(row.resolved_without_human) / resolved) * 10_000) / 10_000;
  }
  return sorted([...out.values()]);
}

/**
 * Per agent over the range: conversations assigned (handled), resolved while holding them, handed
 * on, messages sent, online and away time (folded spans plus the current one, clipped to the
 * range); and now: availability, open conversations held, capacity.
 */
export async function agentsReport(db: Executor, range: ReportRange, f: { agentId?: string; now: number }): Promise<ReportRow[]> {
  const metrics = {
    assigned: 'assigned',
    resolved: 'resolved',
    handed_off: 'handed_off',
    messages_sent: 'messages_sent',
    online_ms: 'online_ms',
    away_ms: 'away_ms',
  };
  const rows = await pivot(
    db,
    { ...range, interval: 'none' },
    { table: 'report_agents', dims: ['agent_id'], sums: ['n'], where: { agent_id: f.agentId } },
    metrics,
  );
  const byAgent = new Map(rows.map((r) => [String(r.agent_id), r]));
  let users = db.selectFrom('users').select(['id', 'name', 'availability', 'capacity']).where('deleted_at', 'is', null);
  if (f.agentId) users = users.where('id', '=', f.agentId);
  const open = await agentOpenCounts(db, f.agentId);
  const live = new Map<string, { availability: string; since: number }>();
  for (const s of await db.selectFrom('report_availability_state').selectAll().execute()) live.set(s.user_id, s);
  const out: ReportRow[] = [];
  for (const u of await users.execute()) {
    const r = byAgent.get(u.id);
    const row: ReportRow = {
      agent_id: u.id,
      name: u.name,
      assigned: Number(r?.assigned ?? 0),
      resolved: Number(r?.resolved ?? 0),
      handed_off: Number(r?.handed_off ?? 0),
      messages_sent: Number(r?.messages_sent ?? 0),
      online_ms: Number(r?.online_ms ?? 0),
      away_ms: Number(r?.away_ms ?? 0),
      availability: u.availability,
      open_conversations: open.get(u.id) ?? 0,
      capacity: u.capacity,
    };
    const span = live.get(u.id);
    if (span && (span.availability === 'online' || span.availability === 'away')) {
      const ms = Math.max(0, Math.min(f.now, range.to) - Math.max(span.since, range.from));
      const col = `${span.availability}_ms`;
      row[col] = Number(row[col]) + ms;
    }
    out.push(row);
  }
  if (byAgent.has('api') && !f.agentId)
    out.push({
      agent_id: 'api',
      name: 'API',
      ...Object.fromEntries(Object.keys(metrics).map((m) => [m, Number(byAgent.get('api')?.[m] ?? 0)])),
      availability: null,
      open_conversations: 0,
      capacity: null,
    });
  return sorted(out);
}
