import { sql, type Kysely } from 'kysely';
import type { DialectName } from '../dialect-name.ts';

/** First schema: channels, raw webhook events, contacts, conversations, messages, statuses, jobs. */
export function coreMigration(dialect: DialectName) {
  const serial = dialect === 'postgres' ? 'bigserial' : 'integer';
  const time = 'bigint';
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('meta')
        .ifNotExists()
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('channels')
        .ifNotExists()
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('business_account_id', 'text')
        .addColumn('display_phone_number', 'text')
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('created_at', time, (c) => c.notNull())
        .addUniqueConstraint('channels_kind_account_unique', ['kind', 'account_id'])
        .execute();

      await db.schema
        .createTable('webhook_events')
        .ifNotExists()
        .addColumn('id', serial, (c) => (dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
        .addColumn('provider', 'text', (c) => c.notNull())
        .addColumn('received_at', time, (c) => c.notNull())
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('processed_at', time)
        .addColumn('error', 'text')
        .execute();
      // The ingest loop only ever looks for pending events, oldest first.
      await db.schema.createIndex('webhook_events_pending').ifNotExists().on('webhook_events').columns(['status', 'id']).execute();

      await db.schema
        .createTable('contacts')
        .ifNotExists()
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('channel_kind', 'text', (c) => c.notNull())
        .addColumn('external_id', 'text', (c) => c.notNull())
        .addColumn('phone_e164', 'text')
        .addColumn('profile_name', 'text')
        .addColumn('created_at', time, (c) => c.notNull())
        .addColumn('updated_at', time, (c) => c.notNull())
        .addUniqueConstraint('contacts_channel_external_unique', ['channel_kind', 'external_id'])
        .execute();

      await db.schema
        .createTable('conversations')
        .ifNotExists()
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('channel_id', 'text', (c) => c.notNull().references('channels.id'))
        .addColumn('contact_id', 'text', (c) => c.notNull().references('contacts.id'))
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('last_customer_message_at', time)
        .addColumn('last_message_at', time, (c) => c.notNull())
        .addColumn('last_message_preview', 'text')
        .addColumn('unread_count', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', time, (c) => c.notNull())
        .addColumn('updated_at', time, (c) => c.notNull())
        .execute();
      // At most one open (active or archived) conversation per number and contact.
      await sql`create unique index if not exists conversations_open_unique on conversations (channel_id, contact_id) where status <> 'closed'`.execute(
        db,
      );
      await db.schema
        .createIndex('conversations_activity')
        .ifNotExists()
        .on('conversations')
        .columns(['last_message_at desc', 'id desc'])
        .execute();

      await db.schema
        .createTable('messages')
        .ifNotExists()
        .addColumn('id', 'text', (c) => c.notNull().unique())
        .addColumn('seq', serial, (c) => (dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
        .addColumn('conversation_id', 'text', (c) => c.notNull().references('conversations.id'))
        .addColumn('channel_id', 'text', (c) => c.notNull())
        .addColumn('direction', 'text', (c) => c.notNull())
        .addColumn('external_id', 'text')
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('text', 'text')
        .addColumn('content', 'text', (c) => c.notNull())
        .addColumn('raw', 'text')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('status_at', time)
        .addColumn('error_code', 'text')
        .addColumn('error_message', 'text')
        .addColumn('reply_to_external_id', 'text')
        .addColumn('sent_at', time, (c) => c.notNull())
        .addColumn('created_at', time, (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('author', 'text')
        .execute();
      // The dedupe key: Meta may deliver one wamid many times, concurrently.
      await sql`create unique index if not exists messages_external_unique on messages (channel_id, external_id) where external_id is not null`.execute(
        db,
      );
      await db.schema.createIndex('messages_conversation_seq').ifNotExists().on('messages').columns(['conversation_id', 'seq']).execute();

      await db.schema
        .createTable('status_events')
        .ifNotExists()
        .addColumn('id', serial, (c) => (dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
        .addColumn('channel_id', 'text', (c) => c.notNull())
        .addColumn('external_id', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('at', time, (c) => c.notNull())
        .addColumn('message_id', 'text')
        .addColumn('errors', 'text')
        .addColumn('pricing', 'text')
        .addColumn('biz_opaque', 'text')
        .addColumn('raw', 'text', (c) => c.notNull())
        .addColumn('received_at', time, (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('status_events_external')
        .ifNotExists()
        .on('status_events')
        .columns(['channel_id', 'external_id'])
        .execute();

      // Used by the embedded job runner only; PostgreSQL mode uses graphile-worker's own schema.
      await db.schema
        .createTable('jobs')
        .ifNotExists()
        .addColumn('id', serial, (c) => (dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
        .addColumn('task', 'text', (c) => c.notNull())
        .addColumn('queue_name', 'text')
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('run_at', time, (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('max_attempts', 'integer', (c) => c.notNull())
        .addColumn('locked_at', time)
        .addColumn('failed_at', time)
        .addColumn('last_error', 'text')
        .addColumn('job_key', 'text', (c) => c.unique())
        .addColumn('created_at', time, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('jobs_run_at').ifNotExists().on('jobs').columns(['run_at', 'id']).execute();
      await db.schema.createIndex('jobs_queue').ifNotExists().on('jobs').columns(['queue_name', 'id']).execute();
    },
  };
}
