import { sql } from 'kysely';
import { BOT_PAUSE_COLUMNS, type BotPauseRow } from '../conversations/bot-pause-store.ts';
import { contactNameColumns } from '../conversations/contact-name-columns.ts';
import { conversationApiView, iso, messageView } from '../conversations/conversation-views.ts';
import type { Executor, JobQueue } from '../jobs/job-queue.ts';
import type { InboxEvent } from '../realtime/inbox-event.ts';
import { publishInbox } from '../realtime/realtime-bus.ts';
import { emitEvent, type EventData } from './emit-event.ts';
import type { EventType } from './event-types.ts';
import { isWaId } from '../core/whatsapp-ids.ts';

/**
 * The emit calls the pipeline makes, one line each at its call site. `jobs` is optional there
 * (callers such as tests and the send path may not pass it yet): without it nothing is emitted.
 * Payloads reuse the API's shapes, so an integrator parses one format.
 */

/** message.received: `{ message, conversation }` (conversation includes the contact). */
export async function emitMessageReceived(
  db: Executor,
  jobs: JobQueue | undefined,
  input: { messageId: string; now: number },
): Promise<void> {
  if (!jobs) return;
  await publishInbox(db, jobs, { type: 'message.new', messageId: input.messageId });
  await emitEvent(
    db,
    { jobs },
    'message.received',
    async () => {
      const message = await loadMessage(db, input.messageId);
      return { message, conversation: await loadConversation(db, message.conversation_id, input.now) };
    },
    input,
  );
}

/** message.status: `{ message }` after an outbound message's status moved forward. */
export async function emitMessageStatus(
  db: Executor,
  jobs: JobQueue | undefined,
  input: { messageId: string; now: number },
): Promise<void> {
  if (!jobs) return;
  await publishInbox(db, jobs, { type: 'message.status', messageId: input.messageId });
  await emitMessageEvent(db, jobs, 'message.status', input);
}

/**
 * message.failed: `{ message }` once an outbound message failed for good (a permanent error, its
 * retry horizon, or Meta's failed status); `message.error` says why. Resend it with
 * POST /api/v1/conversations/{id}/messages/{messageId}/resend.
 */
export async function emitMessageFailed(db: Executor, jobs: JobQueue, input: { messageId: string; now: number }): Promise<void> {
  await emitMessageEvent(db, jobs, 'message.failed', input);
}

/**
 * message.unconfirmed: `{ message }` when a send's outcome is unknown (the process stopped, or
 * Graph did not answer, while it was being handed over): it is not sent again by itself. Meta's
 * status callback resolves it; an agent may mark it sent or resend it.
 */
export async function emitMessageUnconfirmed(db: Executor, jobs: JobQueue, input: { messageId: string; now: number }): Promise<void> {
  await emitMessageEvent(db, jobs, 'message.unconfirmed', input);
}

/** conversation.created: `{ conversation }`. */
export async function emitConversationCreated(
  db: Executor,
  jobs: JobQueue | undefined,
  input: { conversationId: string; now: number },
): Promise<void> {
  if (!jobs) return;
  await emitConversationEvent(
    db,
    jobs,
    'conversation.created',
    { type: 'conversation.updated', conversationId: input.conversationId },
    input,
  );
}

/** conversation.updated: `{ conversation, changes }`, `changes` naming what moved (status, snoozed_until, labels, linked_record...). */
export async function emitConversationUpdated(
  db: Executor,
  jobs: JobQueue | undefined,
  input: { conversationId: string; changes: readonly string[]; now: number },
): Promise<void> {
  if (!jobs) return;
  await emitConversationEvent(
    db,
    jobs,
    'conversation.updated',
    { type: 'conversation.updated', conversationId: input.conversationId },
    input,
    {
      changes: [...input.changes],
    },
  );
}

/** conversation.closed: `{ conversation }` once its status became closed. */
export async function emitConversationClosed(
  db: Executor,
  jobs: JobQueue | undefined,
  input: { conversationId: string; now: number },
): Promise<void> {
  if (!jobs) return;
  await emitConversationEvent(
    db,
    jobs,
    'conversation.closed',
    { type: 'conversation.updated', conversationId: input.conversationId },
    input,
  );
}

/** A message.* event: `{ message }` in the API's shape (loaded only when someone subscribes). */
async function emitMessageEvent(db: Executor, jobs: JobQueue, type: EventType, input: { messageId: string; now: number }): Promise<void> {
  await emitEvent(db, { jobs }, type, async () => ({ message: await loadMessage(db, input.messageId) }), input);
}

/**
 * A conversation.* event: the inbox stream hears `stream`; subscribers get `{ conversation, ...more }`,
 * the conversation in the API's shape (loaded only when someone subscribes).
 */
async function emitConversationEvent(
  db: Executor,
  jobs: JobQueue,
  type: EventType,
  stream: InboxEvent,
  input: { conversationId: string; now: number },
  more: EventData = {},
): Promise<void> {
  await publishInbox(db, jobs, stream);
  await emitEvent(
    db,
    { jobs },
    type,
    async () => ({ conversation: await loadConversation(db, input.conversationId, input.now), ...more }),
    input,
  );
}

/**
 * `channel` (whatsapp | telegram) beside the message's and conversation's channel_id, so an
 * integrator tells the channels apart without parsing ids: the channel row's kind (a merged
 * contact has conversations on both). A primary-key probe of the few-row channels table.
 */
const channelKindColumn = (table: 'm' | 'c') =>
  sql<string | null>`(select ch.kind from channels ch where ch.id = ${sql.ref(`${table}.channel_id`)})`.as('channel_kind');
const channelOf = (kind: string | null): 'whatsapp' | 'telegram' => (kind === 'telegram' ? 'telegram' : 'whatsapp');

async function loadMessage(db: Executor, id: string): Promise<ReturnType<typeof messageView> & { channel: 'whatsapp' | 'telegram' }> {
  const row = await db
    .selectFrom('messages as m')
    .selectAll('m')
    .select(channelKindColumn('m'))
    .where('m.id', '=', id)
    .executeTakeFirstOrThrow();
  const { channel_kind, ...message } = row;
  // A message has no channel_id of its own in the API; `channel` follows its conversation_id.
  return withChannelAfter(messageView(message), 'conversation_id', channelOf(channel_kind)) as ReturnType<typeof messageView> & {
    channel: 'whatsapp' | 'telegram';
  };
}

async function loadConversation(db: Executor, id: string, now: number): Promise<EventData> {
  const row = await db
    .selectFrom('conversations as c')
    .innerJoin('contacts as ct', 'ct.id', 'c.contact_id')
    .leftJoin('bot_pauses as bp', 'bp.conversation_id', 'c.id')
    .selectAll('c')
    .select(contactNameColumns())
    .select([
      'ct.external_id as contact_wa_id',
      'ct.phone_e164 as contact_phone',
      'ct.bsuid as contact_bsuid',
      'ct.username as contact_username',
      ...BOT_PAUSE_COLUMNS,
    ])
    .select(channelKindColumn('c'))
    .where('c.id', '=', id)
    .executeTakeFirstOrThrow();
  // The REST shape: channel and capabilities beside channel_id.
  return conversationApiView(row, now);
}

/** `channel` placed right after `key`, where a reader of the JSON looks for it. */
function withChannelAfter(view: object, key: string, channel: 'whatsapp' | 'telegram'): EventData {
  const out: EventData = {};
  for (const [k, v] of Object.entries(view)) {
    out[k] = v;
    if (k === key) out.channel = channel;
  }
  return out;
}

/**
 * conversation.assigned: `{ conversation, assignee_id, team_id, previous: { assignee_id, team_id }, reason, by }`
 * after a manual assignment, a transfer, an unassign (assignee_id null) or automatic routing.
 * Also tells the inbox stream.
 */
export async function emitConversationAssigned(
  db: Executor,
  jobs: JobQueue,
  input: {
    conversationId: string;
    assigneeId: string | null;
    teamId: string | null;
    previous: { assigneeId: string | null; teamId: string | null };
    reason: 'manual' | 'unassigned' | 'routing' | 'agent_offline';
    by: string;
    now: number;
  },
): Promise<void> {
  // The stream says what the webhook says: the same reason, actor and previous holder.
  const detail = {
    assignee_id: input.assigneeId,
    team_id: input.teamId,
    previous: { assignee_id: input.previous.assigneeId, team_id: input.previous.teamId },
    reason: input.reason,
    by: input.by,
  };
  await emitConversationEvent(
    db,
    jobs,
    'conversation.assigned',
    { type: 'conversation.assigned', conversationId: input.conversationId, detail },
    input,
    detail,
  );
}

/** contact.opted_out: `{ contact_id, wa_id, telegram_chat_id, bsuid, phone, source, by, note }` (by: a user id, customer or system). */
export async function emitContactOptedOut(
  db: Executor,
  jobs: JobQueue,
  input: { contactId: string; source: string; by: string; note: string | null; now: number },
): Promise<void> {
  await emitEvent(
    db,
    { jobs },
    'contact.opted_out',
    async () => {
      const c = await db
        .selectFrom('contacts')
        .select(['channel_kind', 'external_id', 'phone_e164', 'bsuid', 'telegram_chat_id'])
        .where('id', '=', input.contactId)
        .executeTakeFirstOrThrow();
      return {
        contact_id: input.contactId,
        // A Telegram chat id is digits too: only a WhatsApp contact's external id is a wa_id.
        wa_id: c.channel_kind === 'whatsapp' && isWaId(c.external_id) ? c.external_id : null,
        telegram_chat_id: c.telegram_chat_id,
        bsuid: c.bsuid,
        phone: c.phone_e164,
        source: input.source,
        by: input.by,
        note: input.note,
      };
    },
    input,
  );
}

/**
 * conversation.bot_paused: `{ conversation, by, reason }` when the bot went silent in a conversation
 * (`conversation.bot` holds the pause). Also tells the inbox stream.
 */
export async function emitBotPaused(
  db: Executor,
  jobs: JobQueue,
  input: { conversationId: string; by: string; reason: string; now: number },
): Promise<void> {
  await emitConversationEvent(
    db,
    jobs,
    'conversation.bot_paused',
    { type: 'conversation.bot_paused', conversationId: input.conversationId },
    input,
    {
      by: input.by,
      reason: input.reason,
    },
  );
}

/**
 * conversation.bot_resumed: `{ conversation, by, reason, pause: { paused_by, reason, paused_at } }`
 * when the pause ended (reason: unassigned, closed, resumed, idle_timeout). Also tells the inbox stream.
 */
export async function emitBotResumed(
  db: Executor,
  jobs: JobQueue,
  input: { conversationId: string; by: string; reason: string; pause: BotPauseRow; now: number },
): Promise<void> {
  await emitConversationEvent(
    db,
    jobs,
    'conversation.bot_resumed',
    { type: 'conversation.bot_resumed', conversationId: input.conversationId },
    input,
    {
      by: input.by,
      reason: input.reason,
      pause: { paused_by: input.pause.paused_by, reason: input.pause.reason, paused_at: iso(input.pause.paused_at) },
    },
  );
}

/**
 * note.mentioned: `{ note_id, conversation, user_id, author }` once per mentioned user. On the
 * stream that user alone gets a `notification` (reason `mention`), whoever the conversation is
 * assigned to.
 */
export async function emitNoteMentioned(
  db: Executor,
  jobs: JobQueue | undefined,
  input: { noteId: string; conversationId: string; userId: string; author: string; now: number },
): Promise<void> {
  if (!jobs) return;
  await publishInbox(db, jobs, { type: 'note.mentioned', conversationId: input.conversationId, userId: input.userId });
  await emitEvent(
    db,
    { jobs },
    'note.mentioned',
    async () => ({
      note_id: input.noteId,
      user_id: input.userId,
      author: input.author,
      conversation: await loadConversation(db, input.conversationId, input.now),
    }),
    input,
  );
}
