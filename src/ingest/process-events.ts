import { parseWhatsAppWebhook } from '../channels/whatsapp-cloud/index.ts';
import { resolveWhatsAppContact } from '../contacts/whatsapp-contact-store.ts';
import { applyIdentityUpdates, applySystemIdentityChange, senderIdentity } from './sender-identity.ts';
import { recordNumberQuality } from '../operations/number-quality.ts';
import { recordStatus } from '../messaging/apply-status.ts';
import { recordStatusPricing } from '../costs/record-pricing.ts';
import { syncRecipientOfMessage } from '../broadcasts/recipient-funnel.ts';
import { noteInbound, unnoteInbound } from '../conversations/conversation-store.ts';
import { openConversation } from '../messaging/open-conversation.ts';
import { insertInbound } from '../conversations/message-store.ts';
import { queueMediaFetch } from '../media/queue-media-fetch.ts';
import type { Deps } from '../deps.ts';
import { emitConversationClosed, emitConversationUpdated, emitMessageReceived } from '../event-webhooks/pipeline-events.ts';
import { autoAssignFromRow, autoAssignOf } from '../routing/auto-assign.ts';
import { requestHuman } from '../routing/request-human.ts';
import type { Executor } from '../jobs/job-queue.ts';
import { applyTemplateWebhooks } from '../templates/sync-templates.ts';
import { markEvents, type PendingEvent } from './event-store.ts';
import { processTelegramEvent } from './process-telegram-event.ts';
import { replaceNul } from './replace-nul.ts';
import { checkSentTime, checkStatusTime } from './sent-time.ts';
import { enqueueJob } from '../jobs/job-definition.ts';
import { JOBS } from '../jobs/job-catalog.ts';

export const MAX_EVENT_ATTEMPTS = 5;

/**
 * Turns stored webhook events into contacts, conversations, messages and statuses, in one
 * transaction per batch, and enqueues each new inbound message on its conversation's serial
 * queue in that same transaction. A wamid already stored is skipped: Meta redelivers.
 *
 * Each message's WhatsApp timestamp is checked against the time we received it (sent-time.ts);
 * an absurd one is replaced by the receive time, flagged and logged. Its job runs at the end of
 * the reorder window (INBOUND_REORDER_WINDOW_MS after we received it), so messages Meta delivers
 * out of order meanwhile are processed in the order the customer sent them (process-inbound.ts).
 */
export async function processEvents(deps: Deps, events: PendingEvent[], db: Executor): Promise<void> {
  const now = deps.clock.now();
  const clean: number[] = [];
  for (const event of events) {
    const error = event.provider.startsWith('telegram:')
      ? await processTelegramEvent(deps, db, event, now)
      : await processOne(deps, db, event, now);
    if (error) await markEvents(db, [event.id], 'processed', now, error);
    else clean.push(event.id);
  }
  await markEvents(db, clean, 'processed', now);
}

function processOne(deps: Deps, db: Executor, event: PendingEvent, now: number): Promise<string | undefined> {
  return processWebhookBody(deps, db, { parsed: deps.parsedBodies.take(event.id), text: event.body, receivedAt: event.received_at }, now);
}

/**
 * One webhook's effects, from its body (parsed already by the webhook route, else parsed here).
 * Returns what went wrong with parts of it (recorded on the event), or undefined. Throws when it
 * could not be processed at all: the caller's transaction (or savepoint) is then rolled back.
 */
export async function processWebhookBody(
  deps: Deps,
  db: Executor,
  event: { parsed: unknown; text: string; receivedAt: number },
  now: number,
): Promise<string | undefined> {
  return (await processWebhook(deps, db, event, now)).problem;
}

/** What processing one webhook came to (the acknowledgement's inline path, event-writer.ts). */
export interface WebhookOutcome {
  /** What went wrong with parts of it, recorded on its event. */
  problem?: string;
  /**
   * Nothing but status callbacks, each applied and kept whole (its own JSON) in `status_events`:
   * the webhook's row in `webhook_events` would hold nothing more (docs/reliability.md).
   */
  keptAsStatuses: boolean;
}

/** processWebhookBody, also saying whether the webhook is kept in full by what it wrote. */
export async function processWebhook(
  deps: Deps,
  db: Executor,
  event: { parsed: unknown; text: string; receivedAt: number },
  now: number,
): Promise<WebhookOutcome> {
  // U+0000 cannot be stored in PostgreSQL's text: replaced (U+FFFD) in every field on both databases.
  const body = replaceNul(event.parsed ?? JSON.parse(event.text), event.text);
  const received_at = event.receivedAt;
  const parsed = parseWhatsAppWebhook(body, received_at);
  if (!parsed.ok) return { problem: `not a WhatsApp webhook: ${parsed.reason}`, keptAsStatuses: false };
  const problems: string[] = [];
  for (const m of parsed.value.messages) {
    const channel = deps.channels.byAccount(m.channelAccountId);
    if (!channel) {
      problems.push(`unknown phone_number_id ${m.channelAccountId}`);
      continue;
    }
    const contact = await resolveWhatsAppContact(db, senderIdentity(m, problems, deps, now));
    // A merge of two records of this customer (contacts/merge-contacts.ts) closed or moved conversations: tell the inbox and integrations.
    for (const id of contact.merged?.closed ?? []) await emitConversationClosed(db, deps.jobs, { conversationId: id, now });
    for (const id of contact.merged?.moved ?? [])
      await emitConversationUpdated(db, deps.jobs, { conversationId: id, changes: ['contact'], now });
    const time = checkSentTime(isRecord(m.raw) ? m.raw.timestamp : undefined, received_at);
    const preview = m.text ?? `[${m.kind}]`;
    const conversation = await openConversation(
      db,
      {
        channelId: channel.id,
        contactId: contact.id,
        now,
        newContact: contact.created ?? false,
        inbound: { sentAt: time.windowAt, preview },
      },
      deps.jobs,
    );
    const message = time.anomaly ? { ...m, sentAt: time.sentAt } : m;
    const messageId = await insertInbound(db, {
      conversationId: conversation.id,
      channelId: channel.id,
      message,
      now,
      sortAt: time.sortAt,
      anomaly: time.anomaly,
    });
    if (!messageId) {
      // Duplicate delivery. A conversation it opened (after the first was closed) stays empty, as before.
      if (conversation.created) await unnoteInbound(db, conversation.id);
      continue;
    }
    if (m.kind === 'system') await applySystemIdentityChange(db, contact.id, m, problems, now);
    if (time.anomaly)
      deps.logger.warn(
        { messageId, wamid: m.externalId, timestamp: isRecord(m.raw) ? m.raw.timestamp : undefined, anomaly: time.anomaly },
        'inbound message timestamp is unusable; the receive time stands in',
      );
    // A conversation this message opened was created with it noted (conversation-store.ts).
    if (!conversation.created) await noteInbound(db, conversation.id, { sentAt: time.windowAt, preview, now });
    await emitMessageReceived(db, deps.jobs, { messageId, now });
    // A conversation opened by this message: the number may route it to a human at once.
    if (conversation.created && m.kind !== 'system') {
      const auto = conversation.channelAutoAssign ? autoAssignFromRow(conversation.channelAutoAssign) : await autoAssignOf(db, channel.id);
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
      { conversationId: conversation.id, ...(window > 0 ? { runAt: Math.max(now, received_at + window) } : {}) },
    );
  }
  for (const parsedStatus of parsed.value.statuses) {
    const at = checkStatusTime(parsedStatus.at, received_at);
    const s = at === parsedStatus.at ? parsedStatus : { ...parsedStatus, at };
    const channel = deps.channels.byAccount(s.channelAccountId);
    if (!channel) {
      problems.push(`unknown phone_number_id ${s.channelAccountId}`);
      continue;
    }
    const message = await recordStatus(db, channel.id, s, now, deps.jobs);
    // Meta repeats the pricing on every status of a message: price it once, at the first.
    if (message && message.pricing_category === null && s.pricing?.category)
      await recordStatusPricing(deps, db, message.id, s.pricing, message.recipient);
    // A broadcast's recipient follows its message in the funnel, with its recorded cost; other messages have none.
    if (message?.broadcast) await syncRecipientOfMessage(db, deps.jobs, message.id, now);
  }
  for (const t of parsed.value.templateEvents) {
    deps.logger.info({ template: t.name, language: t.language, event: t.event, reason: t.reason }, 'template status update');
  }
  await applyTemplateWebhooks(deps, db, parsed.value, now);
  await applyIdentityUpdates(deps, db, parsed.value.other, problems, now);
  await recordNumberQuality(db, deps.channels, parsed.value.other, now);
  if (problems.length) return { problem: problems.join('; '), keptAsStatuses: false };
  const v = parsed.value;
  return { keptAsStatuses: v.statuses.length > 0 && v.messages.length === 0 && v.templateEvents.length === 0 && v.other.length === 0 };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
