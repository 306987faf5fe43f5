import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { principalOf } from '../auth/principal.ts';
import { HttpError } from '../core/http-error.ts';
import type { Deps } from '../deps.ts';
import { fieldError, Nullable, routeSchema, Timestamp } from '../http/route-schema.ts';
import { REPLY_TYPES } from '../conversations/reply-content.ts';
import { type CostRefusal, estimateCost } from './estimate-cost.ts';

const GROUPS = ['day', 'channel', 'category', 'template'] as const;
type Group = (typeof GROUPS)[number];
const MAX_RANGE_MS = 366 * 24 * 3600_000;
const tags = ['costs'];

/** How a refused estimate reads over HTTP: status per reason; the code is the reason but for no_channel. */
const REFUSAL_STATUS: Record<CostRefusal['reason'], number> = {
  message_required: 422,
  unsupported_type: 422,
  template_required: 422,
  invalid_language: 422,
  recipient_required: 400,
  channel_not_found: 404,
  no_channel: 409,
  contact_not_found: 404,
  invalid_bsuid: 422,
  invalid_phone: 422,
  conversation_hidden: 403,
  template_not_found: 404,
  window_closed: 422,
};

const field422 = (code: string, message: string) => fieldError(code, 422, message);
const FREE_FORM_TYPES = REPLY_TYPES.filter((t) => t !== 'reaction');

const EstimateBody = Type.Object(
  {
    template: Type.Optional(
      Type.String({
        description: 'a template id (tpl_...) or name',
        ...field422('template_required', '"template" must be a template id (tpl_...) or name.'),
      }),
    ),
    language: Type.Optional(
      Type.String({
        description: 'with template: its language, like es_MX',
        ...field422('invalid_language', '"language" (like es_MX) goes with "template".'),
      }),
    ),
    type: Type.Optional(
      Type.String({
        description: 'instead of template: a free-form message type (text, image, buttons...)',
        ...field422('unsupported_type', `"type" must be a free-form message type: ${FREE_FORM_TYPES.join(', ')}.`),
      }),
    ),
    phone: Type.Optional(
      Type.String({
        description: 'the recipient in E.164, like +5215512345678',
        ...field422('invalid_phone', 'phone must be in E.164 form with the country code, like +5215512345678.'),
      }),
    ),
    contact_id: Type.Optional(
      Type.String({ description: '…or a contact id', ...field422('invalid_contact_id', '"contact_id" must be a contact id.') }),
    ),
    bsuid: Type.Optional(
      Type.String({
        description: '…or a business-scoped user ID',
        ...field422(
          'invalid_bsuid',
          '"bsuid" must be a WhatsApp business-scoped user ID as webhooks give it: a two-letter country code, ".", then up to 128 letters and digits, like US.13491208655302741918.',
        ),
      }),
    ),
    channel_id: Type.Optional(
      Type.String({
        description: 'the number to send from (default: the first)',
        ...field422('invalid_channel_id', '"channel_id" must be a channel id.'),
      }),
    ),
  },
  {
    additionalProperties: false,
    examples: [
      { template: 'order_update', phone: '+5215512345678' },
      { type: 'text', contact_id: 'con_01J9Z' },
    ],
  },
);

const Estimate = Type.Object(
  {
    category: Type.Union([Type.Literal('marketing'), Type.Literal('utility'), Type.Literal('authentication'), Type.Literal('service')], {
      description: "Meta's pricing category; service for a free-form message",
    }),
    template: Nullable(
      Type.Object({ id: Type.String(), name: Type.String(), language: Type.String(), category: Type.String(), status: Type.String() }),
    ),
    country: Nullable(Type.String({ description: 'ISO 3166 country of the recipient, e.g. MX' })),
    calling_code: Nullable(Type.String({ description: 'e.g. 52' })),
    price: Type.Number({ description: 'from the rate card (docs/costs.md); 0 when free' }),
    currency: Type.String(),
    free: Type.Boolean(),
    free_reason: Nullable(Type.Union([Type.Literal('customer_service_window'), Type.Literal('free_entry_point')])),
    window_open_until: Nullable(Timestamp("when the customer's 24-hour window closes, while open")),
    free_entry_point_until: Nullable(Timestamp('when a free entry point window (after a Click-to-WhatsApp ad) ends, while open')),
    contact_id: Nullable(Type.String({ description: 'null for a number never seen' })),
  },
  {
    examples: [
      {
        category: 'utility',
        template: { id: 'tpl_01J9Z', name: 'order_update', language: 'es_MX', category: 'UTILITY', status: 'APPROVED' },
        country: 'MX',
        calling_code: '52',
        price: 0,
        currency: 'USD',
        free: true,
        free_reason: 'customer_service_window',
        window_open_until: '2026-05-02T10:00:00.000Z',
        free_entry_point_until: null,
        contact_id: 'con_01J9Z',
      },
    ],
  },
);

const Totals = {
  messages: Type.Integer(),
  billable: Type.Integer({ description: 'messages Meta charges for' }),
  price: Type.Number({ description: "Meta's price (pricing callbacks)" }),
  price_estimate: Type.Number({ description: 'the estimate made before sending' }),
};
const Costs = Type.Object(
  {
    from: Timestamp(),
    to: Timestamp(),
    group_by: Type.Array(Type.String()),
    currency: Nullable(Type.String()),
    total: Type.Object(Totals),
    groups: Type.Array(
      Type.Object({
        day: Type.Optional(Nullable(Type.String({ description: 'UTC date, YYYY-MM-DD' }))),
        channel: Type.Optional(Nullable(Type.String())),
        category: Type.Optional(Nullable(Type.String({ description: 'pricing category' }))),
        template: Type.Optional(Nullable(Type.String({ description: 'template name' }))),
        ...Totals,
        currency: Nullable(Type.String()),
      }),
      { description: 'one per combination of the group_by keys' },
    ),
  },
  {
    examples: [
      {
        from: '2026-04-01T00:00:00.000Z',
        to: '2026-05-01T00:00:00.000Z',
        group_by: ['category'],
        currency: 'USD',
        total: { messages: 120, billable: 80, price: 1.9, price_estimate: 2.05 },
        groups: [{ category: 'marketing', messages: 60, billable: 60, price: 1.83, price_estimate: 1.95, currency: 'USD' }],
      },
    ],
  },
);

/**
 * GET /api/v1/costs?from&to&group_by=day,channel,category,template (admin): outbound messages,
 * billable ones, the price from Meta's pricing callbacks and the estimate made before sending.
 * Summed here rather than in SQL so days are UTC dates in both dialects.
 */
export async function costRoutes(fastify: FastifyInstance, opts: { deps: Deps }): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { deps } = opts;
  app.post(
    '/api/v1/costs/estimate',
    routeSchema(
      {
        summary: 'Quote one message before sending it: category, country, price, and whether it is free',
        description:
          'Sends and stores nothing. Give `template` (id or name, optional `language`) or `type` (a free-form type such as `text`), and one of `phone` (E.164), `contact_id` or `bsuid`; ' +
          "`channel_id` defaults to the first number. Free: a free-form message or a UTILITY template inside the customer's 24-hour window (`customer_service_window`), or any message " +
          'inside a 72-hour free entry point window after a Click-to-WhatsApp ad (`free_entry_point`). A free-form type outside the window is 422 window_closed (it cannot be sent). ' +
          'Prices come from the rate card (docs/costs.md). Needs conversations:write; a contact whose open conversation the caller may not see is 403.',
        tags,
        body: EstimateBody,
        response: { 200: Estimate },
      },
      { config: { access: 'conversations:write' } },
    ),
    async (req) => {
      const res = await estimateCost(deps, principalOf(req), req.body);
      if (!res.ok) throw new HttpError(REFUSAL_STATUS[res.reason], res.reason, res.message, res.details);
      return res.estimate;
    },
  );

  app.get(
    '/api/v1/costs',
    routeSchema({
      summary: 'What was sent and what it cost, over a range, grouped by day, channel, category or template (admin)',
      description:
        "Outbound messages, the billable ones, the price from Meta's pricing callbacks and the estimate made before sending. Days are UTC dates.",
      tags,
      querystring: Type.Object({
        from: Type.Optional(Type.String({ description: 'ISO 8601 date or time (default: 30 days before to)' })),
        to: Type.Optional(Type.String({ description: 'ISO 8601 date or time, exclusive (default: now); at most 366 days after from' })),
        group_by: Type.Optional(Type.String({ description: `comma-separated: ${GROUPS.join(', ')}` })),
      }),
      response: { 200: Costs },
    }),
    async (req) => {
      const q = req.query;
      const now = deps.clock.now();
      const to = parseTime(q.to, 'to') ?? now;
      const from = parseTime(q.from, 'from') ?? to - 30 * 24 * 3600_000;
      if (from >= to) throw new HttpError(400, 'bad_range', 'from must be before to.');
      if (to - from > MAX_RANGE_MS) throw new HttpError(400, 'bad_range', 'The range is at most 366 days.');
      const groupBy = q.group_by !== undefined && q.group_by !== '' ? q.group_by.split(',').map((g) => g.trim()) : [];
      for (const g of groupBy)
        if (!(GROUPS as readonly string[]).includes(g))
          throw new HttpError(400, 'bad_group_by', `group_by takes ${GROUPS.join(', ')}; got "${g}".`);
      const rows = await deps.storage.db
        .selectFrom('messages')
        .select(['created_at', 'channel_id', 'pricing_category', 'template_name', 'billable', 'price', 'price_estimate', 'currency'])
        .where('direction', '=', 'out')
        .where('created_at', '>=', from)
        .where('created_at', '<', to)
        .execute();
      const groups = new Map<
        string,
        {
          key: Record<string, string | null>;
          messages: number;
          billable: number;
          price: number;
          price_estimate: number;
          currency: string | null;
        }
      >();
      const total = { messages: 0, billable: 0, price: 0, price_estimate: 0 };
      let currency: string | null = null;
      for (const r of rows) {
        const key: Record<string, string | null> = {};
        for (const g of groupBy as Group[])
          key[g] =
            g === 'day'
              ? new Date(Number(r.created_at)).toISOString().slice(0, 10)
              : g === 'channel'
                ? r.channel_id
                : g === 'category'
                  ? r.pricing_category
                  : r.template_name;
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
          .map((g) => ({
            ...g.key,
            messages: g.messages,
            billable: g.billable,
            price: round(g.price),
            price_estimate: round(g.price_estimate),
            currency: g.currency,
          }))
          .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
      };
    },
  );
}

function parseTime(v: string | undefined, name: string): number | undefined {
  if (v === undefined || v === '') return undefined;
  const t = Date.parse(v);
  if (!Number.isFinite(t))
    throw new HttpError(400, 'bad_time', `${name} must be an ISO 8601 date or time, like 2025-07-01 or 2025-07-01T00:00:00Z.`);
  return t;
}
