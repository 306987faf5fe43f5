import { sql } from 'kysely';
import type { ConversationVisibility } from '../auth/visible-conversation-filter.ts';
import { HttpError } from '../core/http-error.ts';
import type { Executor } from '../jobs/job-queue.ts';
import { canSee } from './conversation-visibility.ts';

/**
 * Every path that writes to a customer by phone or contact (a text, a template, templates/:id/send)
 * checks this before it opens a conversation or sends anything: when the contact's current
 * (non-closed) conversation on the channel is hidden from the caller, 403 conversation_hidden,
 * naming no conversation. A conversation the write would create is the caller's own, so it is
 * allowed. Run it in the transaction that opens the conversation.
 */
export async function refuseHiddenConversation(db: Executor, visibility: ConversationVisibility, to: { channelId: string; contactId: string }): Promise<void> {
  if (visibility.all) return;
  const open = await db
    .selectFrom('conversations')
    .select(['assignee_id', 'team_id'])
    .where('channel_id', '=', to.channelId)
    .where('contact_id', '=', to.contactId)
    .where('status', '<>', sql.lit('closed')) // a literal, so the partial unique index applies
    .executeTakeFirst();
  if (open && !canSee(visibility, open)) {
    throw new HttpError(403, 'conversation_hidden', "This customer's conversation is assigned to someone else; ask for it to be assigned to you or your team.");
  }
}
