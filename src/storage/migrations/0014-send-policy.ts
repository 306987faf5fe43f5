import { sql, type Kysely } from 'kysely';
import type { DialectName } from '../dialect-name.ts';

/**
 * The send policy (src/messaging/send-policy.ts). `next_attempt_at`: when an outbound message
 * waiting after a retryable failure (or for its number's circuit breaker) is tried again; it also
 * holds back the conversation's later replies. `resend_of`: the failed or unconfirmed message an
 * agent resent (a new message); unique, so a message is resent once.
 */
export function sendPolicyMigration(_dialect: DialectName) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('messages').addColumn('next_attempt_at', 'bigint').execute();
      await db.schema.alterTable('messages').addColumn('resend_of', 'text').execute();
      await sql`create unique index if not exists messages_resend_of on messages (resend_of) where resend_of is not null`.execute(db);
    },
  };
}
