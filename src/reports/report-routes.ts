import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { stringify } from 'csv-stringify/sync';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type TSchema, Type } from 'typebox';
import { HttpError } from '../core/http-error.ts';
import { PeriodicTask } from '../core/periodic-task.ts';
import { rateCardFor } from '../costs/rate-card.ts';
import type { Deps } from '../deps.ts';
import { fieldError, Nullable, routeSchema } from '../http/route-schema.ts';
import { configuredBusinessHours } from './business-time.ts';
import { foldReportEvents } from './fold-report-events.ts';
import { isValidTimeZone } from './local-time.ts';
import { hourRange, INTERVALS, isoWithOffset, type Interval, type ReportRange } from './report-periods.ts';
import {
  agentsReport,
  botReport,
  broadcastsReport,
  conversationsReport,
  costsReport,
  COST_GROUPS,
  MESSAGE_GROUPS,
  messagesReport,
  type ReportRow,
  responseTimesReport,
  TEMPLATE_GROUPS,
  templatesReport,
  TIME_GROUPS,
  TIME_METRICS,
} from './report-queries.ts';

const tags = ['reports'];
const DAY = 24 * 3_600_000;
const MAX_RANGE_MS = 366 * DAY;
const FOLD_EVERY_MS = 5_000;

const Str = (description: string) => Type.String({ description });
const Int = (description?: string) => Type.Integer(description ? { description } : {});
const Id = (description: string) => Type.Optional(Nullable(Type.String({ description })));
const Period = Type.Optional(
  Type.String({ description: 'the local start of the hour, day or week, with its UTC offset (absent when interval=none)' }),
);

const CommonQuery = {
  from: Type.Optional(Str('ISO 8601 date or time, rounded down to the hour (default: 7 days before to)')),
  to: Type.Optional(Str('ISO 8601 date or time, exclusive, rounded up to the hour (default: now); at most 366 days after from')),
  tz: Type.Optional(
    Str('IANA time zone for the periods and for dates without an offset in from/to (default UTC), like America/Mexico_City'),
  ),
  interval: Type.Optional(
    Type.Union(
      INTERVALS.map((i) => Type.Literal(i)),
      {
        description: 'hour, day, week (Monday) or none (default day)',
        ...fieldError('invalid_interval', 400, `interval is ${INTERVALS.join(', ')}.`),
      },
    ),
  ),
  format: Type.Optional(
    Type.Union([Type.Literal('json'), Type.Literal('csv')], {
      description: 'json (default) or csv (also with Accept: text/csv)',
      ...fieldError('invalid_format', 400, 'format is json or csv.'),
    }),
  ),
  channel_id: Type.Optional(Str('only this number')),
  channel: Type.Optional(
    Type.Union([Type.Literal('whatsapp'), Type.Literal('telegram')], {
      description: 'only WhatsApp numbers or only Telegram bots (with channel_id: that one, if of this kind)',
      ...fieldError('invalid_channel', 400, 'channel is whatsapp or telegram.'),
    }),
  ),
};

function report<R extends TSchema>(row: R, example: Record<string, unknown>) {
  const jsonExample = {
    from: '2026-05-01T00:00:00-06:00',
    to: '2026-05-08T00:00:00-06:00',
    time_zone: 'America/Mexico_City',
    interval: 'day',
    rows: [example],
  };
  const body = Type.Object({
    from: Str('the range start (an hour start), ISO 8601 in the zone'),
    to: Str('the range end, exclusive'),
    time_zone: Str('the zone of the periods'),
    interval: Str('hour, day, week or none'),
    rows: Type.Array(row),
  });
  return Type.Union(
    [body, Type.String({ description: 'format=csv or Accept: text/csv: the rows, one line each, the same columns as the JSON rows' })],
    {
      examples: [jsonExample, `${Object.keys(example).join(',')}\n${Object.values(example).join(',')}\n`],
    },
  );
}

const ConversationRow = Type.Object({
  period: Period,
  channel_id: Id('the number (group_by=channel)'),
  opened: Int(),
  reopened: Int(),
  resolved: Int(),
  archived: Int(),
  closed: Int(),
});
const MessageRow = Type.Object({
  period: Period,
  sender: Id('customer, bot, ai, agent, api, broadcast, template, other'),
  kind: Id('text, image, template, interactive...'),
  channel_id: Id('the number'),
  messages_in: Int(),
  messages_out: Int(),
});
const TimeRow = Type.Object({
  period: Period,
  metric: Str('first_response, next_response or resolution'),
  agent_id: Id('the agent (api: an integration); null: nobody held it'),
  team_id: Id('the team; null: none'),
  channel_id: Id('the number'),
  count: Int(),
  median_ms: Nullable(Int('nearest-rank median, within 2.5%')),
  p90_ms: Nullable(Int('nearest-rank 90th percentile, within 2.5%')),
  avg_ms: Int('exact mean'),
});
const TemplateRow = Type.Object({
  period: Period,
  template: Id('template name'),
  language: Id('template language'),
  channel_id: Id('the number'),
  sent: Int(),
  delivered: Int(),
  read: Int(),
  replied: Int('a customer message within 24 hours, before any other template'),
  failed: Int(),
});
const BroadcastRow = Type.Object({
  period: Period,
  broadcast_id: Str('bc_...'),
  name: Nullable(Type.String()),
  template: Nullable(Type.String()),
  language: Nullable(Type.String()),
  sent: Int(),
  delivered: Int(),
  read: Int(),
  replied: Int(),
  failed: Int(),
});
const CostRow = Type.Object({
  period: Period,
  category: Id('pricing category from the status callback; null: not priced yet'),
  channel_id: Id('the number'),
  template: Id('template name; null: free-form'),
  country: Id('ISO 3166 country of the recipient'),
  messages: Int(),
  billable: Int(),
  price: Type.Number(),
  price_estimate: Type.Number(),
  currency: Type.String(),
});
const BotRow = Type.Object({
  period: Period,
  resolved_without_human: Int(),
  resolved_with_human: Int(),
  containment_rate: Nullable(Type.Number({ description: 'resolved_without_human / resolved; null when none resolved' })),
  handoffs: Int(),
  handoff_assigned: Int(),
  handoff_handoff: Int(),
  handoff_agent_message: Int(),
  handoff_manual: Int(),
  handoff_other: Int(),
});
const AgentRow = Type.Object({
  agent_id: Str('user id, or api'),
  name: Type.String(),
  assigned: Int('conversations assigned to the agent (handled)'),
  resolved: Int(),
  handed_off: Int('conversations reassigned away from the agent'),
  messages_sent: Int(),
  online_ms: Int(),
  away_ms: Int(),
  availability: Nullable(Type.String({ description: 'now' })),
  open_conversations: Int('now'),
  capacity: Nullable(Type.Integer({ description: 'now; null: no limit' })),
});

const groupList = <G extends string>(name: string, allowed: readonly G[]) =>
  Type.Optional(
    Type.String({
      pattern: `^((${allowed.join('|')})(,(${allowed.join('|')}))*)?$`,
      description: `comma-separated: ${allowed.join(', ')}`,
      ...fieldError('invalid_group_by', 400, `${name} takes ${allowed.join(', ')}, comma-separated.`),
    }),
  );
const split = <G extends string>(v: string | undefined) => (v ? ([...new Set(v.split(','))] as G[]) : []);
const businessHoursFlag = Type.Optional(
  Type.Union([Type.Literal('true'), Type.Literal('false')], {
    description: 'true: count only time within business hours (BUSINESS_HOURS, BUSINESS_TIMEZONE, as the flows)',
    ...fieldError('invalid_business_hours', 400, 'business_hours is true or false.'),
  }),
);

/**
 * GET /api/v1/reports/... (admin): totals from the hourly rollups (docs/reports.md), as JSON rows
 * for charts or the same rows as CSV. Each request first folds the pending events, so a report
 * includes everything committed before it.
 */
export async function reportRoutes(fastify: FastifyInstance, opts: { deps: Deps }): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { deps } = opts;
  const db = deps.storage.db;
  const hours = configuredBusinessHours(deps.config);
  // The fold also runs every few seconds, so the event backlog stays short when nobody reads reports.
  const folder = new PeriodicTask(
    () => foldReportEvents(deps.storage, hours),
    FOLD_EVERY_MS,
    (err) => deps.logger.error({ err }, 'report fold failed'),
  );
  fastify.addHook('onReady', async () => folder.start());
  fastify.addHook('onClose', async () => folder.stop());

  async function prepare(q: { from?: string; to?: string; tz?: string; interval?: Interval }): Promise<ReportRange> {
    const timeZone = q.tz ?? 'UTC';
    if (!isValidTimeZone(timeZone))
      throw new HttpError(400, 'invalid_time_zone', `tz must be an IANA time zone like America/Mexico_City; got "${timeZone}".`);
    const now = deps.clock.now();
    const rawTo = parseTime(q.to, 'to', timeZone) ?? now;
    const rawFrom = parseTime(q.from, 'from', timeZone) ?? rawTo - 7 * DAY;
    if (rawFrom >= rawTo) throw new HttpError(400, 'bad_range', 'from must be before to.');
    if (rawTo - rawFrom > MAX_RANGE_MS) throw new HttpError(400, 'bad_range', 'The range is at most 366 days.');
    await foldReportEvents(deps.storage, hours);
    return { ...hourRange(rawFrom, rawTo), timeZone, interval: q.interval ?? 'day' };
  }

  /** The JSON body, or the CSV sent (typed `never`: the route's declared union covers both). */
  function answer(req: FastifyRequest, reply: FastifyReply, range: ReportRange, rows: ReportRow[], name: string): never {
    const q = req.query as { format?: string };
    const csv = q.format === 'csv' || (q.format === undefined && /\btext\/csv\b/.test(req.headers.accept ?? ''));
    if (!csv)
      return {
        from: isoWithOffset(range.from, range.timeZone),
        to: isoWithOffset(range.to, range.timeZone),
        time_zone: range.timeZone,
        interval: range.interval,
        rows,
      } as never;
    const columns = rows.length > 0 ? Object.keys(rows[0] as object) : [];
    return reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="${name}.csv"`)
      .send(stringify(rows, { header: true, columns, cast: { number: (n) => String(n) } })) as never;
  }

  const csvNote = ' JSON `rows` for charts; `?format=csv` or `Accept: text/csv` gives the same rows and columns as CSV.';

  app.get(
    '/api/v1/reports/conversations',
    routeSchema({
      summary: 'Conversations opened, reopened, resolved (archived or closed) per hour, day or week (admin)',
      description: `Counted when it happened, in the chosen zone's periods (docs/reports.md).${csvNote}`,
      tags,
      querystring: Type.Object({ ...CommonQuery, group_by: groupList('group_by', ['channel'] as const) }),
      response: {
        200: report(ConversationRow, {
          period: '2026-05-01T00:00:00-06:00',
          opened: 42,
          reopened: 3,
          resolved: 38,
          archived: 30,
          closed: 8,
        }),
      },
    }),
    async (req, reply) => {
      const range = await prepare(req.query);
      const rows = await conversationsReport(db, range, {
        channelId: req.query.channel_id,
        channelKind: req.query.channel,
        byChannel: req.query.group_by === 'channel',
      });
      return answer(req, reply, range, rows, 'conversations');
    },
  );

  app.get(
    '/api/v1/reports/messages',
    routeSchema({
      summary: 'Messages in and out per period, by sender (customer, bot, ai, agent, api, broadcast, template), type and number (admin)',
      description: `An inbound message counts at the customer's send time, an outbound one when it was created.${csvNote}`,
      tags,
      querystring: Type.Object({ ...CommonQuery, group_by: groupList('group_by', MESSAGE_GROUPS) }),
      response: { 200: report(MessageRow, { period: '2026-05-01T00:00:00-06:00', sender: 'agent', messages_in: 0, messages_out: 120 }) },
    }),
    async (req, reply) => {
      const range = await prepare(req.query);
      const rows = await messagesReport(db, range, {
        channelId: req.query.channel_id,
        channelKind: req.query.channel,
        groupBy: split(req.query.group_by),
      });
      return answer(req, reply, range, rows, 'messages');
    },
  );

  app.get(
    '/api/v1/reports/response-times',
    routeSchema({
      summary: 'First-response, next-response and resolution times: median, p90 and average, per agent, team, number or overall (admin)',
      description: `Each time counts in the period when it ended (the reply, the resolution). business_hours=true counts only the time within business hours. Definitions: docs/reports.md.${csvNote}`,
      tags,
      querystring: Type.Object({
        ...CommonQuery,
        metric: Type.Optional(
          Type.Union(
            TIME_METRICS.map((m) => Type.Literal(m)),
            {
              description: 'one metric (default: all three)',
              ...fieldError('invalid_metric', 400, `metric is ${TIME_METRICS.join(', ')}.`),
            },
          ),
        ),
        group_by: Type.Optional(
          Type.Union(
            TIME_GROUPS.map((g) => Type.Literal(g)),
            {
              description: 'agent, team, channel or none (default none)',
              ...fieldError('invalid_group_by', 400, `group_by is one of ${TIME_GROUPS.join(', ')}.`),
            },
          ),
        ),
        business_hours: businessHoursFlag,
        team_id: Type.Optional(Str('only this team')),
        agent_id: Type.Optional(Str('only this agent (api: integrations)')),
      }),
      response: {
        200: report(TimeRow, {
          period: '2026-05-01T00:00:00-06:00',
          metric: 'first_response',
          agent_id: 'usr_01J9Z',
          count: 17,
          median_ms: 241000,
          p90_ms: 1320000,
          avg_ms: 402118,
        }),
      },
    }),
    async (req, reply) => {
      const q = req.query;
      const range = await prepare(q);
      const rows = await responseTimesReport(db, range, {
        ...(q.metric ? { metric: q.metric } : {}),
        groupBy: q.group_by ?? 'none',
        businessHours: q.business_hours === 'true',
        ...(q.channel_id ? { channelId: q.channel_id } : {}),
        ...(q.channel ? { channelKind: q.channel } : {}),
        ...(q.team_id ? { teamId: q.team_id } : {}),
        ...(q.agent_id ? { agentId: q.agent_id } : {}),
      });
      return answer(req, reply, range, rows, 'response-times');
    },
  );

  app.get(
    '/api/v1/reports/agents',
    routeSchema({
      summary:
        'Agent activity over the range: conversations handled and resolved, messages sent, online and away time; current load against capacity (admin)',
      description: `One row per agent (and one for api when integrations replied); interval does not apply.${csvNote}`,
      tags,
      querystring: Type.Object({ ...CommonQuery, agent_id: Type.Optional(Str('only this agent')) }),
      response: {
        200: report(AgentRow, {
          agent_id: 'usr_01J9Z',
          name: 'Ana',
          assigned: 31,
          resolved: 27,
          handed_off: 2,
          messages_sent: 402,
          online_ms: 100800000,
          away_ms: 3600000,
          availability: 'online',
          open_conversations: 4,
          capacity: 8,
        }),
      },
    }),
    async (req, reply) => {
      const range = await prepare(req.query);
      const rows = await agentsReport(
        db,
        { ...range, interval: 'none' },
        { ...(req.query.agent_id ? { agentId: req.query.agent_id } : {}), now: deps.clock.now() },
      );
      return answer(req, reply, { ...range, interval: 'none' }, rows, 'agents');
    },
  );

  app.get(
    '/api/v1/reports/bot',
    routeSchema({
      summary: 'Bot containment: conversations resolved without a human, hand-offs by reason (admin)',
      description: `Per-flow completion is GET /api/v1/flows/{id}/analytics.${csvNote}`,
      tags,
      querystring: Type.Object(CommonQuery),
      response: {
        200: report(BotRow, {
          period: '2026-05-01T00:00:00-06:00',
          resolved_without_human: 61,
          resolved_with_human: 39,
          containment_rate: 0.61,
          handoffs: 40,
          handoff_assigned: 12,
          handoff_handoff: 25,
          handoff_agent_message: 3,
          handoff_manual: 0,
          handoff_other: 0,
        }),
      },
    }),
    async (req, reply) => {
      const range = await prepare(req.query);
      return answer(
        req,
        reply,
        range,
        await botReport(db, range, {
          ...(req.query.channel_id ? { channelId: req.query.channel_id } : {}),
          ...(req.query.channel ? { channelKind: req.query.channel } : {}),
        }),
        'bot',
      );
    },
  );

  app.get(
    '/api/v1/reports/templates',
    routeSchema({
      summary: 'Template funnel: sent, delivered, read, replied, failed, by template, language and number (admin)',
      description: `A template message counts in the period it was sent, with everything that later happened to it.${csvNote}`,
      tags,
      querystring: Type.Object({
        ...CommonQuery,
        group_by: groupList('group_by', TEMPLATE_GROUPS),
        template: Type.Optional(Str('only this template name')),
      }),
      response: {
        200: report(TemplateRow, {
          period: '2026-05-01T00:00:00-06:00',
          template: 'order_update',
          language: 'es_MX',
          sent: 500,
          delivered: 480,
          read: 350,
          replied: 40,
          failed: 20,
        }),
      },
    }),
    async (req, reply) => {
      const range = await prepare(req.query);
      const groupBy =
        req.query.group_by === undefined
          ? (['template', 'language'] as const)
          : split<(typeof TEMPLATE_GROUPS)[number]>(req.query.group_by);
      const rows = await templatesReport(db, range, {
        groupBy: [...groupBy],
        ...(req.query.channel_id ? { channelId: req.query.channel_id } : {}),
        ...(req.query.channel ? { channelKind: req.query.channel } : {}),
        ...(req.query.template ? { template: req.query.template } : {}),
      });
      return answer(req, reply, range, rows, 'templates');
    },
  );

  app.get(
    '/api/v1/reports/broadcasts',
    routeSchema({
      summary: 'Broadcast funnels: the template funnel per broadcast (admin)',
      description: `Same counts as the template report, for the messages each broadcast sent.${csvNote}`,
      tags,
      querystring: Type.Object({ ...CommonQuery, broadcast_id: Type.Optional(Str('only this broadcast')) }),
      response: {
        200: report(BroadcastRow, {
          broadcast_id: 'bc_01J9Z',
          name: 'May promo',
          template: 'may_promo',
          language: 'en_US',
          sent: 10000,
          delivered: 9700,
          read: 7100,
          replied: 350,
          failed: 300,
        }),
      },
    }),
    async (req, reply) => {
      const range = await prepare(req.query);
      return answer(
        req,
        reply,
        range,
        await broadcastsReport(db, range, { ...(req.query.broadcast_id ? { broadcastId: req.query.broadcast_id } : {}) }),
        'broadcasts',
      );
    },
  );

  app.get(
    '/api/v1/reports/costs',
    routeSchema({
      summary: 'What outbound messages cost, by pricing category, number, template and country, over time (admin)',
      description: `From the cost ledger (docs/costs.md): Meta's category and billable flag from the status callbacks, priced by the rate card, and the estimate made before sending. A message counts in the period it was sent.${csvNote}`,
      tags,
      querystring: Type.Object({ ...CommonQuery, group_by: groupList('group_by', COST_GROUPS) }),
      response: {
        200: report(CostRow, {
          period: '2026-05-01T00:00:00-06:00',
          category: 'marketing',
          country: 'MX',
          messages: 600,
          billable: 590,
          price: 25.96,
          price_estimate: 26.4,
          currency: 'USD',
        }),
      },
    }),
    async (req, reply) => {
      const range = await prepare(req.query);
      const rows = await costsReport(db, range, {
        groupBy: split(req.query.group_by),
        currency: rateCardFor(deps.config).currency,
        ...(req.query.channel_id ? { channelId: req.query.channel_id } : {}),
        ...(req.query.channel ? { channelKind: req.query.channel } : {}),
      });
      return answer(req, reply, range, rows, 'costs');
    },
  );
}

/** ISO 8601; a date or time without an offset is read in the report's zone. */
function parseTime(v: string | undefined, name: string, timeZone: string): number | undefined {
  if (v === undefined || v === '') return undefined;
  const bad = () => new HttpError(400, 'bad_time', `${name} must be an ISO 8601 date or time, like 2026-05-01 or 2026-05-01T00:00:00Z.`);
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?$/.exec(v);
  if (m) {
    const [y, mo, d, h, mi, s] = m.slice(1).map((x) => Number(x ?? 0)) as [number, number, number, number, number, number];
    const wall = Date.UTC(y, mo - 1, d, h, mi, s);
    if (!Number.isFinite(wall)) throw bad();
    // The zone's offset at that wall time, settled twice for DST.
    let t = wall;
    for (let i = 0; i < 2; i++) {
      const p = new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
      }).formatToParts(new Date(t));
      const g = (k: string) => Number(p.find((x) => x.type === k)?.value);
      t += wall - Date.UTC(g('year'), g('month') - 1, g('day'), g('hour') % 24, g('minute'), g('second'));
    }
    return t;
  }
  const t = Date.parse(v);
  if (!Number.isFinite(t) || !/^\d{4}-\d{2}-\d{2}T/.test(v)) throw bad();
  return t;
}
