import Database from 'better-sqlite3';
import { performance } from 'node:perf_hooks';

/**
 * Opt-in (BENCH_SQL_STATS=1) accounting of every SQLite statement a target process runs: how
 * often each SQL text was prepared and run, and the time spent in better-sqlite3 for each. It
 * wraps Database.prototype.prepare in this process only; src/ is untouched. Costs a little time
 * itself, so figures from a run with it on are not comparable with one without.
 */
export interface SqlStat {
  sql: string;
  prepares: number;
  prepareMs: number;
  runs: number;
  runMs: number;
}

const stats = new Map<string, SqlStat>();
let installed = false;

export function installSqlStats(): void {
  if (installed) return;
  installed = true;
  type Prepare = (this: Database.Database, source: string) => Database.Statement;
  const proto = Database.prototype as unknown as { prepare: Prepare };
  const original = proto.prepare;
  proto.prepare = function (this: Database.Database, source: string): Database.Statement {
    const t0 = performance.now();
    const stmt = original.call(this, source);
    let s = stats.get(source);
    if (!s) {
      s = { sql: source, prepares: 0, prepareMs: 0, runs: 0, runMs: 0 };
      stats.set(source, s);
    }
    s.prepareMs += performance.now() - t0;
    s.prepares++;
    const stat = s;
    const target = stmt as unknown as Record<'run' | 'all' | 'get', (...args: unknown[]) => unknown>;
    for (const method of ['run', 'all', 'get'] as const) {
      const fn = target[method].bind(stmt);
      target[method] = (...args: unknown[]) => {
        const t = performance.now();
        try {
          return fn(...args);
        } finally {
          stat.runMs += performance.now() - t;
          stat.runs++;
        }
      };
    }
    return stmt;
  };
}

export function sqlStatsEnabled(): boolean {
  return process.env.BENCH_SQL_STATS === '1';
}

/** Statements by total time (prepare + run), largest first; resets the counters (in place: statements cached by the app keep reporting). */
export function takeSqlStats(): SqlStat[] {
  const out = [...stats.values()]
    .filter((s) => s.prepares + s.runs > 0)
    .map((s) => ({ ...s, prepareMs: Math.round(s.prepareMs * 10) / 10, runMs: Math.round(s.runMs * 10) / 10 }))
    .sort((a, b) => b.prepareMs + b.runMs - (a.prepareMs + a.runMs));
  for (const s of stats.values()) {
    s.prepares = 0;
    s.prepareMs = 0;
    s.runs = 0;
    s.runMs = 0;
  }
  return out;
}
