import type { OutboundContent } from '../channels/channel-types.ts';
import { noteOutbound } from '../conversations/conversation-store.ts';
import { insertOutbound, type MessageRow, type OutboundAnnotations } from '../conversations/message-store.ts';
import type { Executor, JobQueue } from '../jobs/job-queue.ts';
import { publishInbox } from '../realtime/realtime-bus.ts';
import { enqueueJob } from '../jobs/job-definition.ts';
import { JOBS } from '../jobs/job-catalog.ts';
import { handToTaker } from './inline-sends.ts';

/**
 * Records an outbound message (intent first) and enqueues its send on the conversation's serial
 * queue in the same transaction, so replies leave in the order they were decided. Inside a job
 * that took its transaction's sends (inline-sends.ts: `message.process`, on the same queue), the
 * job sends it after the commit instead, and no job is added.
 */
export async function queueOutbound(
  db: Executor,
  jobs: JobQueue,
  input: {
    conversationId: string;
    channelId: string;
    content: OutboundContent;
    replyTo?: string;
    author: string;
    now: number;
    annotations?: OutboundAnnotations;
  },
): Promise<MessageRow> {
  const message = await insertOutbound(db, input);
  await noteOutbound(db, input.conversationId, { preview: message.text, now: input.now, author: input.author });
  if (!handToTaker(db, message.id))
    await enqueueJob(db, jobs, JOBS.messageSend, { messageId: message.id }, { conversationId: input.conversationId });
  await publishInbox(db, jobs, { type: 'message.new', conversationId: input.conversationId, messageId: message.id });
  return message;
}
