import type { Kysely } from 'kysely';
import type { DialectName } from '../dialect-name.ts';

/**
 * Message templates (our drafts and Meta's copies, one row per channel + name + language), their
 * status history, and per-message cost columns filled from the send (estimate) and from the
 * status callback's pricing object (category, billable, price).
 */
export function templatesMigration(dialect: DialectName) {
  const time = 'bigint';
  const money = dialect === 'postgres' ? 'double precision' : 'real';
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('templates')
        .ifNotExists()
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('channel_id', 'text', (c) => c.notNull())
        .addColumn('waba_id', 'text')
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('language', 'text', (c) => c.notNull())
        .addColumn('category', 'text', (c) => c.notNull())
        .addColumn('parameter_format', 'text', (c) => c.notNull()) // positional | named
        .addColumn('components', 'text', (c) => c.notNull()) // JSON array, Meta's create shape
        .addColumn('status', 'text', (c) => c.notNull()) // DRAFT | PENDING | APPROVED | REJECTED | PAUSED | DISABLED | ...
        .addColumn('rejected_reason', 'text')
        .addColumn('status_detail', 'text') // rejection_info / other_info from Meta, JSON
        .addColumn('quality', 'text') // GREEN | YELLOW | RED | UNKNOWN
        .addColumn('meta_id', 'text')
        .addColumn('submitted_at', time)
        .addColumn('synced_at', time)
        .addColumn('created_at', time, (c) => c.notNull())
        .addColumn('updated_at', time, (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('templates_identity')
        .ifNotExists()
        .unique()
        .on('templates')
        .columns(['channel_id', 'name', 'language'])
        .execute();
      await db.schema.createIndex('templates_meta_id').ifNotExists().on('templates').column('meta_id').execute();

      await db.schema
        .createTable('template_events')
        .ifNotExists()
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('template_id', 'text', (c) => c.notNull().references('templates.id').onDelete('cascade'))
        .addColumn('source', 'text', (c) => c.notNull()) // webhook | sync | submit | api
        .addColumn('status', 'text')
        .addColumn('reason', 'text')
        .addColumn('detail', 'text')
        .addColumn('created_at', time, (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('template_events_template')
        .ifNotExists()
        .on('template_events')
        .columns(['template_id', 'created_at'])
        .execute();

      // One column per statement: SQLite's ALTER TABLE adds one at a time.
      await db.schema.alterTable('messages').addColumn('template_name', 'text').execute();
      await db.schema.alterTable('messages').addColumn('pricing_category', 'text').execute();
      await db.schema.alterTable('messages').addColumn('billable', 'integer').execute(); // 1 | 0 | null (no pricing yet)
      await db.schema.alterTable('messages').addColumn('price_estimate', money).execute();
      await db.schema.alterTable('messages').addColumn('price', money).execute();
      await db.schema.alterTable('messages').addColumn('currency', 'text').execute();
      await db.schema.alterTable('messages').addColumn('opt_in_override_reason', 'text').execute();
      await db.schema.createIndex('messages_cost').ifNotExists().on('messages').columns(['direction', 'created_at']).execute();
    },
  };
}
