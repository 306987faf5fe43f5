import type { Simulator } from '../src/simulator/index.ts';
import { runCustomerTraffic } from './customer-traffic.ts';
import { localPostgresCpuMs } from './local-postgres-cpu.ts';
import { loadAverage } from './machine.ts';
import { SECRETS, settings } from './settings.ts';
import type { SqlCounters } from './sql-counters.ts';
import { median, round, type LatencySummary } from './stats.ts';
import { switchboardSpec } from './switchboard-with-simulator.ts';
import { startTargetProcess, usageBetween, type TargetHandle } from './target-client.ts';
import type { TargetSpec } from './target-protocol.ts';

/**
 * Phase (p), issue #16: CPU per whole message against a reference that stores nothing. Each
 * target runs in its own process; the simulator (here) plays Meta: each customer message is one
 * signed webhook, the target's echo reply goes to the simulator's Graph API, which answers with
 * three status webhooks (sent, delivered, read), as real customers cause. Paced, open-loop load at
 * fixed rates. A measurement window runs from the end of a warm-up (and the drain after it) until
 * every reply is in, every status webhook answered and the target's backlog is empty; its CPU
 * (user + system, all threads) divided by the messages answered is the CPU per whole message.
 */
export type PacedTargetName = 'reference' | 'durable' | 'switchboard' | 'switchboard-pg';

export interface PacedRun {
  target: PacedTargetName;
  ratePerSecond: number;
  sent: number;
  /** Replies seen within the traffic's grace (the latency sample) ... */
  replied: number;
  /** ... and all replies the simulator accepted by the end of the window: the CPU figures' divisor. */
  answered: number;
  missing: number;
  /** Window: the first send until the target drained, ms. */
  windowMs: number;
  /** Of which the drain after the last send (replies, statuses, backlog), ms. */
  drainMs: number;
  drained: boolean;
  cpuUsPerMessage: number;
  /** Of which in the kernel (system time): sockets, epoll, fsync, page faults. */
  systemCpuUsPerMessage: number;
  cpuCores: number;
  /** Event-loop utilisation of the target's main thread over the window. */
  loopUtilisation: number;
  /**
   * Times the target's process went to sleep and was woken, per message answered (voluntary context
   * switches, all its threads): whether a target costs more because it is woken more often.
   */
  wakeupsPerMessage: number;
  reply: LatencySummary;
  /** Switchboard on PostgreSQL, with the server on this machine: the server's CPU per message answered. */
  serverCpuUsPerMessage?: number;
  /** Switchboard on SQLite: per message answered. */
  sql?: { statements: number; commits: number; walFrames: number; walKiB: number };
  loadAverage: number[];
}

export interface PacedRepetition {
  repetition: number;
  runs: PacedRun[];
}

export interface PacedSummary {
  target: PacedTargetName;
  ratePerSecond: number;
  repetitions: number;
  cpuUsPerMessage: number;
  systemCpuUsPerMessage: number;
  loopUtilisation: number;
  wakeupsPerMessage: number;
  replyP50: number;
  replyP99: number;
  missing: number;
  statements?: number;
  commits?: number;
  walKiB?: number;
  /** Switchboard on PostgreSQL with the server on this machine: the server's CPU per message (median). */
  serverCpuUsPerMessage?: number;
  /**
   * Median over repetitions of (this target's CPU per message / the reference's in the same repetition);
   * on PostgreSQL with a local server, the target's CPU includes the server's (the work SQLite does in-process).
   */
  ratioToReference?: number;
  /**
   * At the highest rate only: the CPU each message past the lowest rate cost, median over repetitions
   * of (CPU at the high rate - CPU at the low rate) / (messages at the high rate - at the low rate),
   * both over 10 s (issue #16's "marginal CPU per message"; near saturation when the high rate is).
   */
  marginalCpuUsPerMessage?: number;
}

export interface PacedResult {
  rates: number[];
  seconds: number;
  warmupSeconds: number;
  repetitions: PacedRepetition[];
  summary: PacedSummary[];
}

const DRAIN_TIMEOUT_MS = 60_000;

function targetSpec(sim: Simulator, name: PacedTargetName): TargetSpec {
  const reference = {
    appSecret: SECRETS.appSecret,
    verifyToken: SECRETS.verifyToken,
    accessToken: SECRETS.accessToken,
    graphBaseUrl: sim.graphBaseUrl,
    phoneNumberId: sim.phoneNumberId,
  };
  if (name === 'reference') return { type: 'reference', spec: reference };
  // The floor: the reference plus the least durable storage (durable-reference-server.ts), with Switchboard's default commit window.
  if (name === 'durable')
    return { type: 'durable-reference', spec: { ...reference, commitWindowMs: Number(process.env.BENCH_COMMIT_WINDOW_MS ?? 2) } };
  const spec = switchboardSpec(sim, 'all');
  if (name === 'switchboard-pg') {
    const url = process.env.BENCH_PG_URL;
    if (!url) throw new Error('switchboard-pg needs BENCH_PG_URL');
    return { type: 'switchboard', spec: { ...spec, databaseUrl: url } };
  }
  return { type: 'switchboard', spec };
}

/** Until the simulator has nothing left to deliver and the target no backlog (bounded). */
async function drain(sim: Simulator, target: TargetHandle, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    await sim.drainWebhooks(Math.max(1, deadline - Date.now())).catch(() => undefined);
    const b = await target.backlog();
    if (b.pendingEvents === 0 && b.runnableJobs === 0) {
      // A last look: the backlog emptied, but its work may have sent a reply whose statuses are now due.
      await sim.drainWebhooks(Math.max(1, deadline - Date.now())).catch(() => undefined);
      const again = await target.backlog();
      if (again.pendingEvents === 0 && again.runnableJobs === 0) return true;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return false;
}

async function measureTarget(
  sim: Simulator,
  name: PacedTargetName,
  rates: number[],
  seconds: number,
  warmupSeconds: number,
  rep: number,
  say: (l: string) => void,
): Promise<PacedRun[]> {
  const target = await startTargetProcess(targetSpec(sim, name), `paced-${name}`, { sqlCounters: name !== 'reference' });
  const runs: PacedRun[] = [];
  try {
    const check = await sim.setWebhookUrl(`${target.url}/webhooks/whatsapp`);
    if (!check.ok) throw new Error(`the simulator could not verify ${name}'s webhook: ${check.status ?? ''} ${check.error ?? ''}`);
    const ti = ({ reference: 0, switchboard: 1, 'switchboard-pg': 2, durable: 3 } as const)[name];
    // Warm-up: JIT, connection pools, the first pages of every table; not measured.
    await runCustomerTraffic({
      sim,
      ratePerSecond: Math.min(100, rates[0] ?? 100), // a lower first rate (BENCH_PACED_RATES): a warm-up the target keeps up with
      durationSeconds: warmupSeconds,
      areaCode: `6${ti}${rep % 10}`,
      label: `paced-warm-${name}-${rep}`,
      graceMs: 5_000,
      deadlineMs: 1_000,
    });
    await drain(sim, target, DRAIN_TIMEOUT_MS);
    for (let k = 0; k < rates.length; k++) {
      const rate = rates[k] as number;
      await target.sqlStats(); // BENCH_SQL_STATS=1: reset, so the figures below are this window's
      const u0 = await target.usage();
      const pg0 = name === 'switchboard-pg' ? localPostgresCpuMs() : undefined;
      const c0 = await target.sqlCounters();
      const out0 = sim.outbound().length;
      const r = await runCustomerTraffic({
        sim,
        ratePerSecond: rate,
        durationSeconds: seconds,
        areaCode: `${7 + k}${ti}${rep % 10}`,
        label: `paced-${name}-${rate}-${rep}`,
        graceMs: 10_000,
        deadlineMs: 1_000,
      });
      const lastSend = Date.now();
      const drained = await drain(sim, target, DRAIN_TIMEOUT_MS);
      const drainMs = Date.now() - lastSend;
      const u1 = await target.usage();
      const pg1 = pg0 === undefined ? undefined : localPostgresCpuMs();
      const c1 = await target.sqlCounters();
      // Answered: every reply the simulator accepted in the window, also those after the traffic's grace.
      const answered = sim.outbound().length - out0;
      const u = usageBetween(u0, u1);
      const cpuMs = u1.cpuUserMs + u1.cpuSystemMs - (u0.cpuUserMs + u0.cpuSystemMs);
      const per = Math.max(1, answered);
      const run: PacedRun = {
        target: name,
        ratePerSecond: rate,
        sent: r.sent,
        replied: r.replied,
        answered,
        missing: r.missing,
        windowMs: round(u1.at - u0.at, 0),
        drainMs,
        drained,
        cpuUsPerMessage: round((cpuMs * 1000) / per, 0),
        systemCpuUsPerMessage: round(((u1.cpuSystemMs - u0.cpuSystemMs) * 1000) / per, 0),
        ...(pg0 !== undefined && pg1 !== undefined ? { serverCpuUsPerMessage: round(((pg1 - pg0) * 1000) / per, 0) } : {}),
        cpuCores: round(u.cpuCores),
        loopUtilisation: round(u.loopBusy),
        wakeupsPerMessage: round((u1.voluntarySwitches - u0.voluntarySwitches) / per, 1),
        reply: r.reply,
        ...(c0 && c1 ? { sql: perMessage(c0, c1, per) } : {}),
        loadAverage: loadAverage(),
      };
      runs.push(run);
      if (c0?.statementsBy && c1?.statementsBy && Object.keys(c1.statementsBy).length > 0) {
        say(`    BENCH_WAL_PAGES: statements (round trips) per message answered, ${name} at ${rate} msg/s:`);
        const by = Object.entries(c1.statementsBy)
          .map(([text, n]) => [text, (n - (c0.statementsBy?.[text] ?? 0)) / per] as const)
          .filter(([, n]) => n >= 0.05)
          .sort((x, y) => y[1] - x[1]);
        for (const [text, n] of by) say(`      ${n.toFixed(2).padStart(6)}  ${text}`);
      }
      if (c0?.walFramesBy && c1?.walFramesBy) {
        const by = Object.entries(c1.walFramesBy)
          .map(([name, n]) => [name, (n - (c0.walFramesBy?.[name] ?? 0)) / per] as const)
          .filter(([, n]) => n >= 0.05)
          .sort((x, y) => y[1] - x[1]);
        say(`    BENCH_WAL_PAGES: WAL frames per message answered, ${name} at ${rate} msg/s, by table or index:`);
        for (const [owner, n] of by) say(`      ${n.toFixed(2).padStart(6)}  ${owner}`);
        say(`    BENCH_WAL_PAGES: commits and WAL frames per message answered, by what each transaction wrote:`);
        const commits = Object.entries(c1.commitsBy ?? {})
          .map(([label, x]) => {
            const before = c0.commitsBy?.[label] ?? { commits: 0, frames: 0 };
            return { label, commits: (x.commits - before.commits) / per, frames: (x.frames - before.frames) / per };
          })
          .filter((x) => x.commits >= 0.01)
          .sort((x, y) => y.frames - x.frames);
        for (const x of commits)
          say(`      ${x.commits.toFixed(2).padStart(5)} commits ${x.frames.toFixed(1).padStart(5)} frames  ${x.label}`);
      }
      const stats = await target.sqlStats();
      if (stats) {
        say(`    BENCH_SQL_STATS: per message answered, ${name} at ${rate} msg/s (µs in better-sqlite3, runs):`);
        for (const x of stats.slice(0, Number(process.env.BENCH_SQL_STATS_TOP ?? 20)))
          say(
            `      ${String(Math.round(((x.runMs + x.prepareMs) * 1000) / per)).padStart(5)} µs ${(x.runs / per).toFixed(2).padStart(5)}x  ${x.sql.replace(/\s+/g, ' ').slice(0, 150)}`,
          );
      }
      say(
        `    ${name} ${rate} msg/s: ${run.cpuUsPerMessage} µs CPU/msg (${run.systemCpuUsPerMessage} in the kernel)${run.serverCpuUsPerMessage !== undefined ? ` (+ ${run.serverCpuUsPerMessage} µs in the PostgreSQL server)` : ''}, loop ${run.loopUtilisation}, ${run.cpuCores} cores, ${run.wakeupsPerMessage} wake-ups/msg, replies ${r.replied}/${r.sent} (${answered} by the end) p50 ${r.reply.p50} ms p99 ${r.reply.p99} ms, drain ${drainMs} ms${drained ? '' : ' (NOT drained)'}` +
          (run.sql
            ? name === 'switchboard-pg'
              ? `; ${run.sql.statements} statements (round trips), ${run.sql.commits} explicit commits per msg`
              : `; ${run.sql.statements} statements, ${run.sql.commits} commits, ${run.sql.walKiB} KiB WAL per msg`
            : '') +
          `; load ${run.loadAverage.join(' ')}`,
      );
    }
  } finally {
    await target.stop();
  }
  return runs;
}

function perMessage(a: SqlCounters, b: SqlCounters, n: number): NonNullable<PacedRun['sql']> {
  return {
    statements: round((b.statements - a.statements) / n, 1),
    commits: round((b.commits - a.commits) / n, 2),
    walFrames: round((b.walFrames - a.walFrames) / n, 1),
    walKiB: round((b.walBytes - a.walBytes) / 1024 / n, 1),
  };
}

export function pacedTargets(): PacedTargetName[] {
  const only = process.env.BENCH_PACED_TARGETS;
  if (only) return only.split(',').map((s) => s.trim()) as PacedTargetName[];
  return process.env.BENCH_PG_URL ? ['reference', 'durable', 'switchboard', 'switchboard-pg'] : ['reference', 'durable', 'switchboard'];
}

export async function runPacedPhase(sim: Simulator, opts: { repetitions: number; say: (l: string) => void }): Promise<PacedResult> {
  const rates = settings.paced.ratesPerSecond;
  const { seconds, warmupSeconds } = settings.paced;
  const targets = pacedTargets();
  const repetitions: PacedRepetition[] = [];
  for (let rep = 0; rep < opts.repetitions; rep++) {
    opts.say(`(p) paced load, repetition ${rep + 1}/${opts.repetitions}, load average ${loadAverage().join(' ')} ...`);
    const runs: PacedRun[] = [];
    for (const t of targets) runs.push(...(await measureTarget(sim, t, rates, seconds, warmupSeconds, rep, opts.say)));
    repetitions.push({ repetition: rep + 1, runs });
  }
  return { rates, seconds, warmupSeconds, repetitions, summary: summarizePaced(repetitions, targets, rates) };
}

export function summarizePaced(reps: PacedRepetition[], targets: PacedTargetName[], rates: number[]): PacedSummary[] {
  const out: PacedSummary[] = [];
  for (const target of targets) {
    for (const rate of rates) {
      const runs = reps
        .map((r) => r.runs.find((x) => x.target === target && x.ratePerSecond === rate))
        .filter((x): x is PacedRun => x !== undefined);
      if (runs.length === 0) continue;
      const ratios = reps
        .map((r) => {
          const mine = r.runs.find((x) => x.target === target && x.ratePerSecond === rate);
          const ref = r.runs.find((x) => x.target === 'reference' && x.ratePerSecond === rate);
          return mine && ref ? (mine.cpuUsPerMessage + (mine.serverCpuUsPerMessage ?? 0)) / ref.cpuUsPerMessage : NaN;
        })
        .filter(Number.isFinite);
      const sqlRuns = runs.map((r) => r.sql).filter((s): s is NonNullable<PacedRun['sql']> => s !== undefined);
      out.push({
        target,
        ratePerSecond: rate,
        repetitions: runs.length,
        cpuUsPerMessage: round(median(runs.map((r) => r.cpuUsPerMessage)), 0),
        systemCpuUsPerMessage: round(median(runs.map((r) => r.systemCpuUsPerMessage)), 0),
        ...(runs.every((r) => r.serverCpuUsPerMessage !== undefined)
          ? { serverCpuUsPerMessage: round(median(runs.map((r) => r.serverCpuUsPerMessage ?? 0)), 0) }
          : {}),
        loopUtilisation: round(median(runs.map((r) => r.loopUtilisation))),
        wakeupsPerMessage: round(median(runs.map((r) => r.wakeupsPerMessage)), 1),
        replyP50: round(median(runs.map((r) => r.reply.p50))),
        replyP99: round(median(runs.map((r) => r.reply.p99))),
        missing: runs.reduce((s, r) => s + r.missing, 0),
        ...(sqlRuns.length
          ? {
              statements: round(median(sqlRuns.map((s) => s.statements)), 1),
              commits: round(median(sqlRuns.map((s) => s.commits)), 2),
              // PostgreSQL writes its own WAL, not counted here.
              ...(target === 'switchboard-pg' ? {} : { walKiB: round(median(sqlRuns.map((s) => s.walKiB)), 1) }),
            }
          : {}),
        ...(target !== 'reference' && ratios.length ? { ratioToReference: round(median(ratios)) } : {}),
        ...marginal(reps, target, rates, rate),
      });
    }
  }
  return out;
}

function marginal(reps: PacedRepetition[], target: PacedTargetName, rates: number[], rate: number): { marginalCpuUsPerMessage?: number } {
  const low = Math.min(...rates);
  if (rates.length < 2 || rate !== Math.max(...rates)) return {};
  const values = reps
    .map((r) => {
      const lo = r.runs.find((x) => x.target === target && x.ratePerSecond === low);
      const hi = r.runs.find((x) => x.target === target && x.ratePerSecond === rate);
      // Per second of load: CPU µs per message times messages per second.
      const total = (x: PacedRun) => x.cpuUsPerMessage + (x.serverCpuUsPerMessage ?? 0);
      return lo && hi ? (total(hi) * rate - total(lo) * low) / (rate - low) : NaN;
    })
    .filter(Number.isFinite);
  return values.length ? { marginalCpuUsPerMessage: round(median(values), 0) } : {};
}

export function renderPaced(r: PacedResult): string {
  const lines = [
    `(p) paced load, ${r.seconds} s per rate, medians of ${r.repetitions.length} repetition(s):`,
    '    target          rate  CPU µs/msg  kernel  ratio  loop  wake-ups  reply p50   p99     missing  stmts  commits  WAL KiB',
  ];
  for (const s of r.summary) {
    lines.push(
      `    ${s.target.padEnd(15)} ${String(s.ratePerSecond).padStart(4)}  ${String(s.cpuUsPerMessage).padStart(10)}  ${String(s.systemCpuUsPerMessage).padStart(6)}  ${String(s.ratioToReference ?? '').padStart(5)}  ${String(s.loopUtilisation).padStart(4)}  ${String(s.wakeupsPerMessage).padStart(8)}  ${String(s.replyP50).padStart(9)}  ${String(s.replyP99).padStart(7)}  ${String(s.missing).padStart(7)}  ${String(s.statements ?? '').padStart(5)}  ${String(s.commits ?? '').padStart(7)}  ${String(s.walKiB ?? '').padStart(7)}`,
    );
  }
  for (const s of r.summary)
    if (s.serverCpuUsPerMessage !== undefined)
      lines.push(
        `    ${s.target} ${s.ratePerSecond} msg/s: + ${s.serverCpuUsPerMessage} µs CPU/msg in the PostgreSQL server (in its ratio and marginal CPU)`,
      );
  for (const s of r.summary)
    if (s.marginalCpuUsPerMessage !== undefined)
      lines.push(
        `    ${s.target}: marginal CPU ${s.marginalCpuUsPerMessage} µs per message from ${Math.min(...r.rates)} to ${s.ratePerSecond} msg/s`,
      );
  return lines.join('\n');
}
