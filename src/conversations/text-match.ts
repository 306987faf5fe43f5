import { sql, type RawBuilder, type SqlBool } from 'kysely';
import type { DialectName } from '../storage/dialect-name.ts';

/**
 * "column contains q", case-insensitively: LIKE on SQLite (case-insensitive for ASCII) and ILIKE
 * on PostgreSQL, with the user's % and _ taken literally. Not indexed: callers bound the scan
 * with the keyset order and a limit.
 */
export function containsText(dialect: DialectName, column: string, q: string): RawBuilder<SqlBool> {
  const pattern = likePattern(q);
  const op = sql.raw(dialect === 'postgres' ? 'ilike' : 'like');
  return sql<SqlBool>`${sql.ref(column)} ${op} ${pattern} escape '\\'`;
}

/** `%q%` with the user's %, _ and \ taken literally (use with `escape '\'`). */
export function likePattern(q: string): string {
  return `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
