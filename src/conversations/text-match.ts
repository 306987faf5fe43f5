import { sql, type RawBuilder, type SqlBool } from 'kysely';

/**
 * "column contains q", ignoring case and accents ("nandu" finds "Ñandú"): both sides go through
 * `switchboard_fold` (src/core/fold-text.ts; a registered function on SQLite, a database function on
 * PostgreSQL: 0010, made faster by 0044), with the user's % and _ taken literally. Not indexed: callers bound the scan with
 * the keyset order and a limit.
 */
export function containsText(column: string, q: string): RawBuilder<SqlBool> {
  return sql<SqlBool>`switchboard_fold(${sql.ref(column)}) like ${foldedPattern(q)} escape '\\'`;
}

/** `%q%` folded, as SQL (use with `escape '\'`): the database folds it with the same function as the text. */
export function foldedPattern(q: string): RawBuilder<string> {
  return sql<string>`switchboard_fold(${likePattern(q)})`;
}

/** `%q%` with the user's %, _ and \ taken literally (use with `escape '\'`). */
export function likePattern(q: string): string {
  return `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
