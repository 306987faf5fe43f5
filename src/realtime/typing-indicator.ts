import type { Deps } from '../deps.ts';

/**
 * Job `conversation.typing`: shows WhatsApp's typing indicator to the customer. The Cloud API
 * only offers it with a read receipt of the customer's latest message (it then shows for up to
 * 25 s or until we reply), so this also marks that message read. One attempt: a late indicator
 * is worse than none.
 */
export async function sendTypingIndicator(deps: Deps, job: { conversationId: string }): Promise<void> {
  const last = await deps.storage.db
    .selectFrom('messages')
    .select(['external_id', 'channel_id'])
    .where('conversation_id', '=', job.conversationId)
    .where('direction', '=', 'in')
    .where('external_id', 'is not', null)
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (!last?.external_id) return;
  const channel = deps.channels.byId(last.channel_id);
  if (!channel) return;
  const result = await channel.adapter.markRead(last.external_id, { typing: true });
  if (!result.ok) deps.logger.info({ conversation: job.conversationId, result }, 'typing indicator not shown');
}
