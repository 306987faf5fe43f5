import { conversationView, messageView } from '../conversations/conversation-views.ts';
import type { Executor, JobQueue } from '../jobs/job-queue.ts';
import { emitEvent, type EventData } from './emit-event.ts';

/**
 * The emit calls the pipeline makes, one line each at its call site. `jobs` is optional there
 * (callers such as tests and the send path may not pass it yet): without it nothing is emitted.
 * Payloads reuse the API's shapes, so an integrator parses one format.
 */

/** message.received: `{ message, conversation }` (conversation includes the contact). */
export async function emitMessageReceived(db: Executor, jobs: JobQueue | undefined, input: { messageId: string; now: number }): Promise<void> {
  if (!jobs) return;
  await emitEvent(db, { jobs }, 'message.received', async () => {
    const message = await loadMessage(db, input.messageId);
    return { message, conversation: await loadConversation(db, message.conversation_id, input.now) };
  }, input);
}

/** message.status: `{ message }` after an outbound message's status moved forward. */
export async function emitMessageStatus(db: Executor, jobs: JobQueue | undefined, input: { messageId: string; now: number }): Promise<void> {
  if (!jobs) return;
  await emitEvent(db, { jobs }, 'message.status', async () => ({ message: await loadMessage(db, input.messageId) }), input);
}

/** conversation.created: `{ conversation }`. */
export async function emitConversationCreated(db: Executor, jobs: JobQueue | undefined, input: { conversationId: string; now: number }): Promise<void> {
  if (!jobs) return;
  await emitEvent(db, { jobs }, 'conversation.created', async () => ({ conversation: await loadConversation(db, input.conversationId, input.now) }), input);
}

async function loadMessage(db: Executor, id: string): Promise<ReturnType<typeof messageView>> {
  return messageView(await db.selectFrom('messages').selectAll().where('id', '=', id).executeTakeFirstOrThrow());
}

async function loadConversation(db: Executor, id: string, now: number): Promise<EventData> {
  const row = await db
    .selectFrom('conversations as c')
    .innerJoin('contacts as ct', 'ct.id', 'c.contact_id')
    .selectAll('c')
    .select(['ct.profile_name as contact_name', 'ct.external_id as contact_wa_id', 'ct.phone_e164 as contact_phone'])
    .where('c.id', '=', id)
    .executeTakeFirstOrThrow();
  return conversationView(row, now);
}
