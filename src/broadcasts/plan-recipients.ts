import { normalizePhone } from '../core/phone.ts';
import { pricingNumber } from '../core/whatsapp-ids.ts';
import { estimatePrice, pricedCategory, rateCardFor } from '../costs/rate-card.ts';
import type { Config } from '../config.ts';
import { resolveParameters } from '../templates/resolve-parameters.ts';
import { componentsOf, type TemplateRow } from '../templates/template-store.ts';
import type { Candidate } from './audience-candidates.ts';

/** One recipient ready to send: its Graph components checked against the template. */
export interface PlannedRecipient {
  contact_id: string;
  address: string;
  components: unknown[];
  rendered: string;
  price_estimate: number;
  country: string;
}

/** A recipient whose parameters do not fit the template: the broadcast cannot start while one remains. */
export interface RecipientError {
  contact_id: string;
  address: string;
  line: number | null;
  code: string;
  message: string;
  details?: Record<string, unknown>;
}

export interface Excluded {
  not_opted_in: number;
  opted_out: number;
  blocked: number;
  /** Text broadcasts (Telegram): audience contacts who never wrote to the bot, so have no chat with it. */
  not_on_channel?: number;
}

export interface Plan {
  recipients: PlannedRecipient[];
  excluded: Excluded;
  errors: RecipientError[];
  /** Only the first MAX_ERRORS are listed; `error_count` has them all. */
  error_count: number;
  cost: {
    currency: string;
    total: number;
    by_category: Record<string, number>;
    by_country: Record<string, { recipients: number; amount: number }>;
  };
}

export const MAX_ERRORS = 500;

/**
 * Who a broadcast reaches and with what: opt-in enforced (a contact who opted out, is blocked, or
 * never opted in is excluded and counted; `overrideOptIn` lets the never-asked through, for
 * UTILITY templates only, as recorded on the broadcast), and every remaining recipient's
 * parameters resolved from the broadcast's spec and checked against the template (the checked-send
 * rules of single sends). Pure: no I/O.
 */
export function planRecipients(
  config: Pick<Config, 'rateCardFile'>,
  template: TemplateRow,
  spec: unknown,
  candidates: readonly Candidate[],
  overrideOptIn: boolean,
): Plan {
  const card = rateCardFor(config);
  const category = pricedCategory(template.category) ?? 'marketing';
  const plan: Plan = {
    recipients: [],
    excluded: { not_opted_in: 0, opted_out: 0, blocked: 0 },
    errors: [],
    error_count: 0,
    cost: { currency: card.currency, total: 0, by_category: {}, by_country: {} },
  };
  const tpl = { parameter_format: template.parameter_format, category: template.category, components: componentsOf(template) };
  const addError = (e: RecipientError) => {
    plan.error_count++;
    if (plan.errors.length < MAX_ERRORS) plan.errors.push(e);
  };
  for (const c of candidates) {
    if (c.blocked === 1) {
      plan.excluded.blocked++;
      continue;
    }
    if (c.opted_in === 0) {
      plan.excluded.opted_out++;
      continue;
    }
    if (c.opted_in !== 1 && !overrideOptIn) {
      plan.excluded.not_opted_in++;
      continue;
    }
    const address = c.phone_e164 ?? c.bsuid ?? c.external_id;
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
    const resolved = resolveParameters(tpl, filled.value);
    if (!resolved.ok) {
      addError({
        contact_id: c.contact_id,
        address,
        line: c.line,
        code: resolved.reason,
        message: resolved.message,
        details: resolved.details,
      });
      continue;
    }
    const phone = pricingNumber(c.phone_e164, c.external_id);
    const amount = estimatePrice(card, template.category, phone);
    const n = c.phone_e164 ? normalizePhone(c.phone_e164) : undefined;
    const country = n?.ok && n.country ? n.country : 'unknown';
    plan.recipients.push({
      contact_id: c.contact_id,
      address,
      components: resolved.components,
      rendered: resolved.rendered.text,
      price_estimate: amount,
      country,
    });
    plan.cost.total += amount;
    plan.cost.by_category[category] = (plan.cost.by_category[category] ?? 0) + amount;
    const byCountry = plan.cost.by_country[country] ?? { recipients: 0, amount: 0 };
    byCountry.recipients++;
    byCountry.amount += amount;
    plan.cost.by_country[country] = byCountry;
  }
  plan.cost.total = round(plan.cost.total);
  for (const k of Object.keys(plan.cost.by_category)) plan.cost.by_category[k] = round(plan.cost.by_category[k] ?? 0);
  for (const v of Object.values(plan.cost.by_country)) v.amount = round(v.amount);
  return plan;
}

const round = (n: number) => Math.round(n * 1e6) / 1e6;

type Filled = { ok: true; value: unknown } | { ok: false; variable: string; message: string };

/**
 * The template parameters for one recipient from the broadcast's spec: strings and other values
 * are fixed; `{"column": "x"}` is the recipient's CSV column x; `{"contact": "name", "fallback":
 * "amigo"}` is a contact field (name, profile_name, phone, bsuid, attributes.<key>), or the fallback
 * when the contact has none.
 */
export function fillParameters(spec: unknown, c: Candidate): Filled {
  let missing: { variable: string; message: string } | undefined;
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (typeof v !== 'object' || v === null) return v;
    const keys = Object.keys(v);
    if ('column' in v && typeof v.column === 'string' && keys.length === 1) {
      const value = c.variables[v.column];
      if (value === undefined || value === '')
        missing ??= { variable: v.column, message: `No value in column "${v.column}"${c.line !== null ? ` (line ${c.line})` : ''}.` };
      return value ?? '';
    }
    if ('contact' in v && typeof v.contact === 'string' && keys.every((k) => k === 'contact' || k === 'fallback')) {
      const value = contactField(c, v.contact);
      if (value !== undefined && value !== '') return value;
      if ('fallback' in v && typeof v.fallback === 'string') return v.fallback;
      missing ??= { variable: `contact.${v.contact}`, message: `The contact has no ${v.contact} and the parameter has no fallback.` };
      return '';
    }
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
  };
  const value = walk(spec);
  return missing ? { ok: false, ...missing } : { ok: true, value };
}

function contactField(c: Candidate, field: string): string | undefined {
  if (field === 'name') return c.name ?? c.profile_name ?? undefined;
  if (field === 'profile_name') return c.profile_name ?? undefined;
  if (field === 'phone') return c.phone_e164 ?? undefined;
  if (field === 'bsuid') return c.bsuid ?? undefined;
  if (field.startsWith('attributes.')) {
    const v = c.attributes[field.slice('attributes.'.length)];
    return typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;
  }
  return undefined;
}
