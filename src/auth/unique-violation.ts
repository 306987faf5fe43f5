/** A unique-constraint failure, as SQLite (better-sqlite3) and PostgreSQL (pg) report it. */
export function isUniqueViolation(err: unknown): boolean {
  return codeOf(err) === 'SQLITE_CONSTRAINT_UNIQUE' || codeOf(err) === 'SQLITE_CONSTRAINT_PRIMARYKEY' || codeOf(err) === '23505';
}

/** A foreign-key failure (a row still referenced elsewhere), in either dialect. */
export function isForeignKeyViolation(err: unknown): boolean {
  return codeOf(err) === 'SQLITE_CONSTRAINT_FOREIGNKEY' || codeOf(err) === '23503';
}

function codeOf(err: unknown): unknown {
  return typeof err === 'object' && err !== null && 'code' in err ? err.code : undefined;
}
