import type { Executor } from '../jobs/job-queue.ts';

export type BlockedCheck = { ok: true } | { ok: false; reason: 'contact_blocked'; contactId: string };

/**
 * Sending to a blocked contact is refused (routes answer 422 contact_blocked); check before queueing a message.
 * Blocked by us (`blocked`), or the customer blocked the bot (`blocked_by_user_at`, Telegram).
 */
export async function checkContactNotBlocked(db: Executor, by: { conversationId: string } | { contactId: string }): Promise<BlockedCheck> {
  const q = db.selectFrom('contacts as ct').select(['ct.id', 'ct.blocked', 'ct.blocked_by_user_at']);
  const row = await ('contactId' in by
    ? q.where('ct.id', '=', by.contactId)
    : q.innerJoin('conversations as c', 'c.contact_id', 'ct.id').where('c.id', '=', by.conversationId)
  ).executeTakeFirst();
  return row?.blocked || (row && row.blocked_by_user_at !== null)
    ? { ok: false, reason: 'contact_blocked', contactId: row.id }
    : { ok: true };
}
