import { closeSync, openSync, readSync } from 'node:fs';
import Database from 'better-sqlite3';

/**
 * Counts, in a target process, what the SQLite connection does per message: statements executed
 * (every run/get/all/iterate, begin and commit included), committing transactions (a `commit`, a
 * better-sqlite3 transaction() call that returns, or a write outside any transaction) and the WAL
 * frames those commits appended. Frames are read from the WAL index (the -shm file's header:
 * mxFrame, and the salt that changes when the WAL starts over) after each commit: one pread.
 * Cheap (a counter per statement, a pread per commit) but not free: it is on for the Switchboard
 * target of the paced phase only. Wraps better-sqlite3's prototype in this process; src/ is untouched.
 */
export interface SqlCounters {
  statements: number;
  commits: number;
  walFrames: number;
  walBytes: number;
}

const counters: SqlCounters = { statements: 0, commits: 0, walFrames: 0, walBytes: 0 };
let installed = false;

interface WalIndex {
  fd: number;
  lastFrame: number;
  lastSalt: number;
}
const walIndexes = new Map<string, WalIndex | null>();
const header = Buffer.alloc(48);

function noteCommit(db: Database.Database): void {
  counters.commits++;
  let w = walIndexes.get(db.name);
  if (w === undefined) {
    try {
      w = { fd: openSync(`${db.name}-shm`, 'r'), lastFrame: 0, lastSalt: 0 };
    } catch {
      w = null; // not in WAL mode (or :memory:): no frames to count
    }
    walIndexes.set(db.name, w);
  }
  if (!w) return;
  if (readSync(w.fd, header, 0, 48, 0) < 48) return;
  // WalIndexHdr, native byte order: szPage (u16) at 14, mxFrame at 16, aSalt[0] at 32.
  const sz = header.readUInt16LE(14);
  const page = sz === 1 ? 65536 : sz;
  const frame = header.readUInt32LE(16);
  const salt = header.readUInt32LE(32);
  const added = salt !== w.lastSalt ? frame : Math.max(0, frame - w.lastFrame);
  w.lastFrame = frame;
  w.lastSalt = salt;
  counters.walFrames += added;
  counters.walBytes += added * (page + 24);
}

export function installSqlCounters(): void {
  if (installed) return;
  installed = true;
  type Prepare = (this: Database.Database, source: string) => Database.Statement;
  type Transaction = (this: Database.Database, fn: (...a: unknown[]) => unknown) => (...a: unknown[]) => unknown;
  const proto = Database.prototype as unknown as { prepare: Prepare; transaction: Transaction };
  const prepare = proto.prepare;
  proto.prepare = function (this: Database.Database, source: string): Database.Statement {
    const stmt = prepare.call(this, source);
    const commit = /^\s*(commit|end)\b/i.test(source);
    const writer = !stmt.reader && !/^\s*(begin|commit|end|rollback|savepoint|release|pragma)\b/i.test(source);
    const target = stmt as unknown as Record<'run' | 'all' | 'get' | 'iterate', (...args: unknown[]) => unknown>;
    for (const method of ['run', 'all', 'get', 'iterate'] as const) {
      const fn = target[method].bind(stmt);
      target[method] = (...args: unknown[]) => {
        counters.statements++;
        const out = fn(...args);
        if (commit || (writer && !this.inTransaction)) noteCommit(this);
        return out;
      };
    }
    return stmt;
  };
  const transaction = proto.transaction;
  proto.transaction = function (this: Database.Database, fn: (...a: unknown[]) => unknown) {
    const wrapped = transaction.call(this, fn);
    const count =
      (inner: (...a: unknown[]) => unknown) =>
      (...args: unknown[]) => {
        const outer = !this.inTransaction;
        if (outer) counters.statements += 2; // its begin and commit
        const out = inner(...args);
        if (outer) noteCommit(this);
        return out;
      };
    const variants = wrapped as unknown as Record<string, (...a: unknown[]) => unknown>;
    const out = count(wrapped) as unknown as Record<string, unknown>;
    for (const v of ['deferred', 'immediate', 'exclusive']) if (typeof variants[v] === 'function') out[v] = count(variants[v]);
    return out as unknown as (...a: unknown[]) => unknown;
  };
}

export function sqlCountersEnabled(): boolean {
  return process.env.BENCH_SQL_COUNTERS === '1';
}

/** Cumulative since the process started. */
export function readSqlCounters(): SqlCounters {
  return { ...counters };
}

export function closeSqlCounters(): void {
  for (const w of walIndexes.values()) if (w) closeSync(w.fd);
  walIndexes.clear();
}
