import type { Kysely } from 'kysely';
import type { DialectName } from '../dialect-name.ts';

/**
 * Broadcasts (issue 17, docs/broadcasts.md): audiences (a CSV import or a saved segment), their
 * members, broadcasts (one number, one template, parameters, a lifecycle state) and the
 * recipients a broadcast froze when it started, each with the outbound message it became.
 */
export function broadcastsMigration(dialect: DialectName) {
  const time = 'bigint' as const;
  const money = dialect === 'postgres' ? 'double precision' : 'real';
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('audiences')
        .ifNotExists()
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull()) // csv | segment
        .addColumn('segment', 'text') // JSON filter (kind segment)
        .addColumn('columns', 'text') // JSON: the CSV's variable columns (kind csv)
        .addColumn('default_country', 'text')
        .addColumn('member_count', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('rejected_count', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('report', 'text') // JSON: rejections by reason and the first rejected rows
        .addColumn('created_by', 'text')
        .addColumn('created_at', time, (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('audience_members')
        .ifNotExists()
        .addColumn('audience_id', 'text', (c) => c.notNull())
        .addColumn('contact_id', 'text', (c) => c.notNull())
        .addColumn('line', 'integer', (c) => c.notNull()) // the CSV line it came from
        .addColumn('variables', 'text', (c) => c.notNull()) // JSON: column -> value
        .addPrimaryKeyConstraint('audience_members_pk', ['audience_id', 'contact_id'])
        .execute();
      await db.schema
        .createTable('broadcasts')
        .ifNotExists()
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('channel_id', 'text', (c) => c.notNull())
        .addColumn('template_id', 'text', (c) => c.notNull())
        .addColumn('audience_id', 'text', (c) => c.notNull())
        .addColumn('parameters', 'text', (c) => c.notNull()) // JSON: fixed values, {column}, {contact, fallback}
        .addColumn('state', 'text', (c) => c.notNull()) // draft | scheduled | running | paused | completed | cancelled | failed
        .addColumn('state_reason', 'text')
        .addColumn('opt_in_override_reason', 'text')
        .addColumn('rate_per_second', 'integer', (c) => c.notNull())
        .addColumn('scheduled_at', time)
        .addColumn('time_zone', 'text')
        .addColumn('excluded', 'text') // JSON: counts excluded when frozen (not opted in, opted out, blocked)
        .addColumn('created_by', 'text')
        .addColumn('created_at', time, (c) => c.notNull())
        .addColumn('updated_at', time, (c) => c.notNull())
        .addColumn('started_at', time)
        .addColumn('ended_at', time)
        .execute();
      await db.schema.createIndex('broadcasts_state').ifNotExists().on('broadcasts').columns(['state', 'created_at']).execute();
      await db.schema
        .createTable('broadcast_recipients')
        .ifNotExists()
        .addColumn('broadcast_id', 'text', (c) => c.notNull())
        .addColumn('seq', 'integer', (c) => c.notNull()) // the order they go in
        .addColumn('contact_id', 'text', (c) => c.notNull())
        .addColumn('address', 'text', (c) => c.notNull()) // E.164 phone, or the BSUID
        .addColumn('components', 'text', (c) => c.notNull()) // JSON: the Graph components, checked at start
        .addColumn('rendered', 'text', (c) => c.notNull()) // the text the customer sees
        .addColumn('price_estimate', money, (c) => c.notNull().defaultTo(0))
        .addColumn('state', 'text', (c) => c.notNull()) // pending | queued | failed
        .addColumn('error_code', 'text')
        .addColumn('error_message', 'text')
        .addColumn('message_id', 'text') // the outbound message it became
        .addColumn('queued_at', time)
        .addPrimaryKeyConstraint('broadcast_recipients_pk', ['broadcast_id', 'contact_id'])
        .execute();
      await db.schema
        .createIndex('broadcast_recipients_state_seq')
        .ifNotExists()
        .on('broadcast_recipients')
        .columns(['broadcast_id', 'state', 'seq'])
        .execute();
      await db.schema.createIndex('broadcast_recipients_message').ifNotExists().on('broadcast_recipients').column('message_id').execute();
    },
  };
}
