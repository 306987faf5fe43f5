import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SqlCounters } from './sql-counters.ts';
import type { SqlStat } from './sql-stats.ts';
import type { SwitchboardDiagnostics } from './switchboard-target.ts';
import type { ProcessMemory, ProcessUsage, TargetReply, TargetRequest, TargetSpec } from './target-protocol.ts';

const entry = fileURLToPath(new URL('./target-process.ts', import.meta.url));

export interface TargetHandle {
  url: string;
  pid: number;
  usage(): Promise<ProcessUsage>;
  /** Heap and RSS after a forced GC (needs `exposeGc` at start; says whether it was forced). */
  memory(): Promise<ProcessMemory>;
  backlog(): Promise<{ pendingEvents: number; runnableJobs: number }>;
  diagnostics(): Promise<SwitchboardDiagnostics>;
  /** Per-statement SQLite figures since the last call, when BENCH_SQL_STATS=1 (else null). */
  sqlStats(): Promise<SqlStat[] | null>;
  /** Cumulative statement, commit and WAL counts, when started with `sqlCounters` (else null). */
  sqlCounters(): Promise<SqlCounters | null>;
  /** Stops the target and waits for its process to exit (killed if it does not, in time). */
  stop(): Promise<void>;
}

type Pending = { resolve(v: unknown): void; reject(e: Error): void; timer: NodeJS.Timeout };
type Ask =
  | { kind: 'start'; target: TargetSpec }
  | { kind: 'backlog' }
  | { kind: 'usage' }
  | { kind: 'diagnostics' }
  | { kind: 'sqlStats' }
  | { kind: 'sqlCounters' }
  | { kind: 'memory' }
  | { kind: 'stop' };

/**
 * Forks bench/target-process.ts and starts a target in it. Set BENCH_CPU_PROF=<dir> to write a
 * V8 CPU profile of each target process there (open it in Chrome DevTools or speedscope).
 */
export async function startTargetProcess(
  target: TargetSpec,
  label: string,
  opts: { exposeGc?: boolean; sqlCounters?: boolean } = {},
): Promise<TargetHandle> {
  const execArgv = ['--import', 'tsx'];
  // Only for memory figures: lets the target force a full GC before it reports its heap.
  if (opts.exposeGc) execArgv.push('--expose-gc');
  const profDir = process.env.BENCH_CPU_PROF;
  // One folder per target; the largest file in it is the main thread (tsx's loader thread writes one too).
  if (profDir) execArgv.push('--cpu-prof', `--cpu-prof-dir=${join(profDir, label)}`);
  const env = opts.sqlCounters ? { ...process.env, BENCH_SQL_COUNTERS: '1' } : process.env;
  const child: ChildProcess = fork(entry, [], { execArgv, env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let exited = false;
  const exitedPromise = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.on('message', (raw: unknown) => {
    const msg = raw as TargetReply;
    const p = pending.get(msg.id);
    if (!p) return;
    pending.delete(msg.id);
    clearTimeout(p.timer);
    if (msg.ok) p.resolve(msg.value);
    else p.reject(new Error(`${label}: ${msg.error}`));
  });
  child.once('exit', (code, signal) => {
    exited = true;
    for (const p of pending.values()) {
      clearTimeout(p.timer);
      p.reject(new Error(`${label} process exited (${signal ?? code})`));
    }
    pending.clear();
  });
  const call = (ask: Ask, timeoutMs: number): Promise<unknown> =>
    new Promise((resolve, reject) => {
      if (exited) return reject(new Error(`${label} process is not running`));
      const id = nextId++;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`${label}: ${ask.kind} got no answer in ${timeoutMs} ms`));
      }, timeoutMs);
      pending.set(id, { resolve, reject, timer });
      const req: TargetRequest = { id, ...ask };
      child.send(req);
    });
  const kill = async () => {
    if (exited) return;
    child.kill('SIGKILL');
    await exitedPromise;
  };
  let started: { url: string; pid: number };
  try {
    started = (await call({ kind: 'start', target }, 120_000)) as { url: string; pid: number };
  } catch (err) {
    await kill();
    throw err;
  }
  return {
    url: started.url,
    pid: started.pid,
    usage: () => call({ kind: 'usage' }, 15_000) as Promise<ProcessUsage>,
    memory: () => call({ kind: 'memory' }, 30_000) as Promise<ProcessMemory>,
    backlog: () => call({ kind: 'backlog' }, 15_000) as Promise<{ pendingEvents: number; runnableJobs: number }>,
    diagnostics: () => call({ kind: 'diagnostics' }, 15_000) as Promise<SwitchboardDiagnostics>,
    sqlStats: () => call({ kind: 'sqlStats' }, 15_000) as Promise<SqlStat[] | null>,
    sqlCounters: () => call({ kind: 'sqlCounters' }, 15_000) as Promise<SqlCounters | null>,
    async stop() {
      try {
        await call({ kind: 'stop' }, 15_000);
        await Promise.race([exitedPromise, new Promise((r) => setTimeout(r, 5_000).unref())]);
      } catch {
        // fall through to the kill
      }
      await kill();
    },
  };
}

/** CPU use and event-loop busy share between two usage snapshots of one process. */
export function usageBetween(a: ProcessUsage, b: ProcessUsage): { cpuCores: number; loopBusy: number } {
  const wall = b.at - a.at;
  const cpu = b.cpuUserMs + b.cpuSystemMs - (a.cpuUserMs + a.cpuSystemMs);
  const active = b.loopActiveMs - a.loopActiveMs;
  const idle = b.loopIdleMs - a.loopIdleMs;
  return { cpuCores: wall > 0 ? cpu / wall : NaN, loopBusy: active + idle > 0 ? active / (active + idle) : NaN };
}
