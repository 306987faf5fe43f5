import { closeSync, openSync, readSync } from 'node:fs';
import { createRequire } from 'node:module';
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
  /** BENCH_WAL_PAGES=1: the WAL frames written so far, by the table or index that owns the page now. */
  walFramesBy?: Record<string, number>;
  /** BENCH_WAL_PAGES=1: commits and their WAL frames by what each transaction wrote ("verb table", each once, in order). */
  commitsBy?: Record<string, { commits: number; frames: number }>;
  /** BENCH_WAL_PAGES=1, PostgreSQL: statements sent, by their first 100 characters. */
  statementsBy?: Record<string, number>;
}

const counters: SqlCounters = { statements: 0, commits: 0, walFrames: 0, walBytes: 0 };
let installed = false;

interface WalIndex {
  fd: number;
  lastFrame: number;
  lastSalt: number;
  /** The -wal file, open only for BENCH_WAL_PAGES. */
  walFd?: number;
}
const walPagesEnabled = process.env.BENCH_WAL_PAGES === '1';
/** BENCH_WAL_PAGES: frames written per page number, resolved to b-tree names when read. */
const framesByPage = new Map<number, number>();
let countedDb: Database.Database | undefined;
const frameHeader = Buffer.alloc(4);
const commitsBy: Record<string, { commits: number; frames: number }> = {};
const statementsBy: Record<string, number> = {};
/** The open transaction's writes as "verb table", each once in order (BENCH_WAL_PAGES): its commit's name. */
let transactionWrites: string | undefined;
const walIndexes = new Map<string, WalIndex | null>();
const header = Buffer.alloc(48);

function noteCommit(db: Database.Database): void {
  counters.commits++;
  let w = walIndexes.get(db.name);
  if (w === undefined) {
    try {
      w = { fd: openSync(`${db.name}-shm`, 'r'), lastFrame: 0, lastSalt: 0 };
      if (walPagesEnabled) {
        w.walFd = openSync(`${db.name}-wal`, 'r');
        countedDb = db;
      }
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
  if (w.walFd !== undefined) {
    // A frame: a 24-byte header whose first 4 bytes are the page number (big-endian), then the page;
    // the file starts with a 32-byte header.
    for (let i = frame - added; i < frame; i++) {
      if (readSync(w.walFd, frameHeader, 0, 4, 32 + i * (page + 24)) < 4) break;
      const pgno = frameHeader.readUInt32BE(0);
      framesByPage.set(pgno, (framesByPage.get(pgno) ?? 0) + 1);
    }
  }
  w.lastFrame = frame;
  w.lastSalt = salt;
  counters.walFrames += added;
  if (walPagesEnabled) {
    const label = transactionWrites ?? '(no write seen)';
    const c = (commitsBy[label] ??= { commits: 0, frames: 0 });
    c.commits++;
    c.frames += added;
    transactionWrites = undefined;
  }
  counters.walBytes += added * (page + 24);
}

/**
 * PostgreSQL: every statement this process sends (one round trip each: its graphile-worker pool's
 * too), and its explicit commits, counted where pg submits a query (lib/query.js), which every
 * client and pool goes through whenever it was loaded. A statement that commits by itself (outside
 * a transaction) is not told apart: on PostgreSQL, commits counts explicit ones only.
 */
function installPgCounters(): void {
  const Query = createRequire(import.meta.url)('pg/lib/query.js') as { prototype: { submit: (...a: unknown[]) => unknown; text?: string } };
  const submit = Query.prototype.submit;
  Query.prototype.submit = function (this: { text?: string }, ...args: unknown[]) {
    counters.statements++;
    if (walPagesEnabled) {
      const key = (this.text ?? '').replace(/\s+/g, ' ').trim().slice(0, 100);
      statementsBy[key] = (statementsBy[key] ?? 0) + 1;
    }
    if (/^\s*commit\b/i.test(this.text ?? '')) counters.commits++;
    return submit.apply(this, args);
  };
}

export function installSqlCounters(): void {
  if (installed) return;
  installed = true;
  installPgCounters();
  type Prepare = (this: Database.Database, source: string) => Database.Statement;
  type Transaction = (this: Database.Database, fn: (...a: unknown[]) => unknown) => (...a: unknown[]) => unknown;
  const proto = Database.prototype as unknown as { prepare: Prepare; transaction: Transaction };
  const prepare = proto.prepare;
  proto.prepare = function (this: Database.Database, source: string): Database.Statement {
    const stmt = prepare.call(this, source);
    const commit = /^\s*(commit|end)\b/i.test(source);
    const writer =
      /^\s*(insert|update|delete|replace)\b/i.test(source) ||
      (!stmt.reader && !/^\s*(begin|commit|end|rollback|savepoint|release|pragma)\b/i.test(source));
    const target = stmt as unknown as Record<'run' | 'all' | 'get' | 'iterate', (...args: unknown[]) => unknown>;
    for (const method of ['run', 'all', 'get', 'iterate'] as const) {
      const fn = target[method].bind(stmt);
      // Statements with `returning` are readers to better-sqlite3: named by their text instead.
      const m = /^\s*(insert|update|delete)\b/i.test(source)
        ? /^\s*(insert|update|delete)\b[^"]*?"?(\w+)"?/i.exec(source.replace(/^\s*(insert|delete)\s+(or\s+\w+\s+)?(into|from)\s+/i, '$1 '))
        : null;
      const label = m ? `${m[1]!.toLowerCase()} ${m[2]}` : undefined;
      target[method] = (...args: unknown[]) => {
        counters.statements++;
        if (label && walPagesEnabled && !transactionWrites?.split(', ').includes(label))
          transactionWrites = transactionWrites ? `${transactionWrites}, ${label}` : label;
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
  return walPagesEnabled
    ? { ...counters, walFramesBy: framesByOwner(), commitsBy: structuredClone(commitsBy), statementsBy: { ...statementsBy } }
    : { ...counters };
}

/**
 * The frames so far by the b-tree that owns each page now (SQLite's dbstat table, which walks the
 * whole file: slow on a large database, so only for BENCH_WAL_PAGES). A page freed and reused by
 * another b-tree between two reads is counted under its new owner.
 */
function framesByOwner(): Record<string, number> {
  if (!countedDb || framesByPage.size === 0) return {};
  const owner = new Map<number, string>();
  for (const row of countedDb.prepare('select name, pageno from dbstat').raw().iterate() as Iterable<[string, number]>)
    owner.set(row[1], row[0]);
  const out: Record<string, number> = {};
  for (const [pgno, n] of framesByPage) {
    const name = owner.get(pgno) ?? '(free or new)';
    out[name] = (out[name] ?? 0) + n;
  }
  return out;
}

export function closeSqlCounters(): void {
  for (const w of walIndexes.values()) if (w) closeSync(w.fd);
  walIndexes.clear();
}
