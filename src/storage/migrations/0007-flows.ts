import type { Kysely } from 'kysely';
import type { DialectName } from '../dialect-name.ts';

/**
 * Flows: editable drafts, immutable published versions, sessions (one active per contact and
 * channel, persisted at every step), their step log (analytics, drop-off), finished results, and
 * the per-conversation bot pause a hand-off sets.
 */
export function flowsMigration(_dialect: DialectName) {
  const time = 'bigint' as const;
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('flows')
        .ifNotExists()
        .addColumn('id', 'text', (c) => c.primaryKey()) // the document's id (a slug)
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('draft', 'text', (c) => c.notNull()) // JSON document
        .addColumn('published_version', 'integer') // the version new sessions use; null: never published
        .addColumn('source', 'text', (c) => c.notNull()) // api | file:<name>
        .addColumn('created_at', time, (c) => c.notNull())
        .addColumn('updated_at', time, (c) => c.notNull())
        .addColumn('deleted_at', time)
        .execute();

      await db.schema
        .createTable('flow_versions')
        .ifNotExists()
        .addColumn('flow_id', 'text', (c) => c.notNull().references('flows.id').onDelete('cascade'))
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('document', 'text', (c) => c.notNull()) // JSON, never changed once written
        .addColumn('checksum', 'text', (c) => c.notNull()) // sha256 of the canonical JSON: "changed?"
        .addColumn('published_at', time, (c) => c.notNull())
        .addColumn('published_by', 'text', (c) => c.notNull())
        .addColumn('rollback_of', 'integer')
        .addPrimaryKeyConstraint('flow_versions_pk', ['flow_id', 'version'])
        .execute();

      await db.schema
        .createTable('flow_sessions')
        .ifNotExists()
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('flow_id', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('contact_id', 'text', (c) => c.notNull())
        .addColumn('channel_id', 'text', (c) => c.notNull())
        .addColumn('conversation_id', 'text', (c) => c.notNull())
        .addColumn('current_block', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull()) // active | waiting | succeeded | failed | expired
        .addColumn('awaiting', 'text') // answer | wake | http | null
        .addColumn('reason', 'text')
        .addColumn('variables', 'text', (c) => c.notNull()) // JSON { session, result }
        .addColumn('retries', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('step', 'integer', (c) => c.notNull().defaultTo(0)) // bumps at every persist: stale jobs see it
        .addColumn('block_entered_at', time, (c) => c.notNull())
        .addColumn('wake_at', time)
        .addColumn('started_at', time, (c) => c.notNull())
        .addColumn('updated_at', time, (c) => c.notNull())
        .addColumn('ended_at', time)
        .execute();
      // The inbound hot path: "does this contact have a live session on this channel?"
      await db.schema
        .createIndex('flow_sessions_contact_live')
        .ifNotExists()
        .on('flow_sessions')
        .columns(['contact_id', 'channel_id', 'status'])
        .execute();
      await db.schema.createIndex('flow_sessions_flow').ifNotExists().on('flow_sessions').columns(['flow_id', 'started_at']).execute();
      await db.schema.createIndex('flow_sessions_wake').ifNotExists().on('flow_sessions').columns(['status', 'wake_at']).execute();

      await db.schema
        .createTable('flow_session_steps')
        .ifNotExists()
        .addColumn('id', 'text', (c) => c.primaryKey()) // time-ordered
        .addColumn('session_id', 'text', (c) => c.notNull().references('flow_sessions.id').onDelete('cascade'))
        .addColumn('flow_id', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('block', 'text', (c) => c.notNull())
        .addColumn('block_type', 'text', (c) => c.notNull())
        .addColumn('entered_at', time, (c) => c.notNull())
        .addColumn('left_at', time, (c) => c.notNull())
        .addColumn('exit', 'text')
        .addColumn('answer', 'text')
        .addColumn('valid', 'integer') // 1 | 0 | null (not a question)
        .execute();
      await db.schema
        .createIndex('flow_session_steps_session')
        .ifNotExists()
        .on('flow_session_steps')
        .columns(['session_id', 'id'])
        .execute();
      await db.schema
        .createIndex('flow_session_steps_flow')
        .ifNotExists()
        .on('flow_session_steps')
        .columns(['flow_id', 'version', 'block'])
        .execute();

      await db.schema
        .createTable('flow_results')
        .ifNotExists()
        .addColumn('session_id', 'text', (c) => c.primaryKey())
        .addColumn('flow_id', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('contact_id', 'text', (c) => c.notNull())
        .addColumn('conversation_id', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull()) // succeeded | failed | expired
        .addColumn('reason', 'text')
        .addColumn('result', 'text', (c) => c.notNull()) // JSON payload of the end block
        .addColumn('answers', 'text', (c) => c.notNull()) // JSON [{block, answer, valid, at}]
        .addColumn('variables', 'text', (c) => c.notNull()) // JSON
        .addColumn('started_at', time, (c) => c.notNull())
        .addColumn('ended_at', time, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('flow_results_flow').ifNotExists().on('flow_results').columns(['flow_id', 'ended_at']).execute();

      await db.schema
        .createTable('flow_bot_pauses')
        .ifNotExists()
        .addColumn('conversation_id', 'text', (c) => c.primaryKey())
        .addColumn('session_id', 'text')
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('paused_at', time, (c) => c.notNull())
        .execute();
    },
  };
}
