import { HttpError } from '../core/http-error.ts';
import type { Executor } from '../jobs/job-queue.ts';

/** Sending to a blocked contact is refused (422 contact_blocked); call before queueing a message. */
export async function refuseBlockedContact(db: Executor, by: { conversationId: string } | { contactId: string }): Promise<void> {
  const q = db.selectFrom('contacts as ct').select(['ct.id', 'ct.blocked']);
  const row = await ('contactId' in by
    ? q.where('ct.id', '=', by.contactId)
    : q.innerJoin('conversations as c', 'c.contact_id', 'ct.id').where('c.id', '=', by.conversationId)
  ).executeTakeFirst();
  if (row?.blocked) throw new HttpError(422, 'contact_blocked', `Contact ${row.id} is blocked; unblock them to send messages.`, { contact_id: row.id });
}
