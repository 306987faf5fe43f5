import { sql, type Kysely } from 'kysely';
import type { DialectName } from '../dialect-name.ts';

/**
 * WhatsApp business-scoped user IDs and usernames (docs/whatsapp-identity.md). `contacts.bsuid`
 * is the contact's identity when WhatsApp gave one (unique per channel kind where set); the
 * phone number (`phone_e164`) and `username` are attributes that may be missing or change.
 * Existing rows keep their wa_id as `external_id` and get a BSUID with their next message.
 */
export function contactsBsuidMigration(_dialect: DialectName) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('contacts').addColumn('bsuid', 'text').execute();
      await db.schema.alterTable('contacts').addColumn('username', 'text').execute();
      await sql`create unique index if not exists contacts_bsuid on contacts (channel_kind, bsuid) where bsuid is not null`.execute(db);
    },
  };
}
