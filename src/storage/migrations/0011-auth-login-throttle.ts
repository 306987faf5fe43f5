import type { Kysely } from 'kysely';
import type { DialectName } from '../dialect-name.ts';

/**
 * Failed sign-ins, counted per key (src/auth/login-throttle.ts): one row per account, account and
 * address, and address, named by a SHA-256 so no email or address is stored. In the database so
 * every process behind a load balancer shares the same counts.
 */
export function authLoginThrottleMigration(_dialect: DialectName) {
  const time = 'bigint' as const;
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('login_throttle')
        .ifNotExists()
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('failures', 'integer', (c) => c.notNull())
        .addColumn('locked_until', time, (c) => c.notNull())
        .addColumn('last_failure_at', time, (c) => c.notNull())
        .execute();
      // Rows forgotten after a quiet day are purged by this index.
      await db.schema.createIndex('login_throttle_last_failure').ifNotExists().on('login_throttle').column('last_failure_at').execute();
    },
  };
}
