import { sql, type Kysely } from 'kysely';
import type { DialectName } from '../dialect-name.ts';

/**
 * One bot pause for every automated responder (flows, the demo bot, the AI to come), no longer
 * only the flows' hand-off: `flow_bot_pauses` becomes `bot_pauses` and records who paused
 * (`paused_by`), the last agent activity that kept it (`last_activity_at`) and, when an idle
 * timeout applies, when it lifts by itself (`resumes_at`, indexed for the sweep).
 */
export function botPauseMigration(_dialect: DialectName) {
  const time = 'bigint' as const;
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('flow_bot_pauses').renameTo('bot_pauses').execute();
      await db.schema.alterTable('bot_pauses').addColumn('paused_by', 'text').execute();
      await db.schema.alterTable('bot_pauses').addColumn('last_activity_at', time).execute();
      await db.schema.alterTable('bot_pauses').addColumn('resumes_at', time).execute();
      // Pauses set by a flow's hand-off before this migration: the flow of their session.
      await sql`update bot_pauses set last_activity_at = paused_at,
        paused_by = coalesce((select 'flow:' || s.flow_id from flow_sessions s where s.id = bot_pauses.session_id), 'flow')`.execute(db);
      await db.schema.createIndex('bot_pauses_resumes_at').ifNotExists().on('bot_pauses').column('resumes_at').execute();
    },
  };
}
