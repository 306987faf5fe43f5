import type { Deps } from '../deps.ts';
import type { Executor } from '../jobs/job-queue.ts';
import { queueOutbound } from './queue-outbound.ts';
import { recordOptChange } from './record-opt-change.ts';
import { DEFAULT_OPT_OUT_CONFIRMATION, DEFAULT_OPT_OUT_KEYWORDS, isOptOutKeyword } from '../contacts/opt-out-keywords.ts';

/** The inbound message as the bot is about to see it. */
export interface ScreenedMessage {
  kind: string;
  text: string | null;
  conversation_id: string;
  channel_id: string;
  contact_id: string;
  blocked: number;
}

/**
 * Runs before the bot, in the same transaction: returns true when the message is dealt with
 * and the bot must not answer it. A blocked contact's messages are stored and nothing more. An
 * opt-out keyword records the opt-out (by the customer, how: keyword), emits contact.opted_out
 * and confirms it to the customer.
 */
export async function screenInbound(db: Executor, deps: Pick<Deps, 'config' | 'jobs'>, m: ScreenedMessage, now: number): Promise<boolean> {
  if (m.blocked) return true;
  if (m.kind !== 'text' || !isOptOutKeyword(m.text, deps.config.optOutKeywords ?? DEFAULT_OPT_OUT_KEYWORDS)) return false;
  await recordOptChange(db, deps.jobs, {
    contactId: m.contact_id,
    optedIn: false,
    source: 'keyword',
    actor: 'customer',
    note: m.text?.trim() ?? null,
    now,
  });
  await queueOutbound(db, deps.jobs, {
    conversationId: m.conversation_id,
    channelId: m.channel_id,
    content: { type: 'text', text: deps.config.optOutConfirmation ?? DEFAULT_OPT_OUT_CONFIRMATION },
    author: 'bot:opt-out', // a bot author: an automatic reply does not count as an agent's response,
    now,
  });
  return true;
}
