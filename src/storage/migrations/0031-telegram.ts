import type { Kysely } from 'kysely';
import type { DialectName } from '../dialect-name.ts';

/**
 * Telegram (issue 20): `contacts.blocked_by_user_at`, when the customer blocked the bot (Telegram
 * answered 403 "bot was blocked by the user", or sent my_chat_member "kicked"); null again when
 * they unblock it or write. Sends to such a contact are refused, unlike `blocked`, which is ours.
 */
export function telegramMigration(_dialect: DialectName) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('contacts').addColumn('blocked_by_user_at', 'bigint').execute();
    },
  };
}
