import type { Principal } from '../auth/principal.ts';
import { visibleConversationFilter } from '../auth/visible-conversation-filter.ts';
import { findVisibleContact, upsertContact } from '../contacts/contact-store.ts';
import { bsuidField, findOrCreateByBsuid } from '../contacts/whatsapp-contact-store.ts';
import { normalizePhone, waIdVariants } from '../core/phone.ts';
import { pricingNumber } from '../core/whatsapp-ids.ts';
import { HttpError } from '../core/http-error.ts';
import { freeEntryPointUntil, freeReasonOf } from '../costs/free-entry-point.ts';
import { estimatePrice, rateCardFor } from '../costs/rate-card.ts';
import { pauseBot } from '../bot/bot-pause.ts';
import { canSendFreeForm } from '../conversations/customer-window.ts';
import { canSee } from '../conversations/conversation-visibility.ts';
import { openConversation } from '../messaging/open-conversation.ts';
import { refuseHiddenConversation } from '../conversations/refuse-hidden-conversation.ts';
import type { Deps } from '../deps.ts';
import { queueOutbound } from '../messaging/queue-outbound.ts';
import { isRecord } from './lint-text.ts';
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

/** The fields of a template send's body (POST /api/v1/conversations/:id/templates); the routes refuse others. */
export const TEMPLATE_SEND_FIELDS: readonly string[] = ['template', 'language', 'parameters', 'override_opt_in'];

/** Reads a request body into a TemplateSendBody; 400 with the field at fault otherwise. */
export function parseTemplateSendBody(raw: unknown): TemplateSendBody {
  if (!isRecord(raw)) throw new HttpError(400, 'bad_request', 'The body must be a JSON object.');
  if (typeof raw.template !== 'string' || raw.template.trim() === '') throw new HttpError(400, 'template_required', 'template (a template id or name) is required.');
  if (raw.language !== undefined && typeof raw.language !== 'string') throw new HttpError(400, 'bad_request', 'language must be a string such as es_MX.');
  const out: TemplateSendBody = { template: raw.template.trim(), parameters: raw.parameters };
  if (typeof raw.language === 'string') out.language = raw.language;
  if (raw.override_opt_in !== undefined && raw.override_opt_in !== null) {
    const o = raw.override_opt_in;
    if (!isRecord(o) || typeof o.reason !== 'string' || o.reason.trim().length < 3 || o.reason.length > 500) {
      throw new HttpError(400, 'override_reason_required', 'override_opt_in must be {"reason": "..."} with a reason of 3 to 500 characters; it is recorded on the message.');
    }
    out.override_opt_in = { reason: o.reason.trim() };
  }
  return out;
}

/**
 * Sends an APPROVED template into a conversation: parameters checked against the template (422s,
 * never Meta's 132000), opt-in enforced for business-initiated MARKETING unless overridden with a
 * reason (recorded on the message), the price estimated from the rate card, then queued like any
 * outbound message. The 24-hour window does not apply: templates are how one writes outside it.
 */
export async function sendTemplate(
  deps: Deps,
  /** `pauseBotBy`: a person sends it, so the bot pauses in the conversation (bot/bot-pause.ts). */
  target: { conversationId: string; channelId: string; contactId: string; author: string; pauseBotBy?: string },
  body: TemplateSendBody,
): Promise<TemplateSendResult> {
  const db = deps.storage.db;
  const now = deps.clock.now();
  const tpl = await findSendableTemplate(deps, target.channelId, body.template, body.language);
  const resolved = resolveParameters({ parameter_format: tpl.parameter_format, category: tpl.category, components: componentsOf(tpl) }, body.parameters);
  const window = await canSendFreeForm(db, { channelId: target.channelId, contactId: target.contactId }, now);
  const contact = await db.selectFrom('contacts').selectAll().where('id', '=', target.contactId).executeTakeFirstOrThrow();
  const businessInitiated = !window.open;
  if (tpl.category === 'MARKETING' && businessInitiated && !isOptedIn(contact.opted_in) && !body.override_opt_in) {
    throw new HttpError(422, 'opt_in_required', 'This contact has not opted in to marketing messages, and the conversation is business-initiated. Record their opt-in, or send with override_opt_in: {"reason": "..."}.', {
      contact_id: contact.id,
      opted_in: contact.opted_in === null || contact.opted_in === undefined ? null : isOptedIn(contact.opted_in),
      category: tpl.category,
    });
  }
  const card = rateCardFor(deps.config);
  // Free as POST /api/v1/costs/estimate says: a free entry point window, or a UTILITY template inside the customer's window.
  const entryPointUntil = await freeEntryPointUntil(db, deps.storage.dialect, target.channelId, target.contactId, now);
  const amount = freeReasonOf(tpl.category, window.open, entryPointUntil) !== null ? 0 : estimatePrice(card, tpl.category, pricingNumber(contact.phone_e164, contact.external_id));
  const overrideReason = tpl.category === 'MARKETING' && businessInitiated && !isOptedIn(contact.opted_in) ? (body.override_opt_in?.reason ?? null) : null;
  const message = await db.transaction().execute(async (trx) => {
    const m = await queueOutbound(trx, deps.jobs, {
      conversationId: target.conversationId,
      channelId: target.channelId,
      content: { type: 'template', name: tpl.name, language: tpl.language, components: resolved.components },
      author: target.author,
      now,
    });
    await trx
      .updateTable('messages')
      .set({ text: resolved.rendered.text, template_name: tpl.name, price_estimate: amount, currency: card.currency, opt_in_override_reason: overrideReason })
      .where('id', '=', m.id)
      .execute();
    if (target.pauseBotBy !== undefined) await pauseBot(trx, deps, { conversationId: target.conversationId, by: target.pauseBotBy, reason: 'agent_message', now });
    return m;
  });
  deps.jobs.wake();
  return {
    message: { id: message.id, conversation_id: target.conversationId, status: message.status, created_at: new Date(now).toISOString() },
    template: { id: tpl.id, name: tpl.name, language: tpl.language, category: tpl.category },
    rendered: resolved.rendered,
    business_initiated: businessInitiated,
    price_estimate: { amount, currency: card.currency },
    opt_in_override: overrideReason === null ? null : { reason: overrideReason },
  };
}

/** `contacts.opted_in` is 1/0 on SQLite, and may be a boolean from other writers; null = never asked. */
function isOptedIn(v: unknown): boolean {
  return v === 1 || v === true || v === '1';
}

async function findSendableTemplate(deps: Deps, channelId: string, ref: string, language?: string): Promise<TemplateRow> {
  const db = deps.storage.db;
  const byId = ref.startsWith('tpl_') ? await getTemplate(db, ref) : undefined;
  const tpl = byId && byId.channel_id === channelId ? byId : await findTemplateByName(db, channelId, ref, language);
  if (!tpl) throw new HttpError(404, 'template_not_found', `No template ${ref}${language ? ` in ${language}` : ''} on this number.`);
  if (tpl.status === 'APPROVED') return tpl;
  const code = tpl.status === 'PAUSED' ? 'template_paused' : tpl.status === 'DISABLED' ? 'template_disabled' : 'template_not_approved';
  throw new HttpError(422, code, `Template ${tpl.name} (${tpl.language}) is ${tpl.status}; only APPROVED templates can be sent.`, { template_id: tpl.id, status: tpl.status });
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
 * `POST /api/v1/conversations` calls this when its body has `template`.
 */
export async function sendTemplateFromRequest(
  deps: Deps,
  principal: Principal,
  to: { conversationId?: string; phone?: string; bsuid?: string; contactId?: string; channelId?: string },
  rawBody: unknown,
): Promise<TemplateSendResult> {
  const body = parseTemplateSendBody(rawBody);
  const db = deps.storage.db;
  const now = deps.clock.now();
  if (to.conversationId) {
    const conv = await db.selectFrom('conversations').selectAll().where('id', '=', to.conversationId).executeTakeFirst();
    if (!conv || !canSee(visibleConversationFilter(principal), conv)) throw new HttpError(404, 'conversation_not_found', `No conversation ${to.conversationId}.`);
    if (conv.status === 'closed') throw new HttpError(409, 'conversation_closed', 'This conversation is closed; send to the contact (phone or contact_id) to start a new one.');
    return sendTemplate(deps, templateTarget(principal, { conversationId: conv.id, channelId: conv.channel_id, contactId: conv.contact_id }), body);
  }
  const channel = to.channelId ? deps.channels.byId(to.channelId) : deps.channels.all()[0];
  if (!channel) throw new HttpError(to.channelId ? 404 : 409, to.channelId ? 'channel_not_found' : 'no_channel', to.channelId ? `No channel ${to.channelId}.` : 'No WhatsApp number is configured.');
  let contactId: string;
  if (to.contactId) {
    const visibility = visibleConversationFilter(principal);
    // Its open conversation being someone else's is 403 (as for a phone); a contact the caller
    // may not see otherwise (only others' closed conversations) reads as missing, as in /contacts.
    if (await db.selectFrom('contacts').select('id').where('id', '=', to.contactId).executeTakeFirst()) {
      await refuseHiddenConversation(db, visibility, { channelId: channel.id, contactId: to.contactId });
    }
    const c = await findVisibleContact(db, to.contactId, visibility);
    if (!c) throw new HttpError(404, 'contact_not_found', `No contact ${to.contactId}.`);
    contactId = c.id;
  } else if (to.bsuid) {
    // A customer known only by their business-scoped user ID (docs/whatsapp-identity.md): sent with `recipient`.
    contactId = (await findOrCreateByBsuid(db, bsuidField(to.bsuid), now)).id;
  } else if (to.phone) {
    if (!to.phone.trim().startsWith('+')) throw new HttpError(422, 'invalid_phone', 'phone must be in E.164 form with the country code, like +5215512345678.', { phone: to.phone });
    const n = normalizePhone(to.phone);
    if (!n.ok) throw new HttpError(422, 'invalid_phone', `phone: ${n.message}.`, { phone: to.phone, reason: n.reason });
    // A contact who wrote is known by the id WhatsApp gave it, which may be a variant of ours (Mexico's 521, Brazil's ninth digit).
    const known = await db.selectFrom('contacts').select('id').where('channel_kind', '=', 'whatsapp').where('external_id', 'in', waIdVariants(n.waId)).executeTakeFirst();
    contactId = known?.id ?? (await upsertContact(db, { channelKind: 'whatsapp', externalId: n.waId, phoneE164: n.e164, now })).id;
  } else {
    throw new HttpError(400, 'recipient_required', 'Give phone (E.164), bsuid or contact_id.');
  }
  const conv = await db.transaction().execute(async (trx) => {
    // The contact's current conversation may be someone else's: 403 before anything is sent (as for a text).
    await refuseHiddenConversation(trx, visibleConversationFilter(principal), { channelId: channel.id, contactId });
    return openConversation(trx, { channelId: channel.id, contactId, now }, deps.jobs);
  });
  return sendTemplate(deps, templateTarget(principal, { conversationId: conv.id, channelId: channel.id, contactId }), body);
}
