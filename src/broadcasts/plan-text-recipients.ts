import { rateCardFor } from '../costs/rate-card.ts';
import type { Config } from '../config.ts';
import type { Candidate } from './audience-candidates.ts';
import { fillParameters, MAX_ERRORS, type Plan, type RecipientError } from './plan-recipients.ts';

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
  const plan: Plan = {
    recipients: [],
    excluded: { not_opted_in: 0, opted_out: 0, blocked: 0, not_on_channel: 0 },
    errors: [],
    error_count: 0,
    cost: { currency: rateCardFor(config).currency, total: 0, by_category: {}, by_country: {} },
  };
  const addError = (e: RecipientError) => {
    plan.error_count++;
    if (plan.errors.length < MAX_ERRORS) plan.errors.push(e);
  };
  for (const c of candidates) {
    const member = members.get(c.contact_id);
    if (!member) {
      plan.excluded.not_on_channel = (plan.excluded.not_on_channel ?? 0) + 1;
      continue;
    }
    if (c.blocked === 1 || member.blocked_by_user) {
      plan.excluded.blocked++;
      continue;
    }
    if (c.opted_in === 0) {
      plan.excluded.opted_out++;
      continue;
    }
    if (c.opted_in !== 1) {
      plan.excluded.not_opted_in++;
      continue;
    }
    // A merged contact's external_id is its WhatsApp id: the bot reaches it by its chat.
    const address = c.telegram_chat_id ?? c.external_id;
    const filled = fillParameters(spec, c);
    if (!filled.ok) {
      addError({
        contact_id: c.contact_id,
        address,
        line: c.line,
        code: 'missing_variable',
        message: filled.message,
        details: { variable: filled.variable },
      });
      continue;
    }
    const rendered = renderText(text, filled.value);
    if (!rendered.ok) {
      addError({
        contact_id: c.contact_id,
        address,
        line: c.line,
        code: rendered.code,
        message: rendered.message,
        details: rendered.details,
      });
      continue;
    }
    plan.recipients.push({
      contact_id: c.contact_id,
      address,
      components: [],
      rendered: rendered.text,
      price_estimate: 0,
      country: 'unknown',
    });
  }
  return plan;
}

type Rendered = { ok: true; text: string } | { ok: false; code: string; message: string; details: Record<string, unknown> };

/** The text with its placeholders filled from the filled spec's `body` (positional from {{1}}, or by name). */
export function renderText(text: string, filled: unknown): Rendered {
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
  return { ok: true, text: out };
}
