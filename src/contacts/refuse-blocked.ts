import { sql } from 'kysely';
import type { Executor } from '../jobs/job-queue.ts';

export type BlockedCheck = { ok: true } | { ok: false; reason: 'contact_blocked'; contactId: string };

/**
 * Sending to a blocked contact is refused (routes answer 422 contact_blocked); check before queueing a message.
 * Blocked by us (`blocked`, every channel), or the customer blocked the bot (`blocked_by_user_at`):
 * that one only stops Telegram sends, since a contact merged across channels may still be
 * reachable on WhatsApp.
 */
export async function checkContactNotBlocked(
  db: Executor,
  by: { conversationId: string } | { contactId: string; channelKind: string },
): Promise<BlockedCheck> {
  const row = await ('contactId' in by
    ? db
        .selectFrom('contacts as ct')
        .select(['ct.id', 'ct.blocked', 'ct.blocked_by_user_at', sql<string>`${by.channelKind}`.as('kind')])
        .where('ct.id', '=', by.contactId)
    : db
        .selectFrom('contacts as ct')
        .innerJoin('conversations as c', 'c.contact_id', 'ct.id')
        .leftJoin('channels as ch', 'ch.id', 'c.channel_id')
        .select(['ct.id', 'ct.blocked', 'ct.blocked_by_user_at', 'ch.kind'])
        .where('c.id', '=', by.conversationId)
  ).executeTakeFirst();
  if (!row) return { ok: true };
  const blockedByUser = row.blocked_by_user_at !== null && row.kind === 'telegram';
  return row.blocked || blockedByUser ? { ok: false, reason: 'contact_blocked', contactId: row.id } : { ok: true };
}
