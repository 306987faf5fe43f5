/**
 * List-query benchmark: p99 of the first page (50 rows) of `GET /api/v1/conversations` for each
 * filter, through the same query code the route runs (listConversations), on a seeded inbox.
 *
 *   npx tsx bench/list-queries.ts                      # SQLite, 100,000 conversations, 1,000,000 messages
 *   BENCH_LIST_CONVERSATIONS=1000000 npx tsx bench/list-queries.ts
 *   BENCH_PG_URL=postgres://.../scratch npx tsx bench/list-queries.ts   # + PostgreSQL, 1,000,000 / 10,000,000
 *
 * BENCH_PG_URL's database is EMPTIED first (schema public dropped): point it at a scratch database.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import type { ConversationVisibility } from '../src/auth/visible-conversation-filter.ts';
import { listConversations, type ListFilter } from '../src/conversations/conversation-list.ts';
import { openStorage } from '../src/storage/open-database.ts';
import { resetPostgres } from '../test/support/reset-postgres.ts';
import { seedInbox, seedInboxInPostgres, type SeedFacts } from './list-seed.ts';
import { summarize, type LatencySummary } from './stats.ts';

export interface ListBenchRun {
  dialect: 'sqlite' | 'postgres';
  conversations: number;
  messages: number;
  seedSeconds: number;
  iterations: number;
  aimP99Ms: number;
  filters: Array<{ name: string; rows: number; latency: LatencySummary; pass: boolean }>;
}

const AIM_P99_MS = 20;
const ALL: ConversationVisibility = { all: true };

export async function runListBenchmark(opts: {
  dialect: 'sqlite' | 'postgres';
  conversations: number;
  messagesPerConversation: number;
  iterations: number;
  pgUrl?: string;
  say?: (line: string) => void;
}): Promise<ListBenchRun> {
  const say = opts.say ?? (() => undefined);
  const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-list-bench-'));
  if (opts.dialect === 'postgres') {
    if (!opts.pgUrl) throw new Error('PostgreSQL run needs BENCH_PG_URL');
    await resetPostgres(opts.pgUrl);
  }
  const storage = await openStorage({ dataDir, ...(opts.dialect === 'postgres' ? { databaseUrl: opts.pgUrl } : {}) });
  try {
    const now = Date.now();
    const t0 = performance.now();
    let lastReport = 0;
    const shape = { conversations: opts.conversations, messagesPerConversation: opts.messagesPerConversation };
    const facts =
      opts.dialect === 'postgres'
        ? await seedInboxInPostgres(storage.db, shape, now, say)
        : await seedInbox(storage.db, shape, now, (done) => {
            if (done - lastReport >= 100_000 || done === opts.conversations) {
              lastReport = done;
              say(`    seeded ${done.toLocaleString('en')} conversations (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
            }
          });
    // Fresh statistics, as a database that has lived a while has them.
    await sql`analyze`.execute(storage.db);
    const seedSeconds = Math.round((performance.now() - t0) / 100) / 10;
    const filters = await measureFilters(storage, facts, now, opts.iterations);
    return {
      dialect: opts.dialect,
      conversations: opts.conversations,
      messages: opts.conversations * opts.messagesPerConversation,
      seedSeconds,
      iterations: opts.iterations,
      aimP99Ms: AIM_P99_MS,
      filters,
    };
  } finally {
    await storage.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function measureFilters(
  storage: Awaited<ReturnType<typeof openStorage>>,
  facts: SeedFacts,
  now: number,
  iterations: number,
): Promise<ListBenchRun['filters']> {
  const base: ListFilter = { limit: 50, now, snoozed: 'any' };
  const active: ListFilter = { ...base, status: 'active', snoozed: 'exclude' };
  const agent: ConversationVisibility = { all: false, userId: facts.userIds[3] ?? '', teamIds: [facts.teamIds[1] ?? ''] };
  const firstActive = await listConversations(storage.db, storage.dialect, active, ALL);
  const tail = firstActive[49];
  const cases: Array<{ name: string; filter: ListFilter; visibility?: ConversationVisibility }> = [
    { name: 'no filter', filter: base },
    { name: 'status=active', filter: active },
    {
      name: 'status=active, page 2 (cursor)',
      filter: { ...active, ...(tail ? { cursor: { at: tail.last_message_at, id: tail.id } } : {}) },
    },
    { name: 'status=archived', filter: { ...base, status: 'archived' } },
    { name: 'assignee=<agent>', filter: { ...base, assignee: facts.userIds[0] ?? '' } },
    { name: 'status=active & assignee=<agent>', filter: { ...active, assignee: facts.userIds[0] ?? '' } },
    { name: 'status=active & assignee=none', filter: { ...active, assignee: 'none' } },
    { name: 'team=<team>', filter: { ...base, teamId: facts.teamIds[0] ?? '' } },
    { name: 'label=<label>', filter: { ...base, label: facts.labelNames[0] ?? '' } },
    { name: 'channel=<channel>', filter: { ...base, channelId: facts.channelIds[0] ?? '' } },
    { name: 'unread=true', filter: { ...base, unread: true } },
    { name: 'status=active & unread=true', filter: { ...active, unread: true } },
    { name: 'q=<contact name>', filter: { ...base, q: facts.sampleName } },
    { name: 'record_type & record_id', filter: { ...base, record: facts.sampleRecord } },
    { name: 'agent (assigned_and_team visibility), status=active', filter: active, visibility: agent },
  ];
  const out: ListBenchRun['filters'] = [];
  for (const c of cases) {
    const run = () => listConversations(storage.db, storage.dialect, c.filter, c.visibility ?? ALL);
    let rows = 0;
    for (let i = 0; i < 10; i++) rows = (await run()).length; // warm the page cache and statement cache
    const samples: number[] = [];
    for (let i = 0; i < iterations; i++) {
      const t = performance.now();
      await run();
      samples.push(performance.now() - t);
    }
    const latency = summarize(samples);
    out.push({ name: c.name, rows: Math.min(rows, 50), latency, pass: latency.p99 < AIM_P99_MS });
  }
  return out;
}

export function renderListBench(run: ListBenchRun): string {
  const lines = [
    `List queries, ${run.dialect}: ${run.conversations.toLocaleString('en')} conversations, ${run.messages.toLocaleString('en')} messages (seeded in ${run.seedSeconds} s), ${run.iterations} runs per filter, first page of 50`,
    `| filter | rows | p50 ms | p99 ms | max ms | p99 < ${run.aimP99Ms} ms |`,
    '| --- | ---: | ---: | ---: | ---: | --- |',
    ...run.filters.map(
      (f) => `| ${f.name} | ${f.rows} | ${f.latency.p50} | ${f.latency.p99} | ${f.latency.max} | ${f.pass ? 'yes' : 'NO'} |`,
    ),
  ];
  return lines.join('\n');
}

/** The sizes a run uses: BENCH_LIST=1 (or running this file) measures the sizes; `npm run bench` a smaller one. */
export function listBenchPlans(full: boolean): Array<Parameters<typeof runListBenchmark>[0]> {
  const sqliteConversations = Number(process.env.BENCH_LIST_CONVERSATIONS ?? (full ? 100_000 : 100_000));
  // BENCH_LIST_SQLITE=0 runs PostgreSQL alone (its 1,000,000-conversation seed is the long part).
  const plans: Array<Parameters<typeof runListBenchmark>[0]> =
    process.env.BENCH_LIST_SQLITE === '0'
      ? []
      : [{ dialect: 'sqlite', conversations: sqliteConversations, messagesPerConversation: full ? 10 : 2, iterations: full ? 300 : 100 }];
  const pgUrl = process.env.BENCH_PG_URL;
  if (pgUrl) {
    plans.push({
      dialect: 'postgres',
      conversations: Number(process.env.BENCH_LIST_PG_CONVERSATIONS ?? (full ? 1_000_000 : 100_000)),
      messagesPerConversation: full ? 10 : 2,
      iterations: full ? 300 : 100,
      pgUrl,
    });
  }
  return plans;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const say = (line: string) => process.stdout.write(`${line}\n`);
  (async () => {
    for (const plan of listBenchPlans(true)) {
      say(`List-query benchmark on ${plan.dialect} ...`);
      say(renderListBench(await runListBenchmark({ ...plan, say })));
    }
  })().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`list benchmark failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}
