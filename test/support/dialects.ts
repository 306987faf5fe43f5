import { describe } from 'node:test';

export type TestDialect = 'sqlite' | 'postgres';

/**
 * The PostgreSQL database the suites may wipe: TEST_DATABASE_URL, never DATABASE_URL (the
 * variable the server uses in production). `.ci/run` sets it.
 */
export const postgresUrl = process.env.TEST_DATABASE_URL || undefined;

/** Runs a suite on SQLite always and on PostgreSQL when TEST_DATABASE_URL is set; says so when not. */
export function forEachDialect(name: string, fn: (dialect: TestDialect) => void): void {
  describe(`${name} [sqlite]`, () => fn('sqlite'));
  if (postgresUrl) describe(`${name} [postgres]`, () => fn('postgres'));
  else describe(`${name} [postgres]`, { skip: 'PostgreSQL suite skipped: TEST_DATABASE_URL is not set' }, () => {});
}
