import { writeFileSync } from 'node:fs';
import type { EndToEndResult } from './end-to-end.ts';
import { renderFlowBench, type FlowBenchResult } from './flow-sessions.ts';
import type { ListBenchRun } from './list-queries.ts';
import type { MachineInfo } from './machine.ts';
import { renderPaced, type PacedResult } from './paced.ts';
import type { Settings } from './settings.ts';
import { round } from './stats.ts';
import type { SqlStat } from './sql-stats.ts';
import type { SustainedResult } from './sustained-rate.ts';
import type { SwitchboardDiagnostics } from './switchboard-target.ts';
import type { WebhookTargetResult } from './webhook-phase.ts';

export interface Aim {
  name: string;
  target: string;
  value: string;
  met: boolean;
}

export interface BenchResults {
  timestamp: string;
  durationSeconds: number;
  machine: MachineInfo;
  settings: Settings;
  webhookLoad: {
    bare: WebhookTargetResult;
    switchboard: WebhookTargetResult;
    /** Switchboard with role=web: the acknowledgement path alone, no processing in the process. */
    switchboardWebOnly?: WebhookTargetResult;
    /** switchboard.requestsPerSec / bare.requestsPerSec. */
    ratio: number;
  };
  endToEnd: EndToEndResult;
  sustained: SustainedResult;
  /** The (c)/(d) Switchboard's own account at the end: failures, messages by status. */
  switchboardDiagnostics: SwitchboardDiagnostics;
  /** BENCH_SQL_STATS=1 only: every SQL statement the (c)/(d) Switchboard ran, by total time. */
  sqlStats?: SqlStat[];
  /** (e) inbox list queries (bench/list-queries.ts). */
  listQueries?: ListBenchRun[];
  /** (f) flow sessions (bench/flow-sessions.ts). */
  flows?: FlowBenchResult;
  /** (p) paced load against the no-storage reference (bench/paced.ts, issue #16). */
  paced?: PacedResult;
  aims: Aim[];
}

export function evaluateAims(r: Omit<BenchResults, 'aims'>): Aim[] {
  const e2e = r.endToEnd;
  const e2eComplete = e2e.missing === 0 && e2e.sent === e2e.scheduled;
  return [
    {
      name: 'Accepted webhooks/s vs the bare ceiling',
      target: '>= 60 %',
      value: `${pct(r.webhookLoad.ratio)} (${r.webhookLoad.switchboard.requestsPerSec} vs ${r.webhookLoad.bare.requestsPerSec} req/s)`,
      met: r.webhookLoad.ratio >= 0.6,
    },
    {
      name: `End-to-end reply p99 at ${e2e.ratePerSecond} msg/s`,
      target: '< 50 ms',
      value: `${e2e.reply.p99} ms${e2eComplete ? '' : ` (${e2e.missing} replies missing)`}`,
      met: e2eComplete && e2e.reply.p99 < 50,
    },
    {
      name: 'Sustained rate, every reply within 1 s',
      target: '>= 1,000 msg/s',
      value: `${r.sustained.lastPassingRate} msg/s`,
      met: r.sustained.lastPassingRate >= 1000,
    },
  ];
}

export function writeResults(path: string, results: BenchResults): void {
  writeFileSync(path, `${JSON.stringify(results, null, 2)}\n`);
}

const pct = (x: number) => `${round(x * 100, 1)} %`;
const ms = (x: number) => (Number.isFinite(x) ? x.toFixed(x < 10 ? 2 : 1) : '-');

/** Plain-text table: first and text-heavy last columns left-aligned, figures right-aligned. */
function table(head: string[], rows: Array<Array<string | number>>, opts: { leftLast?: boolean } = {}): string {
  const cells = [head, ...rows.map((r) => r.map(String))];
  const widths = head.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const left = (i: number) => i === 0 || (opts.leftLast === true && i === head.length - 1);
  const line = (r: string[]) =>
    `  ${r.map((c, i) => (left(i) ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ')}`.trimEnd();
  return [line(head), `  ${widths.map((w) => '-'.repeat(w)).join('  ')}`, ...cells.slice(1).map(line)].join('\n');
}

export function renderReport(r: BenchResults): string {
  const m = r.machine;
  const out: string[] = [];
  out.push('', `Switchboard benchmark  ${r.timestamp}  (${r.durationSeconds} s)`);
  out.push(
    `Machine: ${m.cpuModel} x ${m.cpuCount}, ${m.totalMemoryGiB} GiB, ${m.platform} ${m.release}, Node ${m.node}, load avg at start ${m.loadAverageAtStart.join(' ')}${m.loadAverageAtEnd ? `, at end ${m.loadAverageAtEnd.join(' ')}` : ''}`,
  );
  if (r.settings.quick) out.push('BENCH_QUICK=1: shortened phases, not a measurement.');

  const w = r.webhookLoad;
  out.push(
    '',
    `(a/b) Signed webhook acknowledgement: ${r.settings.webhookLoad.connections} connections, ${r.settings.webhookLoad.durationSeconds} s after ${r.settings.webhookLoad.warmupSeconds} s warm-up`,
  );
  const wrow = (x: WebhookTargetResult) => [
    x.target,
    x.requestsPerSec,
    ms(x.latency.p50),
    ms(x.latency.p99),
    ms(x.latency.max),
    x.non2xx + x.errors,
    x.targetCpuCores.toFixed(2),
    x.targetLoopBusy.toFixed(2),
    x.driverCpuCores.toFixed(2),
  ];
  const rows = [wrow(w.bare), wrow(w.switchboard)];
  if (w.switchboardWebOnly) rows.push(wrow(w.switchboardWebOnly));
  out.push(table(['target', 'req/s', 'p50 ms', 'p99 ms', 'max ms', 'errors', 'target cores', 'loop busy', 'driver cores'], rows));
  out.push(`  ratio b/a (Switchboard / bare): ${pct(w.ratio)}`);
  if (w.switchboardWebOnly) out.push(`  ratio role=web / bare: ${pct(w.switchboardWebOnly.requestsPerSec / w.bare.requestsPerSec)}`);
  const p = w.switchboard.processing;
  if (p)
    out.push(
      `  while loaded, Switchboard sent ${p.repliesDuringMeasuredWindow} replies; left pending: ${p.pendingEvents} events, ${p.runnableJobs} jobs`,
    );

  const e = r.endToEnd;
  out.push(
    '',
    `(c) End to end, webhook -> reply accepted by the simulator, ${e.ratePerSecond} msg/s for ${r.settings.endToEnd.durationSeconds} s`,
  );
  out.push(
    table(
      ['', 'count', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms'],
      [
        ['reply', `${e.replied}/${e.sent}`, ms(e.reply.p50), ms(e.reply.p90), ms(e.reply.p99), ms(e.reply.max)],
        ['webhook ack', `${e.webhookAck.count}`, ms(e.webhookAck.p50), ms(e.webhookAck.p90), ms(e.webhookAck.p99), ms(e.webhookAck.max)],
      ],
    ),
  );
  out.push(`  missing ${e.missing}, send errors ${e.sendErrors}, driver max schedule lag ${e.maxScheduleLagMs} ms`);
  out.push(
    `  Switchboard used ${e.cpu.targetCpuCores} cores (event loop busy ${pct(e.cpu.targetLoopBusy)}); simulator + driver ${e.cpu.driverCpuCores} cores`,
  );

  const s = r.sustained;
  out.push('', `(d) Sustained rate: steps of ${r.settings.sustained.stepSeconds} s, every reply within ${s.deadlineMs} ms`);
  out.push(
    table(
      ['msg/s', 'sent', 'replied', 'missing', 'late', 'p50 ms', 'p99 ms', 'max ms', 'SB cores', 'SB loop', 'driver', 'result'],
      s.steps.map((x) => [
        x.ratePerSecond,
        x.sent,
        x.replied,
        x.missing,
        x.late,
        ms(x.reply.p50),
        ms(x.reply.p99),
        ms(x.reply.max),
        x.cpu.targetCpuCores.toFixed(2),
        x.cpu.targetLoopBusy.toFixed(2),
        x.cpu.driverCpuCores.toFixed(2),
        (x.passed ? 'pass' : `FAIL: ${x.why}`) + (x.startedIdle ? '' : ' (began with a backlog)'),
      ]),
      { leftLast: true },
    ),
  );
  out.push(
    `  highest passing rate: ${s.lastPassingRate} msg/s${s.firstFailingRate ? ` (failed at ${s.firstFailingRate})` : ' (every step passed)'}`,
  );

  const d = r.switchboardDiagnostics;
  if (d.failedEvents || d.eventErrors || d.failedJobs) {
    out.push(
      '',
      `Switchboard reported failures: ${d.failedEvents} failed / ${d.eventErrors} errored events${d.firstEventError ? ` (${d.firstEventError})` : ''}, ${d.failedJobs} failed jobs${d.firstJobError ? ` (${d.firstJobError})` : ''}`,
    );
  }

  if (r.sqlStats) {
    const inbound = Object.entries(d.messagesByStatus).reduce((n, [k, v]) => (k.startsWith('in:') ? n + v : n), 0);
    const per = (x: number) => (inbound ? (x / inbound).toFixed(2) : '-');
    const runs = r.sqlStats.reduce((n, x) => n + x.runs, 0);
    const time = r.sqlStats.reduce((n, x) => n + x.runMs + x.prepareMs, 0);
    out.push(
      '',
      `SQLite statements (BENCH_SQL_STATS=1), per inbound message (${inbound}): ${per(runs)} statements, ${per(time)} ms in better-sqlite3`,
    );
    out.push(
      table(
        ['per msg', 'run µs', 'prepare µs', 'µs/msg', 'sql'],
        r.sqlStats
          .slice(0, 15)
          .map((x) => [
            per(x.runs),
            (x.runs ? (x.runMs / x.runs) * 1000 : 0).toFixed(0),
            (x.prepares ? (x.prepareMs / x.prepares) * 1000 : 0).toFixed(0),
            inbound ? (((x.runMs + x.prepareMs) / inbound) * 1000).toFixed(0) : '-',
            x.sql.slice(0, 90),
          ]),
        { leftLast: true },
      ),
    );
  }

  if (r.flows) out.push('', renderFlowBench(r.flows));
  if (r.paced) out.push('', renderPaced(r.paced));

  out.push('', 'Aims');
  out.push(
    table(
      ['aim', 'target', 'measured', 'result'],
      r.aims.map((a) => [a.name, a.target, a.value, a.met ? 'met' : 'MISSED']),
      { leftLast: true },
    ),
  );
  out.push('');
  return out.join('\n');
}
