import type { Kysely } from 'kysely';
import type { DialectName } from '../dialect-name.ts';

/**
 * `users.language` (issue 15): the language the user picked for the web app (`en`, `es`…);
 * null (the default) follows the browser's.
 */
export function usersLanguageMigration(_dialect: DialectName) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('users').addColumn('language', 'text').execute();
    },
  };
}
