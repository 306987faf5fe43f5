import type { Principal } from '../auth/principal.ts';
import { visibleConversationFilter } from '../auth/visible-conversation-filter.ts';
import { findVisibleContact, upsertContact } from '../contacts/contact-store.ts';
import { findOrCreateByBsuid } from '../contacts/whatsapp-contact-store.ts';
import { normalizePhone, waIdVariants } from '../core/phone.ts';
import { isBsuid, pricingNumber } from '../core/whatsapp-ids.ts';
import { freeEntryPointUntil, freeReasonOf } from '../costs/free-entry-point.ts';
import { estimatePrice, rateCardFor } from '../costs/rate-card.ts';
import { pauseBot } from '../bot/bot-pause.ts';
import { canSendFreeForm } from '../conversations/customer-window.ts';
import { canSee } from '../conversations/conversation-visibility.ts';
import { openConversation } from '../messaging/open-conversation.ts';
import { checkConversationNotHidden } from '../conversations/refuse-hidden-conversation.ts';
import type { Deps } from '../deps.ts';
import { queueOutbound } from '../messaging/queue-outbound.ts';
import type { ParameterReason } from './parameter-values.ts';
import { resolveParameters, type RenderedTemplate } from './resolve-parameters.ts';
import { componentsOf, findTemplateByName, getTemplate, type TemplateRow } from './template-store.ts';

/** The body of every template send: which template, its parameters, and an opt-in override. */
export interface TemplateSendBody {
  template: string; // our id (tpl_...) or the template name
  language?: string;
  parameters?: unknown;
  override_opt_in?: { reason: string };
}

export interface TemplateSendResult {
  message: { id: string; conversation_id: string; status: string; created_at: string };
  template: { id: string; name: string; language: string; category: string };
  rendered: RenderedTemplate;
  business_initiated: boolean;
  price_estimate: { amount: number; currency: string };
  opt_in_override: { reason: string } | null;
}

/** Why a template was not sent (each is one HTTP status and code: template-http.ts). */
export type TemplateSendReason =
  | 'template_not_found'
  | 'template_paused'
  | 'template_disabled'
  | 'template_not_approved'
  | 'opt_in_required'
  | ParameterReason
  | 'conversation_not_found'
  | 'conversation_closed'
  | 'channel_not_found'
  | 'no_channel'
  | 'contact_not_found'
  | 'invalid_phone'
  | 'invalid_bsuid'
  | 'conversation_hidden'
  | 'recipient_required';

export interface TemplateSendRefusal {
  ok: false;
  reason: TemplateSendReason;
  message: string;
  details?: Record<string, unknown>;
}

export type TemplateSendOutcome = { ok: true; sent: TemplateSendResult } | TemplateSendRefusal;

const HIDDEN = "This customer's conversation is assigned to someone else; ask for it to be assigned to you or your team.";
const BAD_BSUID =
  '"bsuid" must be a WhatsApp business-scoped user ID as webhooks give it: a two-letter country code, ".", then up to 128 letters and digits, like US.13491208655302741918.';

const refuse = (reason: TemplateSendReason, message: string, details?: Record<string, unknown>): TemplateSendRefusal => ({
  ok: false,
  reason,
  message,
  ...(details ? { details } : {}),
});

/**
 * Sends an APPROVED template into a conversation: parameters checked against the template (422s,
 * never Meta's 132000), opt-in enforced for business-initiated MARKETING unless overridden with a
 * reason (recorded on the message), the price estimated from the rate card, then queued like any
 * outbound message. The 24-hour window does not apply: templates are how one writes outside it.
 * A refusal (not found, not approved, parameters, opt-in) sends and stores nothing.
 */
export async function sendTemplate(
  deps: Deps,
  /** `pauseBotBy`: a person sends it, so the bot pauses in the conversation (bot/bot-pause.ts). */
  target: { conversationId: string; channelId: string; contactId: string; author: string; pauseBotBy?: string },
  body: TemplateSendBody,
): Promise<TemplateSendOutcome> {
  const db = deps.storage.db;
  const now = deps.clock.now();
  const found = await findSendableTemplate(deps, target.channelId, body.template, body.language);
  if (!found.ok) return found;
  const tpl = found.tpl;
  const resolved = resolveParameters(
    { parameter_format: tpl.parameter_format, category: tpl.category, components: componentsOf(tpl) },
    body.parameters,
  );
  if (!resolved.ok) return resolved;
  const window = await canSendFreeForm(db, { channelId: target.channelId, contactId: target.contactId }, now);
  const contact = await db.selectFrom('contacts').selectAll().where('id', '=', target.contactId).executeTakeFirstOrThrow();
  const businessInitiated = !window.open;
  if (tpl.category === 'MARKETING' && businessInitiated && !isOptedIn(contact.opted_in) && !body.override_opt_in) {
    return refuse(
      'opt_in_required',
      'This contact has not opted in to marketing messages, and the conversation is business-initiated. Record their opt-in, or send with override_opt_in: {"reason": "..."}.',
      {
        contact_id: contact.id,
        opted_in: contact.opted_in === null || contact.opted_in === undefined ? null : isOptedIn(contact.opted_in),
        category: tpl.category,
      },
    );
  }
  const card = rateCardFor(deps.config);
  // A channel without templates (Telegram: no 24-hour window, no per-message price) gets the
  // template's rendered text as a plain message, so flows and agents use one template everywhere.
  const asText = deps.channels.byId(target.channelId)?.adapter.capabilities.templates === false;
  // Free as POST /api/v1/costs/estimate says: a free entry point window, or a UTILITY template inside the customer's window.
  const entryPointUntil = await freeEntryPointUntil(db, deps.storage.dialect, target.channelId, target.contactId, now);
  const amount = asText
    ? 0
    : freeReasonOf(tpl.category, window.open, entryPointUntil) !== null
      ? 0
      : estimatePrice(card, tpl.category, pricingNumber(contact.phone_e164, contact.external_id));
  const overrideReason =
    tpl.category === 'MARKETING' && businessInitiated && !isOptedIn(contact.opted_in) ? (body.override_opt_in?.reason ?? null) : null;
  const message = await db.transaction().execute(async (trx) => {
    const m = await queueOutbound(trx, deps.jobs, {
      conversationId: target.conversationId,
      channelId: target.channelId,
      content: asText
        ? { type: 'text', text: resolved.rendered.text }
        : { type: 'template', name: tpl.name, language: tpl.language, components: resolved.components },
      author: target.author,
      now,
    });
    await trx
      .updateTable('messages')
      .set({
        text: resolved.rendered.text,
        template_name: tpl.name,
        price_estimate: amount,
        currency: card.currency,
        opt_in_override_reason: overrideReason,
      })
      .where('id', '=', m.id)
      .execute();
    if (target.pauseBotBy !== undefined)
      await pauseBot(trx, deps, { conversationId: target.conversationId, by: target.pauseBotBy, reason: 'agent_message', now });
    return m;
  });
  deps.jobs.wake();
  const sent: TemplateSendResult = {
    message: { id: message.id, conversation_id: target.conversationId, status: message.status, created_at: new Date(now).toISOString() },
    template: { id: tpl.id, name: tpl.name, language: tpl.language, category: tpl.category },
    rendered: resolved.rendered,
    business_initiated: businessInitiated,
    price_estimate: { amount, currency: card.currency },
    opt_in_override: overrideReason === null ? null : { reason: overrideReason },
  };
  return { ok: true, sent };
}

/** `contacts.opted_in` is 1/0 on SQLite, and may be a boolean from other writers; null = never asked. */
function isOptedIn(v: unknown): boolean {
  return v === 1 || v === true || v === '1';
}

async function findSendableTemplate(
  deps: Deps,
  channelId: string,
  ref: string,
  language?: string,
): Promise<{ ok: true; tpl: TemplateRow } | TemplateSendRefusal> {
  const db = deps.storage.db;
  const byId = ref.startsWith('tpl_') ? await getTemplate(db, ref) : undefined;
  let tpl = byId && byId.channel_id === channelId ? byId : await findTemplateByName(db, channelId, ref, language);
  // A channel without templates of its own (Telegram) uses the WhatsApp numbers' library: its text is sent.
  if (!tpl && deps.channels.byId(channelId)?.adapter.capabilities.templates === false) {
    if (byId) tpl = byId;
    for (const number of deps.channels.all()) tpl ??= await findTemplateByName(db, number.id, ref, language);
  }
  if (!tpl) return refuse('template_not_found', `No template ${ref}${language ? ` in ${language}` : ''} on this number.`);
  if (tpl.status === 'APPROVED') return { ok: true, tpl };
  const reason = tpl.status === 'PAUSED' ? 'template_paused' : tpl.status === 'DISABLED' ? 'template_disabled' : 'template_not_approved';
  return refuse(reason, `Template ${tpl.name} (${tpl.language}) is ${tpl.status}; only APPROVED templates can be sent.`, {
    template_id: tpl.id,
    status: tpl.status,
  });
}

/** Who sent it, as stored in messages.author. */
export function authorFor(principal: Principal): string {
  if (principal.kind === 'flow') return `bot:flow:${principal.flowId ?? ''}`;
  return principal.userId ? `agent:${principal.userId}` : 'api';
}

/**
 * A template from a signed-in user (the inbox) pauses the bot like their reply. One sent with an
 * API token or the admin token does not: integrations send templates as notifications whose
 * buttons may start a flow (a `template_button` trigger), which a pause would silence.
 */
function templateTarget(principal: Principal, t: { conversationId: string; channelId: string; contactId: string }) {
  return { ...t, author: authorFor(principal), ...(principal.kind === 'user' && principal.userId ? { pauseBotBy: principal.userId } : {}) };
}

/**
 * The entry point for every route that sends a template: to an existing conversation, or to a
 * phone number (E.164), a business-scoped user ID (bsuid) or contact, opening (or creating) their conversation on the channel.
 * `POST /api/v1/conversations` calls this when its body has `template`; the flow engine with its
 * own principal (a template block's `to`).
 */
export async function sendTemplateFromRequest(
  deps: Deps,
  principal: Principal,
  to: { conversationId?: string; phone?: string; bsuid?: string; contactId?: string; channelId?: string },
  body: TemplateSendBody,
): Promise<TemplateSendOutcome> {
  const db = deps.storage.db;
  const now = deps.clock.now();
  if (to.conversationId) {
    const conv = await db.selectFrom('conversations').selectAll().where('id', '=', to.conversationId).executeTakeFirst();
    if (!conv || !canSee(visibleConversationFilter(principal), conv))
      return refuse('conversation_not_found', `No conversation ${to.conversationId}.`);
    if (conv.status === 'closed')
      return refuse('conversation_closed', 'This conversation is closed; send to the contact (phone or contact_id) to start a new one.');
    return sendTemplate(
      deps,
      templateTarget(principal, { conversationId: conv.id, channelId: conv.channel_id, contactId: conv.contact_id }),
      body,
    );
  }
  const channel = to.channelId ? deps.channels.byId(to.channelId) : deps.channels.all()[0];
  if (!channel)
    return to.channelId
      ? refuse('channel_not_found', `No channel ${to.channelId}.`)
      : refuse('no_channel', 'No WhatsApp number is configured.');
  let contactId: string;
  if (to.contactId) {
    const visibility = visibleConversationFilter(principal);
    // Its open conversation being someone else's is 403 (as for a phone); a contact the caller
    // may not see otherwise (only others' closed conversations) reads as missing, as in /contacts.
    if (await db.selectFrom('contacts').select('id').where('id', '=', to.contactId).executeTakeFirst()) {
      const shown = await checkConversationNotHidden(db, visibility, { channelId: channel.id, contactId: to.contactId });
      if (!shown.ok) return refuse('conversation_hidden', HIDDEN);
    }
    const c = await findVisibleContact(db, to.contactId, visibility);
    if (!c) return refuse('contact_not_found', `No contact ${to.contactId}.`);
    contactId = c.id;
  } else if (to.bsuid) {
    // A customer known only by their business-scoped user ID (docs/whatsapp-identity.md): sent with `recipient`.
    if (!isBsuid(to.bsuid)) return refuse('invalid_bsuid', BAD_BSUID, { field: 'bsuid' });
    contactId = (await findOrCreateByBsuid(db, to.bsuid, now)).id;
  } else if (to.phone) {
    if (!to.phone.trim().startsWith('+'))
      return refuse('invalid_phone', 'phone must be in E.164 form with the country code, like +5215512345678.', { phone: to.phone });
    const n = normalizePhone(to.phone);
    if (!n.ok) return refuse('invalid_phone', `phone: ${n.message}.`, { phone: to.phone, reason: n.reason });
    // A contact who wrote is known by the id WhatsApp gave it, which may be a variant of ours (Mexico's 521, Brazil's ninth digit).
    const known = await db
      .selectFrom('contacts')
      .select('id')
      .where('channel_kind', '=', 'whatsapp')
      .where('external_id', 'in', waIdVariants(n.waId))
      .executeTakeFirst();
    contactId = known?.id ?? (await upsertContact(db, { channelKind: 'whatsapp', externalId: n.waId, phoneE164: n.e164, now })).id;
  } else {
    return refuse('recipient_required', 'Give phone (E.164), bsuid or contact_id.');
  }
  const conv = await db.transaction().execute(async (trx) => {
    // The contact's current conversation may be someone else's: refused before anything is sent (as for a text).
    const shown = await checkConversationNotHidden(trx, visibleConversationFilter(principal), { channelId: channel.id, contactId });
    return shown.ok ? openConversation(trx, { channelId: channel.id, contactId, now }, deps.jobs) : null;
  });
  if (!conv) return refuse('conversation_hidden', HIDDEN);
  return sendTemplate(deps, templateTarget(principal, { conversationId: conv.id, channelId: channel.id, contactId }), body);
}
