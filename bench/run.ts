/**
 * `npm run bench`: Switchboard's performance figures on this machine, over loopback.
 *   (a) the ceiling: a bare node:http server that checks the signature and parses the JSON;
 *   (b) Switchboard (SQLite, role all, demo bot) under the same signed-webhook load;
 *   (c) webhook -> reply time at 300 messages/s through the simulator;
 *   (d) the highest sustained rate at which every reply leaves within 1 s;
 *   (e) inbox list queries: p99 of the first page per filter on a seeded inbox (bench/list-queries.ts);
 *   (f) flow sessions: 1,000 concurrent sessions through a 10-block flow (bench/flow-sessions.ts);
 *   (p) paced load (issue #16): a no-storage reference, a durable floor (the reference plus the least
 *       storage that keeps the guarantees) and Switchboard at 100 and 300 msg/s with real status callbacks, CPU per whole message, loop utilisation, reply p50/p99, and Switchboard's
 *       statements, commits and WAL per message (bench/paced.ts).
 * BENCH_LIST=1 runs only (e), at the issue's sizes (and on PostgreSQL when BENCH_PG_URL is set).
 * `npm run bench -- --only paced [--runs 3]` runs only (p), repeated, and prints the medians
 * (bench-paced-results.json); BENCH_PG_URL adds Switchboard on PostgreSQL to (p).
 * `npm run bench -- --only broadcast` runs only the broadcast phase (issue #17, bench/broadcast.ts):
 * 20,000 recipients at 1,000 msg/s, then the default 80 msg/s (bench-broadcast-results.json); with
 * BENCH_PG_URL (a test database, emptied) each also on PostgreSQL (BENCH_BROADCAST_SQLITE=0: only there).
 * `npm run bench -- --only ai`: the offline AI assistant over 1,000 articles (issue #18, bench/ai-assistant.ts;
 * bench-ai-results.json).
 * `npm run bench -- --only reports`: every report over 90 days on a seeded history (issue #19, bench/reports.ts;
 * bench-reports-results.json).
 * `npm run bench -- --only web [--runs 3]`: the web app in Chromium over a 10,000-conversation inbox (issue #15,
 * bench/web-inbox.ts, one child process per run; medians in bench-web-results.json).
 * `npm run bench -- --only telegram-client`: 10,000 sendMessage calls through the Telegram adapter's raw Bot API
 * client and through grammY, alternated twice, against the Telegram simulator (issue #20, bench/telegram-client.ts;
 * bench-telegram-client-results.json).
 * Each server runs in its own child process; the load generator and the simulator run here.
 * Writes bench-results.json in the repository root. See docs/benchmarks.md.
 */
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import type { Simulator } from '../src/simulator/index.ts';
import { renderAiBench, runAiBench } from './ai-assistant.ts';
import { renderBroadcastRun, runBroadcastBench } from './broadcast.ts';
import { runEndToEnd } from './end-to-end.ts';
import { runFlowSessionsBench } from './flow-sessions.ts';
import { listBenchPlans, renderListBench, runListBenchmark, type ListBenchRun } from './list-queries.ts';
import { writeFileSync } from 'node:fs';
import { loadAverage, machineInfo } from './machine.ts';
import { renderPaced, runPacedPhase } from './paced.ts';
import { runReportsPhase } from './reports.ts';
import { evaluateAims, renderReport, writeResults, type BenchResults } from './report.ts';
import { SECRETS, settings } from './settings.ts';
import { startBenchSimulator } from './simulator-host.ts';
import { round } from './stats.ts';
import { runCustomerTraffic } from './customer-traffic.ts';
import { runSustainedRate } from './sustained-rate.ts';
import { settle, startWiredSwitchboard, switchboardSpec } from './switchboard-with-simulator.ts';
import type { TargetHandle } from './target-client.ts';
import { webhookBodyGenerator } from './webhook-bodies.ts';
import { measureWebhookTarget } from './webhook-phase.ts';
import { runTelegramClientBench, tgClientBenchOptions } from './telegram-client.ts';
import { runTelegramBench } from './telegram-webhooks.ts';
import { runWebPhase } from './web-phase.ts';

const resultsPath = fileURLToPath(new URL('../bench-results.json', import.meta.url));
const pacedResultsPath = fileURLToPath(new URL('../bench-paced-results.json', import.meta.url));
const broadcastResultsPath = fileURLToPath(new URL('../bench-broadcast-results.json', import.meta.url));

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const only = argValue('--only');
const repetitions = Math.max(1, Number(argValue('--runs') ?? 1) || 1);
const say = (line: string) => process.stdout.write(`${line}\n`);

async function runListQueries(full: boolean): Promise<ListBenchRun[]> {
  const runs: ListBenchRun[] = [];
  for (const plan of listBenchPlans(full)) {
    say(`(e) list queries on ${plan.dialect}, ${plan.conversations.toLocaleString('en')} conversations ...`);
    const run = await runListBenchmark({ ...plan, say });
    say(renderListBench(run));
    runs.push(run);
  }
  return runs;
}

async function main(): Promise<void> {
  const t0 = performance.now();
  if (process.env.BENCH_LIST === '1') {
    await runListQueries(true);
    return;
  }
  if (only === 'reports') {
    await runReportsPhase(say);
    return;
  }
  if (only === 'web') {
    await runWebPhase(repetitions, say);
    return;
  }
  const machine = machineInfo();
  say(
    `Switchboard benchmark on ${machine.cpuModel} x ${machine.cpuCount}, Node ${machine.node}${settings.quick ? ' (BENCH_QUICK)' : ''}, load average ${machine.loadAverageAtStart.join(' ')}`,
  );
  if (only === 'telegram-client') {
    // Issue 20: the raw Bot API client against grammY; its own simulator process, no Cloud API simulator.
    const opts = tgClientBenchOptions();
    say(
      `(telegram-client) ${opts.calls.toLocaleString('en')} sendMessage calls over ${opts.chats} chats, ${opts.concurrency} in flight, raw / grammY alternated ...`,
    );
    const run = await runTelegramClientBench(say, opts);
    const out = { timestamp: new Date().toISOString(), machine: { ...machine, loadAverageAtEnd: loadAverage() }, ...run };
    const path = fileURLToPath(new URL('../bench-telegram-client-results.json', import.meta.url));
    writeFileSync(path, `${JSON.stringify(out, null, 2)}\n`);
    say(`Load average at end ${out.machine.loadAverageAtEnd.join(' ')}. Wrote ${path}`);
    return;
  }
  if (only === 'ai') {
    // Issue 18: the offline assistant's latency and retrieval quality (bench/ai-assistant.ts); no simulator needed.
    const run = await runAiBench();
    say(renderAiBench(run));
    const out = { timestamp: new Date().toISOString(), machine: { ...machine, loadAverageAtEnd: loadAverage() }, run };
    writeFileSync(fileURLToPath(new URL('../bench-ai-results.json', import.meta.url)), `${JSON.stringify(out, null, 2)}\n`);
    return;
  }
  const sim: Simulator = await startBenchSimulator();
  if (only === 'paced') {
    try {
      const paced = await runPacedPhase(sim, { repetitions, say });
      const out = {
        timestamp: new Date().toISOString(),
        durationSeconds: round((performance.now() - t0) / 1000, 1),
        machine: { ...machine, loadAverageAtEnd: loadAverage() },
        paced,
      };
      writeFileSync(pacedResultsPath, `${JSON.stringify(out, null, 2)}\n`);
      say(renderPaced(paced));
      say(`Load average at end ${out.machine.loadAverageAtEnd.join(' ')}. Wrote ${pacedResultsPath}`);
    } finally {
      await sim.close().catch(() => undefined);
    }
    return;
  }
  if (only === 'broadcast') {
    try {
      const runs = [];
      // BENCH_BROADCAST_RECIPIENTS shrinks the 1,000 msg/s run; the 80 msg/s run lasts about 40 s
      // (BENCH_BROADCAST_RECIPIENTS_80 sets its size); BENCH_BROADCAST_LIMITS=80 runs one of them.
      const limits = process.env.BENCH_BROADCAST_LIMITS?.split(',').map(Number);
      for (const [limit, recipients, prefix] of [
        [1000, Number(process.env.BENCH_BROADCAST_RECIPIENTS ?? (settings.quick ? 2000 : 20_000)), '141570'],
        [80, Number(process.env.BENCH_BROADCAST_RECIPIENTS_80 ?? (settings.quick ? 400 : 3200)), '141580'],
      ] as const) {
        if (limits && !limits.includes(limit)) continue;
        // BENCH_PG_URL (a test database, emptied first) adds the same run on PostgreSQL; BENCH_BROADCAST_SQLITE=0 leaves SQLite out.
        const databases = [
          ...(process.env.BENCH_BROADCAST_SQLITE === '0' ? [] : [undefined]),
          ...(process.env.BENCH_PG_URL ? [process.env.BENCH_PG_URL] : []),
        ];
        for (const databaseUrl of databases) {
          say(
            `(broadcast) ${databaseUrl ? 'PostgreSQL' : 'SQLite'}: ${recipients.toLocaleString('en')} recipients, the number's limit ${limit} msg/s ...`,
          );
          const run = await runBroadcastBench(sim, {
            limit,
            recipients,
            phonePrefix: databaseUrl ? `${prefix.slice(0, -1)}9` : prefix,
            say,
            ...(databaseUrl ? { databaseUrl } : {}),
          });
          say(renderBroadcastRun(run));
          runs.push(run);
        }
      }
      const out = { timestamp: new Date().toISOString(), machine: { ...machine, loadAverageAtEnd: loadAverage() }, runs };
      writeFileSync(broadcastResultsPath, `${JSON.stringify(out, null, 2)}\n`);
      say(`Load average at end ${out.machine.loadAverageAtEnd.join(' ')}. Wrote ${broadcastResultsPath}`);
    } finally {
      await sim.close().catch(() => undefined);
    }
    return;
  }
  if (only === 'telegram') {
    try {
      await runTelegramBench(say);
    } finally {
      await sim.close().catch(() => undefined);
    }
    return;
  }
  if (only !== undefined)
    throw new Error(`--only knows these phases: paced, broadcast, ai, telegram, telegram-client, reports, web (got ${only})`);
  let wired: TargetHandle | undefined;
  try {
    const next = webhookBodyGenerator(sim, SECRETS.appSecret);
    const load = settings.webhookLoad;
    const common = { next, connections: load.connections, warmupSeconds: load.warmupSeconds, durationSeconds: load.durationSeconds };

    say('(a) bare node:http server (signature + JSON.parse) ...');
    const bare = await measureWebhookTarget({ ...common, label: 'bare', spec: { type: 'bare', appSecret: SECRETS.appSecret } });
    say(`    ${bare.requestsPerSec} req/s, p50 ${bare.latency.p50} ms, p99 ${bare.latency.p99} ms`);

    // The simulator has no webhook URL yet: Switchboard's replies reach it, but their status
    // callbacks are dropped, so both targets receive exactly the autocannon load.
    const countReplies = () => sim.outbound().length;
    say('(b) Switchboard, role all (SQLite, demo bot replying through the simulator) ...');
    const sb = await measureWebhookTarget({
      ...common,
      label: 'switchboard',
      spec: { type: 'switchboard', spec: switchboardSpec(sim, 'all') },
      countReplies,
    });
    say(
      `    ${sb.requestsPerSec} req/s, p50 ${sb.latency.p50} ms, p99 ${sb.latency.p99} ms (${round((sb.requestsPerSec / bare.requestsPerSec) * 100, 1)} % of bare)`,
    );

    say("(b') Switchboard, role web (acknowledgement path only, no processing) ...");
    const web = await measureWebhookTarget({
      ...common,
      label: 'switchboard-web',
      spec: { type: 'switchboard', spec: switchboardSpec(sim, 'web') },
    });
    say(`    ${web.requestsPerSec} req/s, p50 ${web.latency.p50} ms, p99 ${web.latency.p99} ms`);

    say('Starting a fresh Switchboard wired to the simulator for (c) and (d) ...');
    wired = await startWiredSwitchboard(sim);
    // Warm the JIT and connection pools on both sides; not measured.
    const warm = await runCustomerTraffic({
      sim,
      ratePerSecond: 100,
      durationSeconds: 1,
      areaCode: '212',
      label: 'warmup',
      graceMs: 2_000,
      deadlineMs: 1_000,
    });
    await settle(sim, wired, 10_000);
    if (warm.replied < warm.sent) {
      const d = await wired.diagnostics();
      say(`    WARNING: only ${warm.replied}/${warm.sent} warm-up messages got a reply. Switchboard reports:`);
      say(
        `      ${d.failedEvents} failed / ${d.eventErrors} errored webhook events${d.firstEventError ? ` (first: ${d.firstEventError})` : ''}`,
      );
      say(
        `      ${d.failedJobs} failed jobs${d.firstJobError ? ` (first: ${d.firstJobError})` : ''}; messages ${JSON.stringify(d.messagesByStatus)}`,
      );
    }

    say(`(c) end to end at ${settings.endToEnd.ratePerSecond} msg/s for ${settings.endToEnd.durationSeconds} s ...`);
    const e2e = await runEndToEnd(sim, wired, settings.endToEnd);
    say(`    replies ${e2e.replied}/${e2e.sent}, p50 ${e2e.reply.p50} ms, p99 ${e2e.reply.p99} ms`);

    say('(d) sustained rate ...');
    const target = wired;
    const sustained = await runSustainedRate(sim, target, settings.sustained, {
      beforeStep: async () => {
        await new Promise((r) => setTimeout(r, 200));
        const idle = await settle(sim, target, settings.sustained.settleTimeoutMs);
        if (!idle) say(`    (Switchboard still busy after ${settings.sustained.settleTimeoutMs / 1000} s; starting the step anyway)`);
        return idle;
      },
      onStep: (s) =>
        say(
          `    ${s.ratePerSecond} msg/s: ${s.passed ? 'pass' : 'FAIL'}  replies ${s.replied}/${s.sent}, p50 ${s.reply.p50} ms, p99 ${s.reply.p99} ms, max ${s.reply.max} ms${s.why ? `  (${s.why})` : ''}`,
        ),
    });

    await settle(sim, target, 5_000);
    const diagnostics = await target.diagnostics();
    const sqlStats = await target.sqlStats();
    // BENCH_PARTS=abcd skips (e), (f) and (p) when iterating on the message pipeline.
    const parts = process.env.BENCH_PARTS ?? 'abcdefp';
    const listQueries = parts.includes('e') ? await runListQueries(false) : undefined;
    // (f) brings its own simulator and Switchboard process, so nothing above affects it.
    const flows = parts.includes('f') ? await runFlowSessionsBench({ say }) : undefined;
    // (p) starts its own targets; the simulator's webhook URL moves to each in turn.
    const paced = parts.includes('p') ? await runPacedPhase(sim, { repetitions, say }) : undefined;

    const partial: Omit<BenchResults, 'aims'> = {
      timestamp: new Date().toISOString(),
      durationSeconds: round((performance.now() - t0) / 1000, 1),
      machine: { ...machine, loadAverageAtEnd: loadAverage() },
      settings,
      webhookLoad: { bare, switchboard: sb, switchboardWebOnly: web, ratio: round(sb.requestsPerSec / bare.requestsPerSec, 3) },
      endToEnd: e2e,
      sustained,
      switchboardDiagnostics: diagnostics,
      ...(sqlStats ? { sqlStats } : {}),
      ...(listQueries ? { listQueries } : {}),
      ...(flows ? { flows } : {}),
      ...(paced ? { paced } : {}),
    };
    const results: BenchResults = { ...partial, aims: evaluateAims(partial) };
    writeResults(resultsPath, results);
    say(renderReport(results));
    say(`Wrote ${resultsPath}`);
  } finally {
    await wired?.stop().catch(() => undefined);
    await sim.close().catch(() => undefined);
  }
}

// Seeding a million conversations on PostgreSQL alone takes minutes: BENCH_LIST=1 gets an hour.
// The list and reports phases seed a million-message database first: an hour, not the default.
// BENCH_TIMEOUT_S overrides both (the reports phase at 10,000,000 messages seeds and folds for longer).
const overallTimeoutMs = process.env.BENCH_TIMEOUT_S
  ? Number(process.env.BENCH_TIMEOUT_S) * 1000
  : process.env.BENCH_LIST === '1' || only === 'reports' || only === 'broadcast'
    ? 60 * 60_000
    : settings.overallTimeoutMs;
const watchdog = setTimeout(() => {
  process.stderr.write(`benchmark exceeded ${overallTimeoutMs / 1000} s; giving up\n`);
  process.exit(2);
}, overallTimeoutMs);
watchdog.unref();

main().then(
  // Exit explicitly: the simulator's observer timers would otherwise keep the process alive a while.
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`benchmark failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
