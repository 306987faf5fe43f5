import type { Kysely } from 'kysely';
import type { DialectName } from '../dialect-name.ts';

/**
 * Customer media (src/media/customer-media-*.ts): one row per inbound message that
 * carries a WhatsApp media id. The bytes live in the media folder (DATA_DIR/media), named by the
 * message id; the row says whether they are there (`stored`), not yet (`pending`), refused for
 * size (`too_large`), gone from WhatsApp (`expired`) or failed for another reason (`failed`).
 */
export function customerMediaMigration(_dialect: DialectName) {
  const time = 'bigint' as const;
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('media_files')
        .ifNotExists()
        .addColumn('message_id', 'text', (c) => c.primaryKey())
        .addColumn('conversation_id', 'text', (c) => c.notNull())
        .addColumn('channel_id', 'text', (c) => c.notNull())
        .addColumn('provider_media_id', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('mime_type', 'text')
        .addColumn('filename', 'text')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('size', 'bigint')
        .addColumn('error', 'text')
        .addColumn('created_at', time, (c) => c.notNull())
        .addColumn('stored_at', time)
        .addColumn('downloads', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      // The retention sweep looks for stored files by age.
      await db.schema
        .createIndex('media_files_status_stored_at')
        .ifNotExists()
        .on('media_files')
        .columns(['status', 'stored_at'])
        .execute();
    },
  };
}
