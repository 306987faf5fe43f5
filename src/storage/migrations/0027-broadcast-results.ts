import { type Kysely, sql } from 'kysely';
import type { DialectName } from '../dialect-name.ts';

/**
 * Broadcast results (issue 17, docs/broadcasts.md "Results"): each recipient's funnel status kept
 * as statuses and replies arrive, counters per broadcast (so a live GET reads a few rows, not every
 * recipient), the broadcast a reply answers on its message and conversation, per-broadcast button
 * flows, and the messaging tier (unique customers reached per number in a rolling 24 h).
 */
export function broadcastResultsMigration(dialect: DialectName) {
  const time = 'bigint' as const;
  const money = dialect === 'postgres' ? 'double precision' : 'real';
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      // pending | queued | sent | delivered | read | failed | unconfirmed: where the recipient is now.
      await db.schema
        .alterTable('broadcast_recipients')
        .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending'))
        .execute();
      await db.schema.alterTable('broadcast_recipients').addColumn('replied_at', time).execute();
      await db.schema.alterTable('broadcast_recipients').addColumn('reply_button', 'text').execute();
      await db.schema.alterTable('broadcast_recipients').addColumn('cost', money).execute(); // recorded from the pricing callback
      // The tick's in-flight recipients, and the segment "replied to broadcast X", by index.
      await db.schema
        .createIndex('broadcast_recipients_status')
        .ifNotExists()
        .on('broadcast_recipients')
        .columns(['broadcast_id', 'status'])
        .execute();
      // The next batch: only the pending recipients, in order. Partial, so a recipient leaves it once
      // handed out and a tick late in a large broadcast does not step over those sent before.
      await db.schema
        .createIndex('broadcast_recipients_pending')
        .ifNotExists()
        .on('broadcast_recipients')
        .columns(['broadcast_id', 'seq'])
        .where(sql.ref('state'), '=', 'pending')
        .execute();
      // Which broadcast a customer's message answers: their latest hand-out.
      await db.schema
        .createIndex('broadcast_recipients_contact')
        .ifNotExists()
        .on('broadcast_recipients')
        .columns(['contact_id', 'queued_at'])
        .execute();
      // Counters per broadcast: one row per funnel status, `replied`, `button:<payload>`, `cost`, `estimate`.
      await db.schema
        .createTable('broadcast_tallies')
        .ifNotExists()
        .addColumn('broadcast_id', 'text', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('n', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('amount', money, (c) => c.notNull().defaultTo(0))
        .addPrimaryKeyConstraint('broadcast_tallies_pk', ['broadcast_id', 'key'])
        .execute();
      await db.schema.alterTable('broadcasts').addColumn('button_flows', 'text').execute(); // JSON: button payload or text -> flow id
      await db.schema.alterTable('broadcasts').addColumn('waiting_reason', 'text').execute(); // why a running broadcast sends nothing now
      await db.schema.alterTable('broadcasts').addColumn('waiting_until', time).execute();
      await db.schema.alterTable('messages').addColumn('broadcast_id', 'text').execute(); // a customer's reply to a broadcast
      await db.schema.alterTable('conversations').addColumn('broadcast_id', 'text').execute(); // the broadcast its latest reply answered
      // Messaging tier per number: null = unlimited.
      await db.schema
        .createTable('messaging_tiers')
        .ifNotExists()
        .addColumn('channel_id', 'text', (c) => c.primaryKey())
        .addColumn('tier', 'integer')
        .addColumn('updated_at', time, (c) => c.notNull())
        .execute();
      // Customers a number reached outside their service window, and when that 24 h window began.
      await db.schema
        .createTable('tier_reach')
        .ifNotExists()
        .addColumn('channel_id', 'text', (c) => c.notNull())
        .addColumn('contact_id', 'text', (c) => c.notNull())
        .addColumn('reached_at', time, (c) => c.notNull())
        .addPrimaryKeyConstraint('tier_reach_pk', ['channel_id', 'contact_id'])
        .execute();
      await db.schema.createIndex('tier_reach_window').ifNotExists().on('tier_reach').columns(['channel_id', 'reached_at']).execute();
    },
  };
}
