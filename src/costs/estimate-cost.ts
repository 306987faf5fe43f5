import { getCountryCallingCode, isSupportedCountry, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import type { Principal } from '../auth/principal.ts';
import { visibleConversationFilter } from '../auth/visible-conversation-filter.ts';
import { findVisibleContact } from '../contacts/contact-store.ts';
import { findByBsuid } from '../contacts/whatsapp-contact-store.ts';
import { canSendFreeForm } from '../conversations/customer-window.ts';
import { checkConversationNotHidden } from '../conversations/refuse-hidden-conversation.ts';
import { REPLY_TYPES } from '../conversations/reply-content.ts';
import { normalizePhone, waIdVariants } from '../core/phone.ts';
import { isBsuid, pricingNumber } from '../core/whatsapp-ids.ts';
import type { Deps } from '../deps.ts';
import { findTemplateByName, getTemplate } from '../templates/template-store.ts';
import { freeEntryPointUntil, freeReasonOf, type FreeReason } from './free-entry-point.ts';
import { estimatePrice, rateCardFor } from './rate-card.ts';

export interface CostEstimate {
  category: 'marketing' | 'utility' | 'authentication' | 'service';
  template: { id: string; name: string; language: string; category: string; status: string } | null;
  country: string | null;
  calling_code: string | null;
  price: number;
  currency: string;
  free: boolean;
  free_reason: FreeReason | null;
  window_open_until: string | null;
  free_entry_point_until: string | null;
  contact_id: string | null;
}

/** What to quote (POST /api/v1/costs/estimate's body, its types checked by the route's schema). */
export interface CostEstimateInput {
  template?: string;
  language?: string;
  type?: string;
  phone?: string;
  contact_id?: string;
  bsuid?: string;
  channel_id?: string;
}

/** Why nothing was quoted: `field` names the input at fault, when one is. */
export type CostRefusal = {
  ok: false;
  reason:
    | 'message_required'
    | 'unsupported_type'
    | 'template_required'
    | 'invalid_language'
    | 'recipient_required'
    | 'channel_not_found'
    | 'no_channel'
    | 'contact_not_found'
    | 'invalid_bsuid'
    | 'invalid_phone'
    | 'conversation_hidden'
    | 'template_not_found'
    | 'window_closed';
  message: string;
  details?: Record<string, unknown>;
};

const refuse = (reason: CostRefusal['reason'], message: string, details?: Record<string, unknown>): CostRefusal => ({
  ok: false,
  reason,
  message,
  ...(details ? { details } : {}),
});
const invalid = (reason: CostRefusal['reason'], field: string, message: string): CostRefusal => refuse(reason, message, { field });

/**
 * What one message would cost if sent now, without sending (or storing) anything: the pricing
 * category (a template's, or `service` for a free-form message), the recipient's country, the
 * rate card's price, and whether Meta's rules make it free — a free-form message or a UTILITY
 * template inside the customer's 24-hour window, or any message inside a free entry point window
 * (docs/costs.md). The same rules price `price_estimate` when a template is queued.
 */
export async function estimateCost(
  deps: Deps,
  principal: Principal,
  b: CostEstimateInput,
): Promise<{ ok: true; estimate: CostEstimate } | CostRefusal> {
  const db = deps.storage.db;
  const now = deps.clock.now();
  if ((b.template === undefined) === (b.type === undefined))
    return invalid(
      'message_required',
      'template',
      'Give "template" (a template id or name) or "type" (a free-form message type such as "text"), not both.',
    );
  if (b.type !== undefined && (b.type === 'reaction' || !(REPLY_TYPES as readonly string[]).includes(b.type))) {
    return invalid(
      'unsupported_type',
      'type',
      `"type" must be a free-form message type: ${REPLY_TYPES.filter((t) => t !== 'reaction').join(', ')}.`,
    );
  }
  if (b.template !== undefined && b.template.trim() === '')
    return invalid('template_required', 'template', '"template" must be a template id (tpl_...) or name.');
  if (b.language !== undefined && b.template === undefined)
    return invalid('invalid_language', 'language', '"language" (like es_MX) goes with "template".');
  const recipients = [b.phone, b.contact_id, b.bsuid].filter((v) => v !== undefined);
  if (recipients.length !== 1) return refuse('recipient_required', 'Give exactly one of phone (E.164), contact_id or bsuid.');
  const channel = b.channel_id !== undefined ? deps.channels.byId(b.channel_id) : deps.channels.all()[0];
  if (!channel)
    return b.channel_id
      ? refuse('channel_not_found', `No channel ${b.channel_id}.`)
      : refuse('no_channel', 'No WhatsApp number is configured.');

  // The recipient: a known contact (whose window and entry point count), or a number never seen.
  const visibility = visibleConversationFilter(principal);
  let contact: { id: string; phone_e164: string | null; external_id: string } | undefined;
  let phoneE164: string | null = null;
  if (b.contact_id !== undefined) {
    contact = await findVisibleContact(db, b.contact_id, visibility);
    if (!contact) return refuse('contact_not_found', `No contact ${b.contact_id}.`);
  } else if (b.bsuid !== undefined) {
    const bsuid = b.bsuid;
    if (!isBsuid(bsuid)) {
      return invalid(
        'invalid_bsuid',
        'bsuid',
        '"bsuid" must be a WhatsApp business-scoped user ID as webhooks give it: a two-letter country code, ".", then up to 128 letters and digits, like US.13491208655302741918.',
      );
    }
    contact = (await findByBsuid(db, bsuid)) ?? { id: '', phone_e164: null, external_id: bsuid };
  } else {
    if (b.phone === undefined || !b.phone.trim().startsWith('+'))
      return invalid('invalid_phone', 'phone', 'phone must be in E.164 form with the country code, like +5215512345678.');
    const n = normalizePhone(b.phone);
    if (!n.ok) return refuse('invalid_phone', `phone: ${n.message}.`, { field: 'phone', reason: n.reason });
    phoneE164 = n.e164;
    const known = await db
      .selectFrom('contacts')
      .select(['id', 'phone_e164', 'external_id'])
      .where('channel_kind', '=', 'whatsapp')
      .where('external_id', 'in', waIdVariants(n.waId))
      .executeTakeFirst();
    contact = known ?? { id: '', phone_e164: n.e164, external_id: n.waId };
  }
  const contactId = contact.id === '' ? null : contact.id;
  if (contactId !== null && !(await checkConversationNotHidden(db, visibility, { channelId: channel.id, contactId })).ok) {
    return refuse(
      'conversation_hidden',
      "This customer's conversation is assigned to someone else; ask for it to be assigned to you or your team.",
    );
  }

  let template: CostEstimate['template'] = null;
  let category: CostEstimate['category'] = 'service';
  if (b.template !== undefined) {
    const ref = b.template.trim();
    const language = b.language;
    const byId = ref.startsWith('tpl_') ? await getTemplate(db, ref) : undefined;
    const tpl = byId && byId.channel_id === channel.id ? byId : await findTemplateByName(db, channel.id, ref, language);
    if (!tpl) return refuse('template_not_found', `No template ${ref}${language ? ` in ${language}` : ''} on this number.`);
    template = { id: tpl.id, name: tpl.name, language: tpl.language, category: tpl.category, status: tpl.status };
    const c = tpl.category.toLowerCase();
    category = c === 'marketing' || c === 'utility' || c === 'authentication' ? c : 'marketing';
  }

  const window =
    contactId === null
      ? { open: false, until: null, closedAt: null }
      : await canSendFreeForm(db, { channelId: channel.id, contactId }, now);
  if (template === null && !window.open) {
    return refuse(
      'window_closed',
      'Outside the 24-hour customer service window a free-form message cannot be sent at all; quote a template instead.',
      {
        window_closed_at: window.closedAt === null ? null : new Date(window.closedAt).toISOString(),
        template_required: true,
      },
    );
  }
  const entryPointUntil = contactId === null ? null : await freeEntryPointUntil(db, deps.storage.dialect, channel.id, contactId, now);
  const freeReason = freeReasonOf(category, window.open, entryPointUntil);
  const card = rateCardFor(deps.config);
  const number = pricingNumber(phoneE164 ?? contact.phone_e164, contact.external_id);
  const where = countryOf(number, contact.external_id);
  const estimate: CostEstimate = {
    category,
    template,
    country: where.country,
    calling_code: where.callingCode,
    price: freeReason !== null ? 0 : estimatePrice(card, category, number),
    currency: card.currency,
    free: freeReason !== null,
    free_reason: freeReason,
    window_open_until: window.open && window.until !== null ? new Date(window.until).toISOString() : null,
    free_entry_point_until: entryPointUntil === null ? null : new Date(entryPointUntil).toISOString(),
    contact_id: contactId,
  };
  return { ok: true, estimate };
}

function countryOf(number: string, externalId: string): { country: string | null; callingCode: string | null } {
  const bsuidCountry = /^[A-Z]{2}\./.test(externalId) ? externalId.slice(0, 2) : null;
  const parsed = number.length > 4 ? parsePhoneNumberFromString(number.startsWith('+') ? number : `+${number}`) : undefined;
  if (parsed) return { country: parsed.country ?? bsuidCountry, callingCode: parsed.countryCallingCode };
  if (bsuidCountry !== null && isSupportedCountry(bsuidCountry))
    return { country: bsuidCountry, callingCode: getCountryCallingCode(bsuidCountry as CountryCode) };
  return { country: null, callingCode: number === '' ? null : number };
}
