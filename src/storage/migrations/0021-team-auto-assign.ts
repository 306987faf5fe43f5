import type { Kysely } from 'kysely';
import type { DialectName } from '../dialect-name.ts';

/**
 * `teams.auto_assign` (issue 13): a team's own auto-assignment mode (off | first_message |
 * after_handoff) for the conversations a number routes to it, overriding the number's
 * `channels.auto_assign`; null (the default) follows the number.
 */
export function teamAutoAssignMigration(_dialect: DialectName) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('teams').addColumn('auto_assign', 'text').execute();
    },
  };
}
