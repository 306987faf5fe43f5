import { PostgresAdapter, sql, type RawBuilder, type SqlBool } from 'kysely';
import type { DialectName } from './dialect-name.ts';
import type { Executor } from './executor.ts';

export type { DialectName } from './dialect-name.ts';

/**
 * Everything Switchboard does differently on SQLite and PostgreSQL, in one object: code asks a
 * capability (or takes a SQL fragment) from here instead of testing which database it is on.
 * Storage carries it (`storage.dialect`); code that holds only a query executor uses dialectOf(db).
 */
export interface Dialect {
  readonly name: DialectName;
  /** Several server processes may share the database: row locks, advisory locks, LISTEN/NOTIFY, graphile-worker. */
  readonly multiProcess: boolean;
  /** SELECT ... FOR UPDATE SKIP LOCKED. */
  readonly skipLocked: boolean;
  /**
   * Change sequences come from transaction ids, which commit out of order: a reader must stay below
   * the oldest transaction still running (pg_snapshot_xmin) or it would skip a change that commits later.
   */
  readonly changesCommitOutOfOrder: boolean;
  /** Inbox text search: an FTS5 trigram table (SQLite) or a pg_trgm index over a folded column (PostgreSQL). */
  readonly textSearch: 'fts5' | 'pg_trgm';
  /** SQLite plans an IN (subquery) list better; PostgreSQL a correlated EXISTS. */
  readonly prefersExistsToIn: boolean;
  /** `column < oldest running transaction id` where changes commit out of order; true otherwise. */
  settledBelowRunningTransactions(column: RawBuilder<unknown>): RawBuilder<SqlBool>;
  /** Whether the JSON text in `column` has an object at top-level key `key`. */
  jsonHasObject(column: RawBuilder<unknown>, key: string): RawBuilder<SqlBool>;
  /** Whether the JSON array text in `column` holds the string `value`. */
  jsonArrayHas(column: RawBuilder<unknown>, value: string): RawBuilder<SqlBool>;
  /** Whether the JSON object text in `column` has `key` equal to `value`, of the same JSON type. */
  jsonKeyEquals(column: RawBuilder<unknown>, key: string, value: string | number | boolean): RawBuilder<SqlBool>;
}

/** SQLite: json_type tells a JSON true from the number 1, which json_extract returns alike. */
function sqliteJsonKeyEquals(column: RawBuilder<unknown>, key: string, value: string | number | boolean): RawBuilder<SqlBool> {
  const path = `$."${key.replaceAll('"', '\\"')}"`;
  if (typeof value === 'boolean') return sql<SqlBool>`json_type(${column}, ${path}) = ${value ? 'true' : 'false'}`;
  if (typeof value === 'number')
    return sql<SqlBool>`(json_type(${column}, ${path}) in ('integer', 'real') and json_extract(${column}, ${path}) = ${value})`;
  return sql<SqlBool>`(json_type(${column}, ${path}) = 'text' and json_extract(${column}, ${path}) = ${value})`;
}

export const SQLITE_DIALECT: Dialect = Object.freeze<Dialect>({
  name: 'sqlite',
  multiProcess: false,
  skipLocked: false,
  changesCommitOutOfOrder: false,
  textSearch: 'fts5',
  prefersExistsToIn: false,
  settledBelowRunningTransactions: () => sql<SqlBool>`1 = 1`,
  jsonHasObject: (column, key) => sql<SqlBool>`json_type(${column}, ${`$.${key}`}) = 'object'`,
  jsonArrayHas: (column, value) => sql<SqlBool>`exists (select 1 from json_each(${column}) where json_each.value = ${value})`,
  jsonKeyEquals: sqliteJsonKeyEquals,
});

export const POSTGRES_DIALECT: Dialect = Object.freeze<Dialect>({
  name: 'postgres',
  multiProcess: true,
  skipLocked: true,
  changesCommitOutOfOrder: true,
  textSearch: 'pg_trgm',
  prefersExistsToIn: true,
  settledBelowRunningTransactions: (column) => sql<SqlBool>`${column} < pg_snapshot_xmin(pg_current_snapshot())::text::bigint`,
  jsonHasObject: (column, key) => sql<SqlBool>`jsonb_typeof(${column}::jsonb -> ${key}) = 'object'`,
  jsonArrayHas: (column, value) => sql<SqlBool>`${column}::jsonb @> jsonb_build_array(${value}::text)`,
  jsonKeyEquals: (column, key, value) => sql<SqlBool>`${column}::jsonb @> ${JSON.stringify({ [key]: value })}::jsonb`,
});

/** The dialect of the database an executor talks to (the one place that inspects Kysely's adapter). */
export function dialectOf(db: Executor): Dialect {
  return db.getExecutor().adapter instanceof PostgresAdapter ? POSTGRES_DIALECT : SQLITE_DIALECT;
}
