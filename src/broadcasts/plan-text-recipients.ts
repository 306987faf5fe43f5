import { rateCardFor } from '../costs/rate-card.ts';
import type { Config } from '../config.ts';
import type { Candidate } from './audience-candidates.ts';
import { checkRecipient, emptyPlan, type Plan, type Rendered } from './plan-recipients.ts';

/** Telegram's limit on a message's text (https://core.telegram.org/bots/api#sendmessage). */
export const MAX_TEXT_LENGTH = 4096;
const PLACEHOLDER = /\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g;

/** A bot's contact: a customer who wrote to it, and whether they blocked it since. */
export interface ChannelMember {
  contact_id: string;
  blocked_by_user: boolean;
}

/**
 * Who a text broadcast (a channel without templates: Telegram) reaches and with what. The same
 * opt-in rules as a template broadcast, without the override (there is no UTILITY category here):
 * a contact who never opted in, opted out, is blocked by us or blocked the bot is excluded and
 * counted; so is a contact of the audience who never wrote to this bot (`not_on_channel`: there is
 * no chat to send to). Each text's `{{1}}`... / `{{name}}` placeholders are filled from
 * `parameters.body` (an array, or an object by name), whose values are fixed, `{"column": ...}` or
 * `{"contact": ..., "fallback": ...}` as for templates. No price: Telegram charges nothing. Pure.
 */
export function planTextRecipients(
  config: Pick<Config, 'rateCardFile'>,
  text: string,
  spec: unknown,
  candidates: readonly Candidate[],
  members: ReadonlyMap<string, ChannelMember>,
): Plan {
  const plan = emptyPlan(rateCardFor(config).currency, { not_opted_in: 0, opted_out: 0, blocked: 0, not_on_channel: 0 });
  const render = (filled: unknown) => renderText(text, filled);
  for (const c of candidates) {
    const member = members.get(c.contact_id);
    if (!member) {
      plan.excluded.not_on_channel = (plan.excluded.not_on_channel ?? 0) + 1;
      continue;
    }
    // A merged contact's external_id is its WhatsApp id: the bot reaches it by its chat.
    const address = c.telegram_chat_id ?? c.external_id;
    // No override: the never-asked are let through for UTILITY templates only.
    const blocked = c.blocked === 1 || member.blocked_by_user;
    const rendered = checkRecipient(plan, c, { address, blocked, overrideOptIn: false, spec, render });
    if (rendered === undefined) continue;
    plan.recipients.push({ contact_id: c.contact_id, address, components: [], rendered, price_estimate: 0, country: 'unknown' });
  }
  return plan;
}

/** The text with its placeholders filled from the filled spec's `body` (positional from {{1}}, or by name). */
export function renderText(text: string, filled: unknown): Rendered<string> {
  const body = typeof filled === 'object' && filled !== null && 'body' in filled ? filled.body : undefined;
  const lookUp = (key: string): unknown => {
    if (Array.isArray(body)) return /^\d+$/.test(key) ? body[Number(key) - 1] : undefined;
    if (typeof body === 'object' && body !== null) return Object.entries(body).find(([k]) => k === key)?.[1];
    return undefined;
  };
  let missing: string | undefined;
  const out = text.replace(PLACEHOLDER, (_, key: string) => {
    const v = lookUp(key);
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return String(v);
    missing ??= key;
    return '';
  });
  if (missing !== undefined)
    return {
      ok: false,
      code: 'text_param_missing',
      message: `The text's {{${missing}}} has no value in parameters.body.`,
      details: { placeholder: missing },
    };
  if (out.length > MAX_TEXT_LENGTH)
    return {
      ok: false,
      code: 'text_too_long',
      message: `The text is ${out.length} characters for this recipient; Telegram takes ${MAX_TEXT_LENGTH} at most.`,
      details: { length: out.length },
    };
  return { ok: true, value: out };
}
