import type { Kysely } from 'kysely';
import type { DialectName } from '../dialect-name.ts';

/**
 * Uploads kept here for a channel with no upload-only endpoint (Telegram, issue 20): POST
 * /api/v1/media stores the bytes under DATA_DIR/media/uploads/<id> and a row here; the first send
 * posts them to the Bot API as multipart and records the `file_id` Telegram answers with, so later
 * sends of the same upload go by that id, never a second upload (src/media/channel-uploads.ts).
 */
export function channelUploadsMigration(dialect: DialectName) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      const big = dialect === 'postgres' ? 'bigint' : 'integer';
      await db.schema
        .createTable('channel_uploads')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('channel_id', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('mime_type', 'text', (c) => c.notNull())
        .addColumn('filename', 'text')
        .addColumn('size', big, (c) => c.notNull())
        .addColumn('provider_file_id', 'text')
        .addColumn('created_at', big, (c) => c.notNull())
        .execute();
    },
  };
}
