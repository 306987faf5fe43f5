import {
  type ChannelAutoAssignRow,
  type ConversationOpening,
  type ConversationRow,
  findOrInsertConversation,
} from '../conversations/conversation-store.ts';
import { emitConversationCreated } from '../event-webhooks/pipeline-events.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import type { Executor } from '../storage/executor.ts';

/**
 * The open conversation for a number and contact (conversation-store.ts), emitting
 * `conversation.created` in the same transaction when this call opened a new one.
 */
export async function openConversation(
  db: Executor,
  input: ConversationOpening,
  jobs?: JobQueue,
): Promise<ConversationRow & { created: boolean; channelAutoAssign?: ChannelAutoAssignRow }> {
  const { conversation, created, channelAutoAssign } = await findOrInsertConversation(db, input);
  if (created) await emitConversationCreated(db, jobs, { conversationId: conversation.id, now: input.now });
  return { ...conversation, created, ...(channelAutoAssign ? { channelAutoAssign } : {}) };
}
