import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from './database-types.ts';
import { POSTGRES_DIALECT, SQLITE_DIALECT, type Dialect } from './dialect.ts';
import { foldText } from '../core/fold-text.ts';
import { withCachedStatements } from './cached-statements.ts';
import { DirectSqlite, directSqliteDialect } from './direct-sqlite.ts';
import { PreparedRawClient } from './pg-prepared-client.ts';
import { migrateToLatest, takeStartupLock } from './migrate.ts';
import { WalCheckpointer } from './wal-checkpointer.ts';
import { SearchIndexer } from './search-index.ts';

export interface StorageOptions {
  databaseUrl?: string; // postgres://... switches to PostgreSQL
  dataDir: string; // SQLite file lives here otherwise
  sqliteFile?: string; // override the file name (tests)
  poolSize?: number;
  /**
   * PostgreSQL: keep the start-up lock (migrate.ts) after migrating, until releaseStartupLock(),
   * so the rest of a server's start-up writes are serialised with other starting processes too.
   */
  holdStartupLock?: boolean;
}

export interface Storage {
  db: Kysely<Database>;
  /** What differs between the two databases (storage/dialect.ts). */
  dialect: Dialect;
  /** PostgreSQL pool, for the job engine and LISTEN/NOTIFY; absent on SQLite. */
  pgPool?: pg.Pool;
  databaseUrl?: string;
  /** Lets the next starting process in (openStorage's holdStartupLock); idempotent, a no-op otherwise. */
  releaseStartupLock(): Promise<void>;
  close(): Promise<void>;
}

// int8 columns (epoch ms, serial ids) fit in a JS number; read them as numbers, not strings.
pg.types.setTypeParser(20, (v) => Number(v));

export async function openStorage(opts: StorageOptions): Promise<Storage> {
  if (opts.databaseUrl) {
    // The hot path's raw statements run prepared, once parsed per connection (pg-prepared-client.ts).
    const pool = new pg.Pool({ connectionString: opts.databaseUrl, max: opts.poolSize ?? 10, Client: PreparedRawClient });
    // An idle client losing its connection must not crash the process; the next query reconnects.
    pool.on('error', (err) => process.stderr.write(`postgres pool: ${err.message}\n`));
    // A checked-out client losing its connection fails its query; the error event must not crash.
    pool.on('connect', (client) => client.on('error', (err) => process.stderr.write(`postgres client: ${err.message}\n`)));
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    // Any number of processes may start at once on a fresh database: one migrates at a time.
    const lock = await takeStartupLock(pool);
    try {
      await migrateToLatest(db as Kysely<unknown>, 'postgres');
    } catch (err) {
      await lock.release();
      await db.destroy();
      throw err;
    }
    if (!opts.holdStartupLock) await lock.release();
    return {
      db,
      dialect: POSTGRES_DIALECT,
      pgPool: pool,
      databaseUrl: opts.databaseUrl,
      releaseStartupLock: () => lock.release(),
      close: async () => {
        await lock.release();
        await db.destroy();
      },
    };
  }
  mkdirSync(opts.dataDir, { recursive: true });
  const file = join(opts.dataDir, opts.sqliteFile ?? 'switchboard.sqlite');
  const sqlite = new SQLite(file);
  // WAL + NORMAL: a committed transaction survives a process kill (SIGKILL); only a power loss
  // can drop the last few. busy_timeout lets a second connection (migrations, CLI) wait its turn.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('foreign_keys = ON');
  // Statement journals and sorts in memory, not in temp files opened and unlinked per statement.
  sqlite.pragma('temp_store = MEMORY');
  sqlite.pragma('wal_autocheckpoint = 0'); // checkpoints run in a worker thread instead
  // Accent- and case-insensitive search (src/core/fold-text.ts); PostgreSQL has its own switchboard_fold.
  sqlite.function('switchboard_fold', { deterministic: true }, (text: unknown) => (typeof text === 'string' ? foldText(text) : text));
  const cached = withCachedStatements(sqlite);
  // The hot path's raw statements run on the connection directly (direct-sqlite.ts), from the same cache.
  const db = new Kysely<Database>({
    dialect: directSqliteDialect({ database: cached }, new DirectSqlite((source) => cached.prepare(source))),
  });
  await migrateToLatest(db as Kysely<unknown>, 'sqlite');
  const checkpointer = new WalCheckpointer(file, sqlite);
  // The inbox search index, off the message path (0024-hot-path-writes).
  const searchIndexer = new SearchIndexer(db, (err) =>
    process.stderr.write(`search index refresh failed: ${err instanceof Error ? err.message : String(err)}\n`),
  );
  searchIndexer.start();
  return {
    db,
    dialect: SQLITE_DIALECT,
    releaseStartupLock: async () => undefined,
    close: async () => {
      await searchIndexer.stop();
      await checkpointer.stop();
      await db.destroy();
    },
  };
}
