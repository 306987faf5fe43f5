import { normalizePhone } from '../core/phone.ts';
import { pricingNumber } from '../core/whatsapp-ids.ts';
import { estimatePrice, pricedCategory, rateCardFor } from '../costs/rate-card.ts';
import type { Config } from '../config.ts';
import { resolveParameters, type ResolvedTemplate } from '../templates/resolve-parameters.ts';
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
  const plan = emptyPlan(card.currency, { not_opted_in: 0, opted_out: 0, blocked: 0 });
  const tpl = { parameter_format: template.parameter_format, category: template.category, components: componentsOf(template) };
  const render = (filled: unknown): Rendered<ResolvedTemplate> => {
    const r = resolveParameters(tpl, filled);
    return r.ok ? { ok: true, value: r } : { ok: false, code: r.reason, message: r.message, details: r.details };
  };
  for (const c of candidates) {
    const address = c.phone_e164 ?? c.bsuid ?? c.external_id;
    const resolved = checkRecipient(plan, c, { address, blocked: c.blocked === 1, overrideOptIn, spec, render });
    if (!resolved) continue;
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

/** A plan with no recipients yet: nothing excluded, no errors, nothing to pay. */
export function emptyPlan(currency: string, excluded: Excluded): Plan {
  return { recipients: [], excluded, errors: [], error_count: 0, cost: { currency, total: 0, by_category: {}, by_country: {} } };
}

/** What a broadcast's kind makes of a recipient's filled parameters: its content, or why they do not fit. */
export type Rendered<T> = { ok: true; value: T } | { ok: false; code: string; message: string; details?: Record<string, unknown> };

/**
 * One audience contact in a plan, by the rules template and text broadcasts share: a contact who
 * is blocked (`blocked`), opted out, or never opted in (unless `overrideOptIn`) is counted as
 * excluded; else its parameters are filled from the spec and rendered by the broadcast's kind, and
 * a recipient whose parameters do not fit is recorded as an error with its CSV line. Returns the
 * rendered content of a recipient to send to, or undefined.
 */
export function checkRecipient<T>(
  plan: Plan,
  c: Candidate,
  o: { address: string; blocked: boolean; overrideOptIn: boolean; spec: unknown; render: (filled: unknown) => Rendered<T> },
): T | undefined {
  if (o.blocked) {
    plan.excluded.blocked++;
    return undefined;
  }
  if (c.opted_in === 0) {
    plan.excluded.opted_out++;
    return undefined;
  }
  if (c.opted_in !== 1 && !o.overrideOptIn) {
    plan.excluded.not_opted_in++;
    return undefined;
  }
  const error = (e: { code: string; message: string; details?: Record<string, unknown> }) => {
    plan.error_count++;
    const { code, message, details } = e;
    if (plan.errors.length < MAX_ERRORS)
      plan.errors.push({ contact_id: c.contact_id, address: o.address, line: c.line, code, message, ...(details ? { details } : {}) });
    return undefined;
  };
  const filled = fillParameters(o.spec, c);
  if (!filled.ok) return error({ code: 'missing_variable', message: filled.message, details: { variable: filled.variable } });
  const rendered = o.render(filled.value);
  return rendered.ok ? rendered.value : error(rendered);
}

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
