import type { FastifyInstance } from 'fastify';
import { HttpError } from '../core/http-error.ts';
import type { Deps } from '../deps.ts';
import { principalOf } from '../auth/principal.ts';
import { obj, routeDoc, str } from '../http/route-doc.ts';
import { estimateCost } from './estimate-cost.ts';

const GROUPS = ['day', 'channel', 'category', 'template'] as const;
type Group = (typeof GROUPS)[number];
const MAX_RANGE_MS = 366 * 24 * 3600_000;

/**
 * GET /api/v1/costs?from&to&group_by=day,channel,category,template (admin): outbound messages,
 * billable ones, the price from Meta's pricing callbacks and the estimate made before sending.
 * Summed here rather than in SQL so days are UTC dates in both dialects.
 */
export async function costRoutes(app: FastifyInstance, opts: { deps: Deps }): Promise<void> {
  const { deps } = opts;
  app.post(
    '/api/v1/costs/estimate',
    routeDoc(
      {
        summary: 'Quote one message before sending it: category, country, price, and whether it is free',
        description:
          'Sends and stores nothing. Give `template` (id or name, optional `language`) or `type` (a free-form type such as `text`), and one of `phone` (E.164), `contact_id` or `bsuid`; ' +
          '`channel_id` defaults to the first number. Free: a free-form message or a UTILITY template inside the customer\'s 24-hour window (`customer_service_window`), or any message ' +
          'inside a 72-hour free entry point window after a Click-to-WhatsApp ad (`free_entry_point`). A free-form type outside the window is 422 window_closed (it cannot be sent). ' +
          'Prices come from the rate card (docs/costs.md). Needs conversations:write; a contact whose open conversation the caller may not see is 403.',
        tags: ['costs'],
        body: obj({
          template: str('a template id (tpl_...) or name'),
          language: str('with template: its language, like es_MX'),
          type: str('instead of template: a free-form message type (text, image, buttons...)'),
          phone: str('the recipient in E.164, like +5215512345678'),
          contact_id: str('…or a contact id'),
          bsuid: str('…or a business-scoped user ID'),
          channel_id: str('the number to send from (default: the first)'),
        }),
        responses: { 200: '{ category, template, country, calling_code, price, currency, free, free_reason, window_open_until, free_entry_point_until, contact_id }' },
      },
      { config: { access: 'conversations:write' } },
    ),
    async (req) => estimateCost(deps, principalOf(req), req.body),
  );

  app.get('/api/v1/costs', async (req) => {
    const q = (req.query ?? {}) as Record<string, unknown>;
    const now = deps.clock.now();
    const to = parseTime(q.to, 'to') ?? now;
    const from = parseTime(q.from, 'from') ?? to - 30 * 24 * 3600_000;
    if (from >= to) throw new HttpError(400, 'bad_range', 'from must be before to.');
    if (to - from > MAX_RANGE_MS) throw new HttpError(400, 'bad_range', 'The range is at most 366 days.');
    const groupBy = typeof q.group_by === 'string' && q.group_by !== '' ? q.group_by.split(',').map((g) => g.trim()) : [];
    for (const g of groupBy) if (!(GROUPS as readonly string[]).includes(g)) throw new HttpError(400, 'bad_group_by', `group_by takes ${GROUPS.join(', ')}; got "${g}".`);
    const rows = await deps.storage.db
      .selectFrom('messages')
      .select(['created_at', 'channel_id', 'pricing_category', 'template_name', 'billable', 'price', 'price_estimate', 'currency'])
      .where('direction', '=', 'out')
      .where('created_at', '>=', from)
      .where('created_at', '<', to)
      .execute();
    const groups = new Map<string, { key: Record<string, string | null>; messages: number; billable: number; price: number; price_estimate: number; currency: string | null }>();
    const total = { messages: 0, billable: 0, price: 0, price_estimate: 0 };
    let currency: string | null = null;
    for (const r of rows) {
      const key: Record<string, string | null> = {};
      for (const g of groupBy as Group[]) key[g] = g === 'day' ? new Date(Number(r.created_at)).toISOString().slice(0, 10) : g === 'channel' ? r.channel_id : g === 'category' ? r.pricing_category : r.template_name;
      const k = JSON.stringify(key);
      let acc = groups.get(k);
      if (!acc) groups.set(k, (acc = { key, messages: 0, billable: 0, price: 0, price_estimate: 0, currency: r.currency }));
      const price = Number(r.price ?? 0);
      const est = Number(r.price_estimate ?? 0);
      acc.messages += 1;
      acc.billable += r.billable === 1 || (r.billable as unknown) === true ? 1 : 0;
      acc.price += price;
      acc.price_estimate += est;
      acc.currency ??= r.currency;
      currency ??= r.currency;
      total.messages += 1;
      total.billable += r.billable === 1 || (r.billable as unknown) === true ? 1 : 0;
      total.price += price;
      total.price_estimate += est;
    }
    const round = (n: number) => Math.round(n * 1e6) / 1e6;
    return {
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
      group_by: groupBy,
      currency,
      total: { ...total, price: round(total.price), price_estimate: round(total.price_estimate) },
      groups: [...groups.values()]
        .map((g) => ({ ...g.key, messages: g.messages, billable: g.billable, price: round(g.price), price_estimate: round(g.price_estimate), currency: g.currency }))
        .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
    };
  });
}

function parseTime(v: unknown, name: string): number | undefined {
  if (v === undefined || v === '') return undefined;
  const t = typeof v === 'string' ? Date.parse(v) : NaN;
  if (!Number.isFinite(t)) throw new HttpError(400, 'bad_time', `${name} must be an ISO 8601 date or time, like 2025-07-01 or 2025-07-01T00:00:00Z.`);
  return t;
}
