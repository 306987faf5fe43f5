import { parseTelegramUpdate } from '../channels/telegram/index.ts';
import { resolveTelegramContact, setBlockedByUser } from '../contacts/telegram-contacts.ts';
import { noteInbound } from '../conversations/conversation-store.ts';
import { insertInbound } from '../conversations/message-store.ts';
import type { Deps } from '../deps.ts';
import { emitMessageReceived } from '../event-webhooks/pipeline-events.ts';
import { JOBS } from '../jobs/job-catalog.ts';
import { enqueueJob } from '../jobs/job-definition.ts';
import type { Executor } from '../jobs/job-queue.ts';
import { queueMediaFetch } from '../media/queue-media-fetch.ts';
import { openConversation } from '../messaging/open-conversation.ts';
import { autoAssignOf } from '../routing/auto-assign.ts';
import { requestHuman } from '../routing/request-human.ts';
import type { PendingEvent } from './event-store.ts';
import { replaceNul } from './replace-nul.ts';
import { checkSentTime } from './sent-time.ts';

/** The provider column of a stored Telegram update: `telegram:<bot id>` (the update itself does not name its bot). */
export const telegramProvider = (botId: string) => `telegram:${botId}`;

/**
 * One stored Telegram update into contacts, conversations and messages, inside the ingest
 * loop's transaction, with the same guarantees as a WhatsApp webhook (process-events.ts): the
 * message is stored once (its external id, `<chat>:<message_id>`, is unique per channel, so a
 * redelivered update_id is a duplicate), and its processing job joins the conversation's serial
 * queue in the order the updates were stored. A block or unblock of the bot is recorded on the
 * contact. Returns a problem to record on the event, or undefined.
 */
export async function processTelegramEvent(deps: Deps, db: Executor, event: PendingEvent, now: number): Promise<string | undefined> {
  const botId = event.provider.slice('telegram:'.length);
  const channel = deps.channels.telegramBot(botId);
  if (!channel) return `unknown Telegram bot ${botId}`;
  const update = replaceNul(deps.parsedBodies.take(event.id) ?? JSON.parse(event.body), event.body);
  const parsed = parseTelegramUpdate(update, botId, event.received_at);
  for (const m of parsed.messages) {
    const contact = await resolveTelegramContact(db, {
      chatId: m.from,
      ...(m.profileName ? { profileName: m.profileName } : {}),
      ...(m.sender?.username ? { username: m.sender.username } : {}),
      now,
    });
    const conversation = await openConversation(db, { channelId: channel.id, contactId: contact.id, now }, deps.jobs);
    // Telegram's `date` is whole seconds: checked against the receive time like WhatsApp's timestamp.
    const time = checkSentTime(String(Math.floor(m.sentAt / 1000)), event.received_at);
    const message = time.anomaly ? { ...m, sentAt: time.sentAt } : m;
    const messageId = await insertInbound(db, {
      conversationId: conversation.id,
      channelId: channel.id,
      message,
      now,
      sortAt: time.sortAt,
      anomaly: time.anomaly,
    });
    if (!messageId) continue; // the same update again
    await noteInbound(db, conversation.id, { sentAt: time.windowAt, preview: m.text ?? `[${m.kind}]`, now });
    await emitMessageReceived(db, deps.jobs, { messageId, now });
    if (conversation.created_at === now) {
      const auto = await autoAssignOf(db, channel.id);
      if (auto.mode === 'first_message')
        await requestHuman(db, deps, conversation.id, { ...(auto.teamId ? { teamId: auto.teamId } : {}), by: 'auto_assign' });
    }
    if (m.media)
      await queueMediaFetch(deps, db, {
        messageId,
        conversationId: conversation.id,
        channelId: channel.id,
        kind: m.kind,
        media: m.media,
        now,
      });
    const window = deps.config.inboundReorderWindowMs ?? 0;
    await enqueueJob(
      db,
      deps.jobs,
      JOBS.messageProcess,
      { messageId },
      { conversationId: conversation.id, ...(window > 0 ? { runAt: Math.max(now, event.received_at + window) } : {}) },
    );
  }
  if (parsed.blocked) await setBlockedByUser(db, parsed.blocked.userId, parsed.blocked.blocked ? parsed.blocked.at : null);
  return undefined;
}
