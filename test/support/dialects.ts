import { describe } from 'node:test';

export type TestDialect = 'sqlite' | 'postgres';

/** The PostgreSQL server the suites use when DATABASE_URL is set (CI sets it). */
export const postgresUrl = process.env.DATABASE_URL;

/** Runs a suite on SQLite always and on PostgreSQL when DATABASE_URL is set; says so when not. */
export function forEachDialect(name: string, fn: (dialect: TestDialect) => void): void {
  describe(`${name} [sqlite]`, () => fn('sqlite'));
  if (postgresUrl) describe(`${name} [postgres]`, () => fn('postgres'));
  else describe(`${name} [postgres]`, { skip: 'PostgreSQL suite skipped: DATABASE_URL is not set' }, () => {});
}
