import type SQLite from 'better-sqlite3';

/** The cache's prepare, typed as better-sqlite3's statement (direct-sqlite.ts runs them itself). */
export interface CachedStatements {
  prepare(source: string): SQLite.Statement;
  close(): void;
}

/**
 * Kysely's SQLite driver prepares every query anew; compiling the same SQL again costs 10-60 µs
 * and was a fifth of the CPU per message in the benchmark's profile. Kysely runs one statement at
 * a time on this connection, so a prepared statement can be reused. Bounded, oldest out first.
 */
export function withCachedStatements(sqlite: SQLite.Database, max = 500): CachedStatements {
  const cache = new Map<string, SQLite.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(source: string) {
      let stmt = cache.get(source);
      if (stmt === undefined) {
        stmt = sqlite.prepare(source);
        if (cache.size >= max) {
          const oldest = cache.keys().next();
          if (!oldest.done) cache.delete(oldest.value);
        }
        cache.set(source, stmt);
      }
      return stmt;
    },
  };
}
