import type { Kysely } from 'kysely';
import type { DialectName } from '../dialect-name.ts';

/** Event webhooks for integrators: subscriptions, emitted events, deliveries and their attempts. */
export function eventWebhooksMigration(dialect: DialectName) {
  const serial = dialect === 'postgres' ? 'bigserial' : 'integer';
  const time = 'bigint';
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('webhook_subscriptions')
        .ifNotExists()
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('events', 'text', (c) => c.notNull()) // JSON array of event types, or ["*"]
        .addColumn('secret', 'text', (c) => c.notNull()) // needed in clear to sign; never returned by the API
        .addColumn('description', 'text')
        .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1))
        .addColumn('max_concurrency', 'integer', (c) => c.notNull().defaultTo(2)) // deliveries in flight at once
        .addColumn('created_at', time, (c) => c.notNull())
        .addColumn('updated_at', time, (c) => c.notNull())
        .execute();

      // Only events someone subscribed to are kept; `body` is the exact JSON every attempt sends.
      await db.schema
        .createTable('emitted_events')
        .ifNotExists()
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('created_at', time, (c) => c.notNull())
        .addColumn('body', 'text', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('webhook_deliveries')
        .ifNotExists()
        .addColumn('id', 'text', (c) => c.primaryKey()) // time-ordered: the log pages by id
        .addColumn('subscription_id', 'text', (c) => c.notNull().references('webhook_subscriptions.id').onDelete('cascade'))
        .addColumn('event_id', 'text', (c) => c.notNull().references('emitted_events.id'))
        .addColumn('status', 'text', (c) => c.notNull()) // pending | succeeded | dead
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('next_attempt_at', time)
        .addColumn('last_attempt_at', time)
        .addColumn('last_status_code', 'integer')
        .addColumn('last_error', 'text')
        .addColumn('replay_of', 'text')
        .addColumn('created_at', time, (c) => c.notNull())
        .addColumn('completed_at', time)
        .execute();
      await db.schema
        .createIndex('webhook_deliveries_log')
        .ifNotExists()
        .on('webhook_deliveries')
        .columns(['subscription_id', 'id'])
        .execute();

      await db.schema
        .createTable('webhook_delivery_attempts')
        .ifNotExists()
        .addColumn('id', serial, (c) => (dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
        .addColumn('delivery_id', 'text', (c) => c.notNull().references('webhook_deliveries.id').onDelete('cascade'))
        .addColumn('attempt', 'integer', (c) => c.notNull())
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('started_at', time, (c) => c.notNull())
        .addColumn('duration_ms', 'integer', (c) => c.notNull())
        .addColumn('status_code', 'integer')
        .addColumn('error', 'text')
        .addColumn('response_excerpt', 'text')
        .execute();
      await db.schema
        .createIndex('webhook_delivery_attempts_delivery')
        .ifNotExists()
        .on('webhook_delivery_attempts')
        .columns(['delivery_id', 'attempt'])
        .execute();
    },
  };
}
