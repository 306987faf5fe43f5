import { isBotPaused } from '../bot/bot-pause.ts';
import { canSendFreeForm } from '../conversations/customer-window.ts';
import type { Deps } from '../deps.ts';
import { queueOutbound } from '../messaging/queue-outbound.ts';
import { requestHuman } from '../routing/request-human.ts';
import { aiModeOf } from './ai-modes.ts';
import { askAssistant } from './assistant.ts';
import { guessLanguage } from './extract-answer.ts';
import { attachSummary } from './summarise-conversation.ts';

export const AI_AUTHOR = 'bot:ai';

/** What the customer reads when the assistant hands over, in the language of their message. */
export const HANDOFF_MESSAGE = {
  es: 'Te comunico con una persona de nuestro equipo; en breve te responde.',
  en: 'Let me pass you to someone from our team; they will answer you shortly.',
} as const;

export interface CustomerMessage {
  id: string;
  kind: string;
  text: string | null;
  conversation_id: string;
  channel_id: string;
  contact_id: string;
}

/**
 * After a customer message no flow took (src/messaging/process-inbound.ts), outside its
 * transaction: in `draft` mode the assistant stores a suggested reply for an agent; in `auto`
 * mode it answers inside the 24-hour window (author `bot:ai`) or hands the conversation to a
 * person (routing queue, with a one-line summary). The customer's message is already stored,
 * so a failing or slow provider loses nothing: it becomes a hand-off. Silent while a person
 * holds the conversation (the bot pause), checked again before sending.
 */
export async function replyWithAssistant(deps: Deps, msg: CustomerMessage): Promise<void> {
  const db = deps.storage.db;
  if (msg.kind !== 'text' || !msg.text?.trim()) return;
  const { mode } = await aiModeOf(db, deps, { id: msg.conversation_id, channelId: msg.channel_id });
  if (mode === 'off') return;
  const result = await askAssistant(deps, {
    question: msg.text,
    conversationId: msg.conversation_id,
    channelId: msg.channel_id,
    mode,
    questionMessageId: msg.id,
  });
  if (mode === 'draft') return; // stored as a pending draft (or a hand-off advice) for the agent
  await db.transaction().execute(async (trx) => {
    const now = deps.clock.now();
    // An agent took the conversation while the model was thinking: they answer, not the AI.
    if (await isBotPaused(trx, deps, msg.conversation_id, now)) return;
    const window = await canSendFreeForm(trx, { channelId: msg.channel_id, contactId: msg.contact_id }, now);
    if (result.outcome === 'answered' && window.open) {
      const sent = await queueOutbound(trx, deps.jobs, {
        conversationId: msg.conversation_id,
        channelId: msg.channel_id,
        content: { type: 'text', text: result.text.slice(0, 4096) },
        author: AI_AUTHOR,
        now,
      });
      await trx.updateTable('ai_replies').set({ message_id: sent.id }).where('id', '=', result.replyId).execute();
      return;
    }
    // The customer hears that a person takes over (inside the window), then the conversation joins the queue.
    if (window.open)
      await queueOutbound(trx, deps.jobs, {
        conversationId: msg.conversation_id,
        channelId: msg.channel_id,
        content: { type: 'text', text: HANDOFF_MESSAGE[guessLanguage(msg.text ?? '')] },
        author: AI_AUTHOR,
        now,
      });
    const routed = await requestHuman(trx, deps, msg.conversation_id, { by: 'ai' });
    if (!routed.ok) deps.logger.warn({ conversationId: msg.conversation_id, reason: routed.reason }, 'AI hand-off: routing refused');
    else await attachSummary(trx, deps, msg.conversation_id, 'handoff');
  });
  deps.jobs.wake();
}
