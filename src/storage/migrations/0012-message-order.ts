import { sql, type Kysely } from 'kysely';
import type { DialectName } from '../dialect-name.ts';

// Inlined, not imported: a shipped migration must not change when the code around it does.
const MAX_FUTURE_SKEW_MS = 5 * 60_000;
const EARLIEST_SENT_AT = Date.UTC(2009, 0, 1);

/**
 * The customer's order. `sort_at` orders a conversation's messages (the customer's send time for
 * theirs, ours for ours; then `seq`, the arrival order) for listing and processing, with an index
 * for both. `timestamp_anomaly` marks a customer message whose WhatsApp timestamp was unusable
 * (`invalid`, `past`: before 2009, `future`: more than five minutes after we got it) and was
 * replaced by the time we received it (src/ingest/sent-time.ts).
 *
 * Absurd send times stored before this (a year-5138 timestamp held the 24-hour window open for
 * ever; one past year 275760 made every conversation list answer 500) are repaired the same way,
 * with the time we stored the message, and so are the conversation times that came from them.
 */
export function messageOrderMigration(_dialect: DialectName) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .alterTable('messages')
        .addColumn('sort_at', 'bigint', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema.alterTable('messages').addColumn('timestamp_anomaly', 'text').execute();

      const absurd = (col: string, ref: string) => sql.raw(`(${col} > ${ref} + ${MAX_FUTURE_SKEW_MS} or ${col} < ${EARLIEST_SENT_AT})`);
      // First the response clock, while the message that started it still carries its absurd time.
      await sql`update conversations set awaiting_reply_since = coalesce((select min(m.created_at) from messages m
          where m.conversation_id = conversations.id and m.direction = 'in' and m.sent_at = conversations.awaiting_reply_since), updated_at)
        where awaiting_reply_since is not null and ${absurd('awaiting_reply_since', 'updated_at')}`.execute(db);
      await sql`update messages set timestamp_anomaly = case when sent_at < ${EARLIEST_SENT_AT} then 'past' else 'future' end, sent_at = created_at
        where direction = 'in' and ${absurd('sent_at', 'created_at')}`.execute(db);
      await sql`update conversations set last_customer_message_at = (select max(m.sent_at) from messages m
          where m.conversation_id = conversations.id and m.direction = 'in')
        where last_customer_message_at is not null and ${absurd('last_customer_message_at', 'updated_at')}`.execute(db);
      await sql`update messages set sort_at = sent_at`.execute(db);

      await db.schema
        .createIndex('messages_conversation_sort')
        .ifNotExists()
        .on('messages')
        .columns(['conversation_id', 'sort_at', 'seq'])
        .execute();
    },
  };
}
