import { sql, type Kysely } from 'kysely';
import type { DialectName } from '../dialect-name.ts';

/**
 * Contact merge across channels (issue 20): `contacts.telegram_chat_id`, the Telegram chat a
 * contact is reached on, beside its WhatsApp identity (`external_id`/`bsuid` of a `whatsapp`
 * contact). Every Telegram contact has it (backfilled from `external_id`), so Telegram ingest
 * finds a chat's contact by one unique-index probe whether or not an agent merged it into a
 * WhatsApp contact; sends on a Telegram channel address it.
 */
export function contactTelegramIdentityMigration(_dialect: DialectName) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('contacts').addColumn('telegram_chat_id', 'text').execute();
      await sql`update contacts set telegram_chat_id = external_id where channel_kind = 'telegram'`.execute(db);
      await sql`create unique index if not exists contacts_telegram_chat_id on contacts (telegram_chat_id) where telegram_chat_id is not null`.execute(
        db,
      );
    },
  };
}
