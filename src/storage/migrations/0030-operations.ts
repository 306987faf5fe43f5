import type { Kysely } from 'kysely';
import type { DialectName } from '../dialect-name.ts';

/**
 * Operations (issue 19). `number_quality`: the last `phone_number_quality_update` WhatsApp sent
 * for each number (GET /api/v1/status shows it; FLAGGED or DOWNGRADE is an attention item).
 * `attention_items`: the attention items seen now, one row each, so that `system.attention` is
 * emitted once when an item appears (the insert that wins emits it, on any process) and again
 * only after it cleared and came back. An index on the event webhook deliveries' status, which
 * /metrics and the status page count.
 */
export function operationsMigration(_dialect: DialectName) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('number_quality')
        .ifNotExists()
        .addColumn('channel_id', 'text', (c) => c.primaryKey())
        .addColumn('event', 'text', (c) => c.notNull())
        .addColumn('current_limit', 'text')
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('attention_items')
        .ifNotExists()
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('first_seen_at', 'bigint', (c) => c.notNull())
        .execute();
      // The event webhook backlog (a /metrics gauge and the status page) is counted by status, not by a scan.
      await db.schema
        .createIndex('webhook_deliveries_status')
        .ifNotExists()
        .on('webhook_deliveries')
        .columns(['status', 'created_at'])
        .execute();
    },
  };
}
