import type { Kysely } from 'kysely';
import type { DialectName } from '../dialect-name.ts';

/**
 * Per-agent read state and auto-assignment (issue 13, part "route"):
 * - `conversation_reads`: how far each user has read each conversation (the highest message
 *   `seq` when they marked it read), so two agents do not clear each other's unread badges;
 * - `channels.auto_assign` (off | first_message | after_handoff) and `channels.auto_assign_team_id`:
 *   when a number's new conversations are routed to a human without anyone asking, and to which team.
 */
export function routeReadsAutoAssignMigration(_dialect: DialectName) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('conversation_reads')
        .ifNotExists()
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('conversation_id', 'text', (c) => c.notNull())
        .addColumn('last_read_seq', 'bigint', (c) => c.notNull())
        .addColumn('read_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('conversation_reads_pk', ['user_id', 'conversation_id'])
        .execute();
      await db.schema
        .alterTable('channels')
        .addColumn('auto_assign', 'text', (c) => c.notNull().defaultTo('off'))
        .execute();
      await db.schema.alterTable('channels').addColumn('auto_assign_team_id', 'text').execute();
    },
  };
}
