import { parseWhatsAppWebhook } from '../channels/whatsapp-cloud/webhook-parser.ts';
import { waIdToE164 } from '../core/phone.ts';
import { upsertContact } from '../contacts/contact-store.ts';
import { recordStatus } from '../conversations/apply-status.ts';
import { recordStatusPricing } from '../costs/record-pricing.ts';
import { noteInbound, openConversation } from '../conversations/conversation-store.ts';
import { insertInbound } from '../conversations/message-store.ts';
import type { Deps } from '../deps.ts';
import { emitMessageReceived } from '../events/pipeline-events.ts';
import type { Executor } from '../jobs/job-queue.ts';
import { applyTemplateWebhooks } from '../templates/sync-templates.ts';
import { markEvents, type PendingEvent } from './event-store.ts';

export const MAX_EVENT_ATTEMPTS = 5;

/**
 * Turns stored webhook events into contacts, conversations, messages and statuses, in one
 * transaction per batch, and enqueues each new inbound message on its conversation's serial
 * queue in that same transaction. A wamid already stored is skipped: Meta redelivers.
 */
export async function processEvents(deps: Deps, events: PendingEvent[], db: Executor): Promise<void> {
  const now = deps.clock.now();
  const clean: number[] = [];
  for (const event of events) {
    const error = await processOne(deps, db, event, now);
    if (error) await markEvents(db, [event.id], 'processed', now, error);
    else clean.push(event.id);
  }
  await markEvents(db, clean, 'processed', now);
}

async function processOne(deps: Deps, db: Executor, event: PendingEvent, now: number): Promise<string | undefined> {
  const body = deps.parsedBodies.take(event.id) ?? JSON.parse(event.body);
  const parsed = parseWhatsAppWebhook(body, event.received_at);
  if (!parsed.ok) return `not a WhatsApp webhook: ${parsed.reason}`;
  const problems: string[] = [];
  for (const m of parsed.value.messages) {
    const channel = deps.channels.byAccount(m.channelAccountId);
    if (!channel) {
      problems.push(`unknown phone_number_id ${m.channelAccountId}`);
      continue;
    }
    const contact = await upsertContact(db, {
      channelKind: 'whatsapp',
      externalId: m.from,
      phoneE164: /^\d{6,15}$/.test(m.from) ? waIdToE164(m.from) : undefined,
      profileName: m.profileName,
      now,
    });
    const conversation = await openConversation(db, { channelId: channel.id, contactId: contact.id, now }, deps.jobs);
    const messageId = await insertInbound(db, { conversationId: conversation.id, channelId: channel.id, message: m, now });
    if (!messageId) continue; // duplicate delivery
    await noteInbound(db, conversation.id, { sentAt: m.sentAt, preview: m.text ?? `[${m.kind}]`, now });
    await emitMessageReceived(db, deps.jobs, { messageId, now });
    await deps.jobs.enqueue(db, 'message.process', { messageId }, { queue: `conv:${conversation.id}` });
  }
  for (const s of parsed.value.statuses) {
    const channel = deps.channels.byAccount(s.channelAccountId);
    if (!channel) {
      problems.push(`unknown phone_number_id ${s.channelAccountId}`);
      continue;
    }
    const message = await recordStatus(db, channel.id, s, now, deps.jobs);
    // Meta repeats the pricing on every status of a message: price it once, at the first.
    if (message && message.pricing_category === null && s.pricing?.category) await recordStatusPricing(deps, db, message.id, s.pricing);
  }
  for (const t of parsed.value.templateEvents) {
    deps.logger.info({ template: t.name, language: t.language, event: t.event, reason: t.reason }, 'template status update');
  }
  await applyTemplateWebhooks(deps, db, parsed.value, now);
  return problems.length ? problems.join('; ') : undefined;
}
