import type SQLite from 'better-sqlite3';
import { type DatabaseConnection, type Driver, SqliteAdapter, SqliteDialect, type SqliteDialectConfig, SqliteDriver } from 'kysely';
import type { Executor } from './executor.ts';

/**
 * SQLite's one connection, for statements run without Kysely's executor (raw-query.ts): a cached
 * prepared statement called synchronously. Kysely's path costs several promises, a connection
 * mutex and a result transform per statement, more than SQLite running the hot path's short
 * statements (issue #16). Safe only where no other transaction can be open on the connection
 * meanwhile: inside a Kysely transaction on it (it holds the connection from `begin` to `commit`),
 * or outside any while the connection is free (`held` false): the statement then runs and
 * commits by itself before anything else can start.
 */
export class DirectSqlite {
  /** Kysely holds the connection (a transaction, or a statement on its way). */
  held = false;

  constructor(readonly prepare: (source: string) => SQLite.Statement) {}

  /** The connection to run on directly from `db` now, or undefined: go through Kysely. */
  usableFrom(db: Executor): DirectSqlite | undefined {
    return db.isTransaction || !this.held ? this : undefined;
  }
}

// Kysely hands a query's executor, not its driver, to the code that runs it: its adapter, one per
// database, is the key that finds the connection.
const byAdapter = new WeakMap<object, DirectSqlite>();

/** The direct connection of a SQLite database opened with directSqliteDialect, if `db` may use it now. */
export function directSqliteFor(db: Executor): DirectSqlite | undefined {
  return byAdapter.get(db.getExecutor().adapter)?.usableFrom(db);
}

/** Kysely's SQLite dialect, telling `direct` whenever Kysely holds the connection. */
export function directSqliteDialect(config: SqliteDialectConfig, direct: DirectSqlite): SqliteDialect {
  return new (class extends SqliteDialect {
    override createDriver(): Driver {
      return new HeldSqliteDriver(config, direct);
    }
    override createAdapter(): SqliteAdapter {
      const adapter = new SqliteAdapter();
      byAdapter.set(adapter, direct);
      return adapter;
    }
  })(config);
}

class HeldSqliteDriver extends SqliteDriver {
  constructor(
    config: SqliteDialectConfig,
    private readonly direct: DirectSqlite,
  ) {
    super(config);
  }

  override async acquireConnection(): Promise<DatabaseConnection> {
    const connection = await super.acquireConnection();
    this.direct.held = true;
    return connection;
  }

  override async releaseConnection(): Promise<void> {
    this.direct.held = false;
    await super.releaseConnection();
  }
}
