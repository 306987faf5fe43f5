import { CompiledQuery } from 'kysely';
import { dialectOf } from './dialect.ts';
import { directSqliteFor } from './direct-sqlite.ts';
import type { Executor } from './executor.ts';

/** One statement, written once with `?` placeholders, kept in both dialects' spelling. */
export interface RawQuery {
  sqlite: string;
  postgres: string;
}

/**
 * For the few statements every message runs: Kysely's query building costs more than SQLite
 * running them (profiled: ~25 µs a statement). Write the SQL once with `?` placeholders and no
 * `?` anywhere else; the PostgreSQL spelling ($1, $2, ...) is derived here.
 */
export function rawQuery(text: string): RawQuery {
  let n = 0;
  const q = { sqlite: text, postgres: text.replace(/\?/g, () => `$${++n}`) };
  // Keyed by text: a statement built per call (broadcast-tallies' wide upserts) is kept once, not per call.
  if (!made.has(text)) made.set(text, q);
  // Not a `select *` or `returning *`: another process's migration adding a column would change its
  // result's shape, and PostgreSQL refuses to run such a prepared statement again ("cached plan must
  // not change result type"), inside a transaction it then aborts. Named columns keep their shape.
  if (!/\*\s+from\b|returning\s+\*/i.test(q.postgres) && !preparedNames.has(q.postgres))
    preparedNames.set(q.postgres, `sb_raw_${preparedNames.size + 1}`);
  return q;
}

const made = new Map<string, RawQuery>();

/** A select list naming `columns` (quoted), for a prebuilt statement that must not select `*`. */
export function columnList(columns: readonly string[]): string {
  return columns.map((c) => `"${c}"`).join(', ');
}

const preparedNames = new Map<string, string>();

/** PostgreSQL: the prepared statement's name for one of these statements' text (pg-prepared-client.ts). */
export function preparedStatementName(postgresText: string): string | undefined {
  return preparedNames.get(postgresText);
}

/** Every raw statement the loaded modules built: hot-path statements, whose query plans a test checks. */
export function rawQueriesMade(): readonly RawQuery[] {
  return [...made.values()];
}

export async function runRaw<R>(db: Executor, q: RawQuery, params: readonly unknown[]): Promise<R[]> {
  // SQLite: the prepared statement at once, without Kysely's executor, where that is safe (direct-sqlite.ts).
  const direct = directSqliteFor(db);
  if (direct) {
    const stmt = direct.prepare(q.sqlite);
    if (stmt.reader) return stmt.all(...params) as R[];
    stmt.run(...params);
    return [];
  }
  const pg = dialectOf(db).name === 'postgres';
  const result = await db.executeQuery<R>(CompiledQuery.raw(pg ? q.postgres : q.sqlite, params as unknown[]));
  return result.rows;
}

/** Runs an update or delete; how many rows it changed (guards such as `where "state" = 'pending'` read it). */
export async function runRawChanges(db: Executor, q: RawQuery, params: readonly unknown[]): Promise<number> {
  const direct = directSqliteFor(db);
  if (direct) {
    const stmt = direct.prepare(q.sqlite);
    return stmt.reader ? stmt.all(...params).length : stmt.run(...params).changes;
  }
  const pg = dialectOf(db).name === 'postgres';
  const result = await db.executeQuery(CompiledQuery.raw(pg ? q.postgres : q.sqlite, params as unknown[]));
  return Number(result.numAffectedRows ?? 0);
}
