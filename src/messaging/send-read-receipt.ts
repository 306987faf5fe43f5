import type { Deps } from '../deps.ts';
import { backoffMs } from '../jobs/backoff.ts';
import { RetryLater } from '../jobs/job-errors.ts';

const MAX_ATTEMPTS = 5;

/**
 * Job `conversation.read_receipt`: tells the channel the business read a customer message (and,
 * on WhatsApp, every earlier one). Outside the request so an agent's click never waits on Meta.
 * A receipt is a courtesy: permanent refusals (too old, unknown message) are logged, not retried.
 */
export async function sendReadReceipt(deps: Deps, payload: { messageId: string }, attempt = 1): Promise<void> {
  const msg = await deps.storage.db
    .selectFrom('messages')
    .select(['id', 'channel_id', 'external_id', 'direction'])
    .where('id', '=', payload.messageId)
    .executeTakeFirst();
  if (msg?.direction !== 'in' || msg.external_id === null) return;
  const channel = deps.channels.byId(msg.channel_id);
  if (!channel?.adapter.capabilities.readReceipts) return;
  const result = await channel.adapter.markRead(msg.external_id);
  if (result.ok) return;
  if ('retryable' in result && result.retryable && attempt < MAX_ATTEMPTS) {
    throw new RetryLater(`read receipt: ${result.code}: ${result.message}`, result.retryAfterMs ?? backoffMs(attempt, { baseMs: 1000 }));
  }
  deps.logger.warn({ message: msg.id, code: 'code' in result ? result.code : undefined }, 'read receipt not sent');
}
