import { sql } from 'kysely';
import type { ConversationVisibility } from '../auth/visible-conversation-filter.ts';
import type { Executor } from '../jobs/job-queue.ts';
import { canSee } from './conversation-visibility.ts';

export type HiddenCheck = { ok: true } | { ok: false; reason: 'conversation_hidden' };

/**
 * Every path that writes to a customer by phone or contact (a text, a template, templates/:id/send)
 * checks this before it opens a conversation or sends anything: when the contact's current
 * (non-closed) conversation on the channel is hidden from the caller, `conversation_hidden`
 * (routes answer 403, naming no conversation: conversation-refusals.ts). A conversation the write
 * would create is the caller's own, so it is allowed. Run it in the transaction that opens the
 * conversation.
 */
export async function checkConversationNotHidden(
  db: Executor,
  visibility: ConversationVisibility,
  to: { channelId: string; contactId: string },
): Promise<HiddenCheck> {
  if (visibility.all) return { ok: true };
  const open = await db
    .selectFrom('conversations')
    .select(['assignee_id', 'team_id'])
    .where('channel_id', '=', to.channelId)
    .where('contact_id', '=', to.contactId)
    .where('status', '<>', sql.lit('closed')) // a literal, so the partial unique index applies
    .executeTakeFirst();
  return open && !canSee(visibility, open) ? { ok: false, reason: 'conversation_hidden' } : { ok: true };
}
