import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

export type PricedCategory = 'marketing' | 'utility' | 'authentication' | 'service';

/** Prices per delivered template message, by category, for a country calling code or the default. */
export interface RateCard {
  currency: string;
  default: Partial<Record<PricedCategory, number>>;
  /** Keyed by country calling code without '+': "52", "1", "57". */
  countries: Record<string, Partial<Record<PricedCategory, number>>>;
}

/**
 * DEFAULTS, for estimates only: rounded from Meta's published per-message USD rates of July 2025
 * for a few markets. Meta changes them quarterly and bills by its own card; set RATE_CARD_FILE to
 * your own (docs/costs.md). Service messages (free-form replies) are free.
 */
export const DEFAULT_RATE_CARD: RateCard = {
  currency: 'USD',
  default: { marketing: 0.0625, utility: 0.0113, authentication: 0.0113, service: 0 },
  countries: {
    '1': { marketing: 0.025, utility: 0.004, authentication: 0.0135 },
    '52': { marketing: 0.0305, utility: 0.0085, authentication: 0.0085 },
    '57': { marketing: 0.0125, utility: 0.0008, authentication: 0.0008 },
    '55': { marketing: 0.0625, utility: 0.0068, authentication: 0.0068 },
    '54': { marketing: 0.0618, utility: 0.026, authentication: 0.026 },
    '56': { marketing: 0.0889, utility: 0.02, authentication: 0.02 },
    '51': { marketing: 0.0703, utility: 0.02, authentication: 0.02 },
    '34': { marketing: 0.0615, utility: 0.02, authentication: 0.02 },
    '44': { marketing: 0.0529, utility: 0.022, authentication: 0.022 },
    '91': { marketing: 0.0107, utility: 0.0014, authentication: 0.0014 },
  },
};

const loaded = new Map<string, RateCard>();

/** The configured card (read once per path), or the defaults. A malformed file throws at start. */
export function rateCardFor(config: { rateCardFile?: string }): RateCard {
  if (!config.rateCardFile) return DEFAULT_RATE_CARD;
  const path = resolve(config.rateCardFile);
  let card = loaded.get(path);
  if (!card) {
    card = parseRateCard(JSON.parse(readFileSync(path, 'utf8')), path);
    loaded.set(path, card);
  }
  return card;
}

export function parseRateCard(raw: unknown, source: string): RateCard {
  const fail = (why: string): never => {
    throw new Error(`rate card ${source}: ${why}`);
  };
  if (typeof raw !== 'object' || raw === null) return fail('must be a JSON object');
  const r: Record<string, unknown> = { ...raw };
  const prices = (v: unknown, where: string): Partial<Record<PricedCategory, number>> => {
    if (typeof v !== 'object' || v === null) return fail(`${where} must be an object of category -> price`);
    const out: Partial<Record<PricedCategory, number>> = {};
    for (const [k, p] of Object.entries(v)) {
      if (!['marketing', 'utility', 'authentication', 'service'].includes(k)) fail(`${where}.${k}: unknown category`);
      if (typeof p !== 'number' || !(p >= 0)) fail(`${where}.${k} must be a number >= 0`);
      out[k as PricedCategory] = p as number;
    }
    return out;
  };
  const countries: RateCard['countries'] = {};
  if (r.countries !== undefined) {
    if (typeof r.countries !== 'object' || r.countries === null) fail('countries must be an object');
    for (const [code, v] of Object.entries(r.countries as object)) {
      if (!/^\d{1,4}$/.test(code)) fail(`countries.${code}: keys are calling codes without '+'`);
      countries[code] = prices(v, `countries.${code}`);
    }
  }
  return {
    currency:
      typeof r.currency === 'string' && /^[A-Z]{3}$/.test(r.currency) ? r.currency : fail('currency must be an ISO code like "USD"'),
    default: { ...DEFAULT_RATE_CARD.default, ...(r.default === undefined ? {} : prices(r.default, 'default')) },
    countries,
  };
}

/** Meta's pricing categories (`marketing_lite`, `authentication-international`) folded onto the card's. */
export function pricedCategory(category: string): PricedCategory | undefined {
  const c = category.toLowerCase();
  if (c.startsWith('marketing')) return 'marketing';
  if (c.startsWith('authentication')) return 'authentication';
  if (c === 'utility') return 'utility';
  if (c === 'service' || c === 'referral_conversion') return 'service';
  return undefined;
}

/** Price of one message to `phone` (E.164 or wa_id digits): the longest matching calling code wins. */
export function estimatePrice(card: RateCard, category: string, phone: string): number {
  const cat = pricedCategory(category);
  if (!cat || cat === 'service') return 0;
  const digits = phone.replace(/\D/g, '');
  for (const len of [4, 3, 2, 1]) {
    const price = card.countries[digits.slice(0, len)]?.[cat];
    if (price !== undefined) return price;
  }
  return card.default[cat] ?? 0;
}
