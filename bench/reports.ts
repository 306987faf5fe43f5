/**
 * `npm run bench -- --only reports` (issue #19): seeds a 90-day history through the real tables (so
 * the report triggers write their events as the application's writes do), folds it into the
 * rollups (timed), then times every report over the 90 days: p50/p99 of BENCH_REPORT_ITERATIONS
 * runs each, calling the report functions the routes call (the HTTP layer adds about a millisecond).
 * SQLite: BENCH_REPORT_CONVERSATIONS (default 100,000) x 10 messages = 1,000,000 messages.
 * PostgreSQL when BENCH_PG_URL is set: BENCH_REPORT_PG_CONVERSATIONS (default 100,000) x 10, seeded
 * set-based (INSERT ... SELECT into the real tables, so the same triggers fire; see seedSets).
 * BENCH_REPORT_REUSE=1 reuses a history this bench seeded before in the same database (PostgreSQL)
 * or in BENCH_REPORT_SQLITE_DIR (a folder kept for the SQLite file), migrating it to the latest
 * schema first, instead of seeding and folding again (minutes at 1,000,000 messages).
 * BENCH_REPORT_ANSWERS=<path> writes every report's answer to <path>.<dialect>.json (to compare
 * two versions of the code on one history).
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import SQLite from 'better-sqlite3';
import { type Insertable, sql } from 'kysely';
import pg from 'pg';
import { configuredBusinessHours } from '../src/reports/business-time.ts';
import { foldReportEvents } from '../src/reports/fold-report-events.ts';
import { hourRange, type ReportRange } from '../src/reports/report-periods.ts';
import {
  agentsReport,
  botReport,
  broadcastsReport,
  conversationsReport,
  costsReport,
  messagesReport,
  responseTimesReport,
  templatesReport,
} from '../src/reports/report-queries.ts';
import type { Database } from '../src/storage/database-types.ts';
import { openStorage, type Storage } from '../src/storage/open-database.ts';
import { resetPostgres } from '../test/support/reset-postgres.ts';

const DAY = 86_400_000;
const MSGS = 10;
const AIM_MS = { sqlite: 500, postgres: 200 } as const;

export interface ReportBenchRun {
  dialect: 'sqlite' | 'postgres';
  conversations: number;
  messages: number;
  seedSeconds: number;
  foldSeconds: number;
  foldEventsPerSecond: number;
  rollupRows: number;
  iterations: number;
  aimP99Ms: number;
  reports: Array<{ name: string; p50Ms: number; p99Ms: number; cpuP50Ms: number; cpuP99Ms: number; rows: number }>;
  foldCpuSeconds: number;
  loadAverage: number[];
}

/** The numbers, 20 agents and 4 teams both seeds share. */
async function seedPeople(storage: Storage, now: number): Promise<{ channels: string[]; agents: string[]; teams: string[] }> {
  const db = storage.db;
  const channels = ['wa_rep_1', 'wa_rep_2'];
  for (const id of channels)
    await db
      .insertInto('channels')
      .values({ id, kind: 'whatsapp', account_id: id, business_account_id: null, display_phone_number: null, name: id, created_at: now })
      .execute();
  const agents = Array.from({ length: 20 }, (_, i) => `usr_rep_${i}`);
  await db
    .insertInto('users')
    .values(
      agents.map((id, i) => ({
        id,
        email: `rep${i}@bench.example`,
        name: `Agent ${i}`,
        role: 'agent',
        password_hash: 'x',
        visibility: 'all',
        capacity: 10,
        availability: 'online',
        created_at: now,
        updated_at: now,
        deleted_at: null,
      })),
    )
    .execute();
  const teams = ['team_rep_0', 'team_rep_1', 'team_rep_2', 'team_rep_3'];
  await db
    .insertInto('teams')
    .values(teams.map((id) => ({ id, name: id, description: null, created_at: now, updated_at: now })))
    .execute();
  return { channels, agents, teams };
}

/** SQLite: row by row through Kysely, 1,000 conversations a transaction. */
async function seedRows(storage: Storage, conversations: number, now: number, say: (l: string) => void): Promise<void> {
  const db = storage.db;
  // mulberry32: a full-period 32-bit generator (the earlier LCG lost precision in a double and
  // gave ~14,000 distinct draws in 100,000, so conversations bunched into a few hundred hours).
  let state = 7;
  const rand = () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const { channels, agents, teams } = await seedPeople(storage, now);
  const start = now - 90 * DAY;
  const t0 = performance.now();
  const BATCH = 1000;
  for (let done = 0; done < conversations; done += BATCH) {
    const n = Math.min(BATCH, conversations - done);
    const contacts: Array<Insertable<Database['contacts']>> = [];
    const convs: Array<Insertable<Database['conversations']>> = [];
    const messages: Array<Insertable<Database['messages']>> = [];
    const assign: Array<{ id: string; agent: string; team: string; at: number }> = [];
    const resolve: Array<{ id: string; status: string; at: number }> = [];
    const templates: string[] = [];
    for (let i = 0; i < n; i++) {
      const k = done + i;
      const contact = `con_rep_${k}`;
      const phone = `+52155${String(10_000_000 + k).slice(-8)}`;
      contacts.push({
        id: contact,
        channel_kind: 'whatsapp',
        external_id: phone.slice(1),
        phone_e164: phone,
        profile_name: null,
        created_at: start,
        updated_at: start,
      });
      const id = `conv_rep_${k}`;
      const channel = channels[k % 2] as string;
      const at = start + Math.floor(rand() * 89 * DAY);
      convs.push({
        id,
        channel_id: channel,
        contact_id: contact,
        status: 'active',
        last_message_at: at,
        last_customer_message_at: at,
        last_message_preview: null,
        unread_count: 0,
        created_at: at,
        updated_at: at,
      });
      const agent = agents[Math.floor(rand() * agents.length)] as string;
      const human = rand() < 0.6;
      let t = at;
      const broadcast = rand() < 0.1;
      for (let m = 0; m < MSGS; m++) {
        const mid = `msg_rep_${k}_${m}`;
        const out = m % 2 === 1 || (broadcast && m === 0);
        // Replies take seconds to hours (log-uniform); customers answer within minutes.
        t += out ? Math.floor(Math.exp(rand() * Math.log(4 * 3_600_000))) : Math.floor(rand() * 600_000);
        const template = broadcast && m === 0;
        const author = !out ? null : template ? 'broadcast:bc_rep' : m === 1 || !human ? 'bot:flow:rep' : `agent:${agent}`;
        messages.push({
          id: mid,
          conversation_id: id,
          channel_id: channel,
          direction: out ? 'out' : 'in',
          kind: template ? 'template' : rand() < 0.9 ? 'text' : 'image',
          text: 'x',
          content: template ? JSON.stringify({ type: 'template', name: 'rep_promo', language: 'es_MX' }) : '{}',
          status: out ? 'sent' : 'received',
          sent_at: t,
          created_at: t,
          attempts: 0,
          author,
          template_name: template ? 'rep_promo' : null,
          price_estimate: out ? 0.01 : null,
        });
        if (template) templates.push(mid);
      }
      if (human) assign.push({ id, agent, team: teams[k % teams.length] as string, at: at + 60_000 });
      const r = rand();
      if (r < 0.8) resolve.push({ id, status: r < 0.5 ? 'archived' : 'closed', at: t + 600_000 });
    }
    await db.transaction().execute(async (trx) => {
      await trx.insertInto('contacts').values(contacts).execute();
      await trx.insertInto('conversations').values(convs).execute();
      for (let j = 0; j < messages.length; j += 500)
        await trx
          .insertInto('messages')
          .values(messages.slice(j, j + 500))
          .execute();
      for (const a of assign)
        await trx
          .updateTable('conversations')
          .set({ assignee_id: a.agent, team_id: a.team, updated_at: a.at })
          .where('id', '=', a.id)
          .execute();
      if (templates.length > 0) {
        await trx
          .updateTable('messages')
          .set({ status: 'delivered', status_at: sql`created_at + 5000` })
          .where('id', 'in', templates)
          .execute();
        await trx
          .updateTable('messages')
          .set({ pricing_category: 'marketing', billable: 1, price: 0.0125, currency: 'USD' })
          .where('id', 'in', templates)
          .execute();
      }
      for (const x of resolve)
        await trx.updateTable('conversations').set({ status: x.status, updated_at: x.at }).where('id', '=', x.id).execute();
    });
    if ((done + n) % 50_000 === 0 || done + n === conversations)
      say(`    seeded ${(done + n).toLocaleString('en')} conversations (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
  }
}

/**
 * PostgreSQL: the same history set-based, 5,000 conversations a transaction: INSERT ... SELECT
 * over generate_series into the real contacts, conversations and messages tables, then UPDATEs of
 * the assignee and team, the broadcast templates' status and price, and the resolutions, in that
 * order, as the row-by-row seed writes them. Every row trigger fires as it does for the
 * application's writes (the report triggers among them, one report event per row and change), so
 * the fold reads the same events; only the client round trips are gone. Random numbers come from
 * random() after setseed per chunk (the same history every run, not the SQLite seed's).
 */
async function seedSets(storage: Storage, conversations: number, now: number, say: (l: string) => void): Promise<void> {
  await seedPeople(storage, now);
  const start = now - 90 * DAY;
  const t0 = performance.now();
  // 5,000 conversations (50,000 messages) a transaction: PostgreSQL's fold and sync cursor wait for
  // the oldest running transaction on the whole server, so a long one would hold back others' work.
  const CHUNK = 5_000;
  const reply = Math.log(4 * 3_600_000);
  for (let lo = 0; lo < conversations; lo += CHUNK) {
    const hi = Math.min(conversations, lo + CHUNK);
    await storage.db.transaction().execute(async (trx) => {
      const run = (q: string) => sql.raw(q).execute(trx);
      // Joins by primary key from the chunk's few rows, never a scan of millions.
      await run('set local enable_hashjoin = off');
      await run('set local enable_mergejoin = off');
      await run(`select setseed(${((lo / CHUNK) % 1000) / 1000})`);
      // Per conversation: opened at, agent, human (60 %), opened by a broadcast template (10 %), resolution draw.
      await run(`create temp table bench_conv on commit drop as
        select k, ${start}::bigint + floor(random() * ${89 * DAY})::bigint as at, floor(random() * 20)::int as agent_i,
          random() < 0.6 as human, random() < 0.1 as broadcast, random() as r
        from generate_series(${lo}, ${hi - 1}) k`);
      await run('alter table bench_conv add primary key (k)');
      // Per message: replies take seconds to hours (log-uniform), customers answer within minutes.
      await run(`create temp table bench_msg on commit drop as
        select k, m, out, tmpl, kind, at + sum(gap) over (partition by k order by m) as t from (
          select c.k, g.m, c.at, (g.m % 2 = 1 or (c.broadcast and g.m = 0)) as out, (c.broadcast and g.m = 0) as tmpl,
            random() as u1, random() as u2
          from bench_conv c cross join generate_series(0, ${MSGS - 1}) g(m)) x,
        lateral (select case when x.out then floor(exp(x.u1 * ${reply}))::bigint else floor(x.u1 * 600000)::bigint end as gap,
          case when x.tmpl then 'template' when x.u2 < 0.9 then 'text' else 'image' end as kind) y`);
      await run('analyze bench_conv');
      await run(`insert into contacts (id, channel_kind, external_id, phone_e164, profile_name, created_at, updated_at)
        select 'con_rep_' || k, 'whatsapp', '52155' || (10000000 + k), '+52155' || (10000000 + k), null, ${start}, ${start}
        from bench_conv order by k`);
      await run(`insert into conversations (id, channel_id, contact_id, status, last_message_at, last_customer_message_at,
          last_message_preview, unread_count, created_at, updated_at)
        select 'conv_rep_' || k, case when k % 2 = 0 then 'wa_rep_1' else 'wa_rep_2' end, 'con_rep_' || k, 'active', at, at, null, 0, at, at
        from bench_conv order by k`);
      await run(`insert into messages (id, conversation_id, channel_id, direction, kind, text, content, status, sent_at, created_at,
          attempts, author, template_name, price_estimate)
        select 'msg_rep_' || b.k || '_' || b.m, 'conv_rep_' || b.k, case when b.k % 2 = 0 then 'wa_rep_1' else 'wa_rep_2' end,
          case when b.out then 'out' else 'in' end, b.kind, 'x',
          case when b.tmpl then '{"type":"template","name":"rep_promo","language":"es_MX"}' else '{}' end,
          case when b.out then 'sent' else 'received' end, b.t, b.t, 0,
          case when not b.out then null when b.tmpl then 'broadcast:bc_rep' when b.m = 1 or not c.human then 'bot:flow:rep'
            else 'agent:usr_rep_' || c.agent_i end,
          case when b.tmpl then 'rep_promo' end, case when b.out then 0.01 end
        from bench_msg b join bench_conv c using (k) order by b.k, b.m`);
      await run(`update conversations v set assignee_id = 'usr_rep_' || c.agent_i, team_id = 'team_rep_' || (c.k % 4),
          updated_at = c.at + 60000
        from bench_conv c where c.human and v.id = 'conv_rep_' || c.k`);
      await run(`update messages m set status = 'delivered', status_at = m.created_at + 5000
        from bench_conv c where c.broadcast and m.id = 'msg_rep_' || c.k || '_0'`);
      await run(`update messages m set pricing_category = 'marketing', billable = 1, price = 0.0125, currency = 'USD'
        from bench_conv c where c.broadcast and m.id = 'msg_rep_' || c.k || '_0'`);
      await run(`update conversations v set status = case when c.r < 0.5 then 'archived' else 'closed' end, updated_at = x.last + 600000
        from bench_conv c join (select k, max(t) as last from bench_msg group by k) x using (k)
        where c.r < 0.8 and v.id = 'conv_rep_' || c.k`);
    });
    if (hi % 50_000 === 0 || hi === conversations)
      say(`    seeded ${hi.toLocaleString('en')} conversations (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
  }
}

export async function runReportBench(opts: {
  dialect: 'sqlite' | 'postgres';
  conversations: number;
  iterations: number;
  pgUrl?: string;
  /** Reuse a history seeded earlier (seededNow) instead of seeding again: saves minutes per try. */
  reuse?: boolean;
  sqliteDir?: string;
  say: (line: string) => void;
}): Promise<ReportBenchRun> {
  // BENCH_REPORT_SQLITE_DIR keeps the SQLite file there (not in a temporary folder removed after).
  const keptDir = opts.dialect === 'sqlite' ? opts.sqliteDir : undefined;
  const dataDir = keptDir ?? mkdtempSync(join(tmpdir(), 'switchboard-report-bench-'));
  const seeded = opts.reuse ? await seededNow(opts, dataDir) : null;
  if (seeded === null && opts.dialect === 'postgres') await resetPostgres(opts.pgUrl as string);
  if (seeded === null && keptDir) rmSync(join(keptDir, 'switchboard.sqlite'), { force: true });
  const storage = await openStorage({ dataDir, ...(opts.dialect === 'postgres' ? { databaseUrl: opts.pgUrl } : {}) });
  try {
    const now = seeded ?? Date.now();
    const t0 = performance.now();
    if (seeded !== null) opts.say(`    reusing the history already seeded (${new Date(now).toISOString()}); migrations applied`);
    else if (opts.dialect === 'postgres') await seedSets(storage, opts.conversations, now, opts.say);
    else await seedRows(storage, opts.conversations, now, opts.say);
    const seedSeconds = (performance.now() - t0) / 1000;
    const events = Number((await storage.db.selectFrom('report_events').select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow()).n);
    opts.say(`    folding ${events.toLocaleString('en')} report events ...`);
    const hours = configuredBusinessHours({
      flows: { businessHours: { start: '09:00', end: '18:00' }, businessTimezone: 'America/Mexico_City' },
    });
    const t1 = performance.now();
    const c1 = process.cpuUsage();
    await foldReportEvents(storage, hours);
    const foldSeconds = (performance.now() - t1) / 1000;
    const foldCpu = process.cpuUsage(c1);
    opts.say(`    folded in ${foldSeconds.toFixed(1)} s wall, ${((foldCpu.user + foldCpu.system) / 1e6).toFixed(1)} s CPU`);
    await sql`analyze`.execute(storage.db);
    let rollupRows = 0;
    const tableRows: string[] = [];
    for (const t of [
      'report_volume',
      'report_times',
      'report_time_blocks',
      'report_team_time_blocks',
      'report_templates',
      'report_costs',
      'report_agents',
      'report_bot',
    ] as const) {
      const n = Number((await storage.db.selectFrom(t).select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow()).n);
      rollupRows += n;
      tableRows.push(`${t} ${n.toLocaleString('en')}`);
    }
    opts.say(`    rollup rows: ${tableRows.join(', ')}`);

    const db = storage.db;
    const range = (interval: ReportRange['interval']): ReportRange => ({
      ...hourRange(now - 90 * DAY, now),
      timeZone: 'America/Mexico_City',
      interval,
    });
    const cases: Array<[string, () => Promise<unknown[]>]> = [
      ['conversations by day', () => conversationsReport(db, range('day'), { byChannel: false })],
      ['messages by day, sender and type', () => messagesReport(db, range('day'), { groupBy: ['sender', 'kind'] })],
      ['messages by hour', () => messagesReport(db, range('hour'), { groupBy: [] })],
      ['response times per agent (90 days)', () => responseTimesReport(db, range('none'), { groupBy: 'agent', businessHours: false })],
      ['response times by day, business hours', () => responseTimesReport(db, range('day'), { groupBy: 'none', businessHours: true })],
      ['response times per team by week', () => responseTimesReport(db, range('week'), { groupBy: 'team', businessHours: false })],
      // The same three read from report_times alone (every hour summed in the database): a second
      // way to the same answers, timed beside the blocks on the same data.
      ...(process.env.BENCH_REPORT_BEFORE === '1'
        ? ([
            [
              'hourly rows: response times per agent (90 days)',
              () => responseTimesReport(db, range('none'), { groupBy: 'agent', businessHours: false }, 'hours'),
            ],
            [
              'hourly rows: response times by day, business hours',
              () => responseTimesReport(db, range('day'), { groupBy: 'none', businessHours: true }, 'hours'),
            ],
            [
              'hourly rows: response times per team by week',
              () => responseTimesReport(db, range('week'), { groupBy: 'team', businessHours: false }, 'hours'),
            ],
          ] as Array<[string, () => Promise<unknown[]>]>)
        : []),
      ['agents', () => agentsReport(db, range('none'), { now })],
      ['bot containment by day', () => botReport(db, range('day'), {})],
      ['templates by day', () => templatesReport(db, range('day'), { groupBy: ['template', 'language'] })],
      ['broadcasts', () => broadcastsReport(db, range('none'), {})],
      ['costs by day, category and country', () => costsReport(db, range('day'), { groupBy: ['category', 'country'], currency: 'USD' })],
    ];
    // The blocks (per agent, and summed over agents) answer as report_times summed hour by hour.
    for (const [interval, f] of [
      ['none', { groupBy: 'agent', businessHours: false }],
      ['day', { groupBy: 'none', businessHours: true }],
      ['week', { groupBy: 'team', businessHours: false }],
    ] as const) {
      const same =
        JSON.stringify(await responseTimesReport(db, range(interval), f)) ===
        JSON.stringify(await responseTimesReport(db, range(interval), f, 'hours'));
      opts.say(`    response times by ${interval} per ${f.groupBy}: blocks and hourly rows answer ${same ? 'the same' : 'DIFFERENTLY'}`);
    }
    const reports: ReportBenchRun['reports'] = [];
    // BENCH_REPORT_ANSWERS=<file>: every report's answer, to compare two versions of the code on one history.
    const answers: Record<string, unknown[]> = {};
    for (const [name, run] of cases) {
      // Each request first folds the pending events (none here: one indexed query).
      const once = async () => {
        await foldReportEvents(storage, hours);
        return run();
      };
      for (let i = 0; i < 3; i++) await once();
      const times: number[] = [];
      const cpu: number[] = [];
      let rows = 0;
      for (let i = 0; i < opts.iterations; i++) {
        const s = performance.now();
        const c = process.cpuUsage();
        const answer = await once();
        rows = answer.length;
        answers[name] = answer;
        times.push(performance.now() - s);
        const used = process.cpuUsage(c);
        cpu.push((used.user + used.system) / 1000);
      }
      const pct = (xs: number[], p: number) => {
        const sorted = [...xs].sort((a, b) => a - b);
        return Math.round((sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? 0) * 10) / 10;
      };
      const r = { name, p50Ms: pct(times, 0.5), p99Ms: pct(times, 0.99), cpuP50Ms: pct(cpu, 0.5), cpuP99Ms: pct(cpu, 0.99), rows };
      reports.push(r);
      opts.say(
        `    ${name}: wall p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms; this process's CPU p50 ${r.cpuP50Ms} ms, p99 ${r.cpuP99Ms} ms (${rows} rows)`,
      );
    }
    if (process.env.BENCH_REPORT_ANSWERS)
      writeFileSync(`${process.env.BENCH_REPORT_ANSWERS}.${opts.dialect}.json`, JSON.stringify(answers));
    return {
      dialect: opts.dialect,
      conversations: opts.conversations,
      messages: opts.conversations * MSGS,
      seedSeconds: Math.round(seedSeconds),
      foldSeconds: Math.round(foldSeconds * 10) / 10,
      foldEventsPerSecond: Math.round(events / foldSeconds),
      foldCpuSeconds: Math.round((foldCpu.user + foldCpu.system) / 1e5) / 10,
      loadAverage: loadavg().map((x) => Math.round(x * 10) / 10),
      rollupRows,
      iterations: opts.iterations,
      aimP99Ms: AIM_MS[opts.dialect],
      reports,
    };
  } finally {
    await storage.close();
    if (!keptDir) rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * BENCH_REPORT_REUSE=1: the `now` of a history this bench seeded earlier in the same database (or
 * kept SQLite folder), when it holds exactly the conversations asked for; null to seed afresh.
 * Read without migrating, so a database at an older migration is migrated by openStorage after.
 */
async function seededNow(
  opts: { dialect: 'sqlite' | 'postgres'; conversations: number; pgUrl?: string },
  dataDir: string,
): Promise<number | null> {
  const query = `select (select count(*) from conversations where id like 'conv_rep_%') as n,
    (select created_at from contacts where id = 'con_rep_0') as start`;
  let row: { n: number | string; start: number | string | null } | undefined;
  try {
    if (opts.dialect === 'postgres') {
      const client = new pg.Client({ connectionString: opts.pgUrl });
      await client.connect();
      try {
        row = (await client.query(query)).rows[0];
      } finally {
        await client.end();
      }
    } else {
      const file = join(dataDir, 'switchboard.sqlite');
      if (!existsSync(file)) return null;
      const db = new SQLite(file, { readonly: true });
      try {
        row = db.prepare(query).get() as typeof row;
      } finally {
        db.close();
      }
    }
  } catch {
    return null; // no tables yet
  }
  if (!row || Number(row.n) !== opts.conversations || row.start === null) return null;
  // The seed's contacts are created at the start of the 90 days (now - 90 days).
  return Number(row.start) + 90 * DAY;
}

export function reportBenchPlans(): Array<Omit<Parameters<typeof runReportBench>[0], 'say'>> {
  const iterations = Number(process.env.BENCH_REPORT_ITERATIONS ?? 100);
  const reuse = process.env.BENCH_REPORT_REUSE === '1';
  const plans: Array<Omit<Parameters<typeof runReportBench>[0], 'say'>> = [];
  if (process.env.BENCH_REPORT_SQLITE !== '0')
    plans.push({
      dialect: 'sqlite',
      conversations: Number(process.env.BENCH_REPORT_CONVERSATIONS ?? 100_000),
      iterations,
      reuse,
      ...(process.env.BENCH_REPORT_SQLITE_DIR ? { sqliteDir: process.env.BENCH_REPORT_SQLITE_DIR } : {}),
    });
  if (process.env.BENCH_PG_URL)
    plans.push({
      dialect: 'postgres',
      conversations: Number(process.env.BENCH_REPORT_PG_CONVERSATIONS ?? 100_000),
      iterations,
      reuse,
      pgUrl: process.env.BENCH_PG_URL,
    });
  return plans;
}

/** `--only reports`: every plan in turn, printed as it goes, written to bench-reports-results.json. */
export async function runReportsPhase(say: (line: string) => void): Promise<void> {
  const runs: ReportBenchRun[] = [];
  for (const plan of reportBenchPlans()) {
    say(`(reports) ${plan.dialect}, ${plan.conversations.toLocaleString('en')} conversations x ${MSGS} messages over 90 days ...`);
    runs.push(await runReportBench({ ...plan, say }));
  }
  const path = new URL('../bench-reports-results.json', import.meta.url);
  writeFileSync(path, `${JSON.stringify({ timestamp: new Date().toISOString(), runs }, null, 2)}\n`);
  say(`Wrote ${path.pathname}`);
}
