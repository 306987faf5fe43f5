import type { Principal } from '../auth/principal.ts';
import type { Deps } from '../deps.ts';
import { openConversation } from '../messaging/open-conversation.ts';
import { queueOutbound } from '../messaging/queue-outbound.ts';
import { authorFor, sendTemplateFromRequest, type TemplateSendOutcome } from '../templates/send-template.ts';
import { audienceCandidates } from './audience-candidates.ts';
import type { BroadcastRefusal } from './create-broadcast.ts';
import { planBroadcast, refuse } from './create-broadcast.ts';
import { fillParameters } from './plan-recipients.ts';

type Sample = { contact_id: string; address: string; line: number | null };

/** A text broadcast's test: the message queued to the contact's chat with the bot. */
export interface TextTestSent {
  to: string;
  message_id: string;
  conversation_id: string;
  status: string;
  rendered: string;
}

export type TestSendOutcome =
  | { ok: true; sample: Sample; to: string; outcome: TemplateSendOutcome }
  | { ok: true; sample: Sample; text: TextTestSent }
  | BroadcastRefusal
  | { ok: false; reason: 'broadcast_empty'; message: string }
  | { ok: false; reason: 'contact_not_found'; message: string };

/** Who the test goes to: a phone number (WhatsApp) or a contact (either channel; a bot's only way). */
export type TestTarget = { phone: string } | { contactId: string };

/**
 * A test send: the broadcast's message, with the parameters its first valid recipient would get
 * (CSV columns, contact fields), to one person checking it on their own phone. It is an ordinary
 * send (queued, in that person's conversation), not a recipient of the broadcast, and the opt-in
 * rule is overridden (with a recorded reason naming the broadcast, for a template): the person
 * asked for it. Any state of the broadcast; a template must be APPROVED. On a bot (a text
 * broadcast) it goes to a contact who has a chat with that bot: a bot cannot write first.
 */
export async function testSendBroadcast(deps: Deps, principal: Principal, id: string, to: TestTarget): Promise<TestSendOutcome> {
  const planned = await planBroadcast(deps, id);
  if (!planned.ok) return planned;
  const first = planned.plan.recipients[0];
  if (!first)
    return {
      ok: false,
      reason: 'broadcast_empty',
      message: 'No recipient of this broadcast can be sent now (none valid and opted in), so there are no parameters to test with.',
    };
  const channelKind = planned.template === null ? (deps.channels.byId(planned.broadcast.channel_id)?.kind ?? 'telegram') : 'whatsapp';
  const candidate = (await audienceCandidates(deps.storage.db, planned.audience, channelKind)).find(
    (c) => c.contact_id === first.contact_id,
  );
  const sample = { contact_id: first.contact_id, address: first.address, line: candidate?.line ?? null };
  if (planned.template === null) {
    if (!('contactId' in to))
      return refuse(
        'test_contact_required',
        'A text broadcast on a bot is tested on a contact of that bot: give contact_id (someone who wrote to the bot; a bot cannot write first), not phone.',
        { field: 'contact_id' },
      );
    const sent = await sendTextTest(deps, principal, planned.broadcast.channel_id, to.contactId, first.rendered);
    return sent.ok ? { ok: true, sample, text: sent.sent } : sent;
  }
  const filled = candidate ? fillParameters(JSON.parse(planned.broadcast.parameters), candidate) : undefined;
  if (!candidate || !filled?.ok)
    return { ok: false, reason: 'broadcast_empty', message: 'The first recipient changed meanwhile; try again.' };
  const outcome = await sendTemplateFromRequest(
    deps,
    principal,
    { ...('phone' in to ? { phone: to.phone } : { contactId: to.contactId }), channelId: planned.broadcast.channel_id },
    {
      template: planned.template.id,
      parameters: filled.value,
      override_opt_in: { reason: `test send of broadcast ${id}` },
    },
  );
  let address = 'phone' in to ? to.phone : to.contactId;
  if ('contactId' in to) {
    const c = await deps.storage.db
      .selectFrom('contacts')
      .select(['phone_e164', 'external_id'])
      .where('id', '=', to.contactId)
      .executeTakeFirst();
    if (c) address = c.phone_e164 ?? c.external_id;
  }
  return { ok: true, sample, to: address, outcome };
}

/** The rendered text to the contact's chat with the bot, refused when there is none (or it blocked the bot). */
async function sendTextTest(
  deps: Deps,
  principal: Principal,
  channelId: string,
  contactId: string,
  text: string,
): Promise<{ ok: true; sent: TextTestSent } | BroadcastRefusal | { ok: false; reason: 'contact_not_found'; message: string }> {
  const db = deps.storage.db;
  const contact = await db
    .selectFrom('contacts')
    .select(['id', 'telegram_chat_id', 'blocked_by_user_at'])
    .where('id', '=', contactId)
    .executeTakeFirst();
  if (!contact) return { ok: false, reason: 'contact_not_found', message: `No contact ${contactId}.` };
  const chat = await db
    .selectFrom('conversations')
    .select('id')
    .where('channel_id', '=', channelId)
    .where('contact_id', '=', contactId)
    .executeTakeFirst();
  if (contact.telegram_chat_id === null || !chat)
    return refuse(
      'contact_not_on_channel',
      `Contact ${contactId} has no chat with the bot ${channelId}: a bot can only write to someone who wrote to it first. Write to the bot from your Telegram, then test on your contact.`,
      { contact_id: contactId, channel_id: channelId },
    );
  if (contact.blocked_by_user_at !== null)
    return refuse('contact_blocked_bot', `Contact ${contactId} blocked the bot ${channelId}; Telegram refuses messages to them.`, {
      contact_id: contactId,
      channel_id: channelId,
    });
  const now = deps.clock.now();
  const m = await db.transaction().execute(async (trx) => {
    const conv = await openConversation(trx, { channelId, contactId, now }, deps.jobs);
    return queueOutbound(trx, deps.jobs, {
      conversationId: conv.id,
      channelId,
      content: { type: 'text', text },
      author: authorFor(principal),
      now,
      annotations: { text, templateName: null, priceEstimate: null, currency: null, optInOverrideReason: null },
    });
  });
  deps.jobs.wake();
  return {
    ok: true,
    sent: { to: contact.telegram_chat_id, message_id: m.id, conversation_id: m.conversation_id, status: m.status, rendered: text },
  };
}
