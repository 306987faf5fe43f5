import type { Kysely } from 'kysely';

/**
 * Broadcast recipients read in send order (issue #17): the recipients list and its CSV export page
 * through a broadcast by `seq`, 1,000 at a time. Without (broadcast_id, seq) each page sorted all
 * of the broadcast's recipients again (100,000 for a large one); with it each page is a range read.
 */
export function broadcastRecipientOrderMigration() {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createIndex('broadcast_recipients_seq')
        .ifNotExists()
        .on('broadcast_recipients')
        .columns(['broadcast_id', 'seq'])
        .execute();
    },
  };
}
