import { sql } from 'kysely';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { graphRequests } from '../core/metrics.ts';
import type { Deps } from '../deps.ts';
import { Nullable, routeSchema, Timestamp } from '../http/route-schema.ts';
import { processAttentionItems, storedAttentionItems } from './attention.ts';
import { readBacklogs } from './backlogs.ts';
import { systemVersion } from './system-version.ts';

const Waiting = Type.Object({
  pending: Type.Integer({ description: 'how many wait' }),
  oldest_age_ms: Nullable(Type.Integer(), { description: 'how long the oldest has waited; null when none waits' }),
});

const GraphCalls = Type.Object({
  calls: Type.Integer({ description: 'Graph API calls this process made since it started' }),
  errors: Type.Integer({ description: 'of them, answered with an error or not answered at all' }),
  error_rate: Type.Number({ description: 'errors / calls (0 when no call was made)' }),
  by_error_code: Type.Record(Type.String(), Type.Integer(), {
    description: 'errors by WhatsApp error code ("131026"), http_<status> for errors without one, "transport" for no answer',
  }),
});

const AttentionItemSchema = Type.Object({
  key: Type.String({ description: 'stable while the condition lasts, e.g. template_paused:<template id>' }),
  kind: Type.String({
    description:
      'template_paused, template_disabled, template_quality_low, number_quality_dropped, event_webhook_failing, webhook_signature_failures, send_breaker_open',
  }),
  subject: Type.Record(Type.String(), Type.String(), { description: 'the ids it is about' }),
  message: Type.String({ description: 'what it means and what to do, for people' }),
  since: Nullable(Timestamp('when it started, where known')),
});

const EXAMPLE = {
  version: '0.1.0',
  started_at: '2026-03-02T08:00:00.000Z',
  uptime_seconds: 5400,
  role: 'all',
  database: { kind: 'postgres', size_bytes: 48_234_496 },
  numbers: [
    {
      channel_id: 'wa_106540352242922',
      phone_number_id: '106540352242922',
      display_phone_number: '15550783881',
      webhooks: { last_event_at: '2026-03-02T09:29:58.120Z', signature_failures: 0, last_signature_failure_at: null },
      quality: { event: 'FLAGGED', current_limit: 'TIER_1K', updated_at: '2026-03-02T09:10:00.000Z' },
      send_breaker: 'closed',
    },
  ],
  graph_api: { calls: 1200, errors: 3, error_rate: 0.0025, by_error_code: { '131026': 2, transport: 1 } },
  queues: {
    webhook_events: { pending: 0, oldest_age_ms: null },
    jobs: { pending: 2, oldest_age_ms: 140 },
    event_webhooks: { pending: 5, oldest_age_ms: 3_600_000 },
    flow_sessions_active: 12,
  },
  attention: [
    {
      key: 'number_quality_dropped:wa_106540352242922',
      kind: 'number_quality_dropped',
      subject: { channel_id: 'wa_106540352242922', phone_number_id: '106540352242922' },
      message:
        'WhatsApp reported FLAGGED for number 106540352242922 (messaging limit TIER_1K): its quality dropped, so its messaging limit may fall. Reduce messages customers block or report.',
      since: '2026-03-02T09:10:00.000Z',
    },
  ],
};

const Status = Type.Object(
  {
    version: Type.String(),
    started_at: Timestamp('when this process started'),
    uptime_seconds: Type.Integer(),
    role: Type.String({ description: 'SWITCHBOARD_ROLE of this process: all, web or worker' }),
    database: Type.Object({
      kind: Type.String({ description: 'sqlite or postgres' }),
      size_bytes: Nullable(Type.Integer(), { description: 'the database size on disk; null when it cannot be read' }),
    }),
    numbers: Type.Array(
      Type.Object({
        channel_id: Type.String(),
        phone_number_id: Type.String(),
        display_phone_number: Nullable(Type.String()),
        webhooks: Type.Object(
          {
            last_event_at: Nullable(Timestamp('the last signed webhook naming this number (this process)')),
            signature_failures: Type.Integer({
              description: 'deliveries naming this number that failed the signature check (this process)',
            }),
            last_signature_failure_at: Nullable(Timestamp()),
          },
          { description: 'as this process saw them since it started' },
        ),
        quality: Nullable(
          Type.Object({
            event: Type.String({ description: "the last phone_number_quality_update's event (FLAGGED, UNFLAGGED, ...)" }),
            current_limit: Nullable(Type.String()),
            updated_at: Timestamp(),
          }),
        ),
        send_breaker: Type.String({ description: "this process's circuit breaker for the number: closed, open or half_open" }),
      }),
    ),
    graph_api: GraphCalls,
    queues: Type.Object({
      webhook_events: Waiting,
      jobs: Waiting,
      event_webhooks: Waiting,
      flow_sessions_active: Type.Integer(),
    }),
    attention: Type.Array(AttentionItemSchema, { description: 'what needs looking at; empty when all is well' }),
  },
  { examples: [EXAMPLE] },
);

const startedAt = Date.now();

/** GET /api/v1/status (admin): how this Switchboard is doing and what needs attention (docs/operations.md). */
export async function statusRoutes(app: FastifyInstance, opts: { deps: Deps }): Promise<void> {
  const { deps } = opts;
  app.get(
    '/api/v1/status',
    routeSchema({
      summary:
        'How this Switchboard is doing: version, database, numbers and their webhooks, Graph API errors, queues, and what needs attention (admin)',
      description:
        "Process figures (webhooks seen, Graph API calls, send breakers) are this process's since it started; queues, number quality and most attention items come from the database and are the same on every process.",
      tags: ['operations'],
      response: { 200: Status },
    }),
    async () => {
      const now = deps.clock.now();
      const { db } = deps.storage;
      const [backlogs, size, quality, stored, graph] = await Promise.all([
        readBacklogs(deps),
        databaseSize(deps),
        db.selectFrom('number_quality').selectAll().execute(),
        storedAttentionItems(db, now),
        graphApiCalls(),
      ]);
      const qualityOf = new Map(quality.map((q) => [q.channel_id, q]));
      const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
      return {
        version: systemVersion(),
        started_at: new Date(startedAt).toISOString(),
        uptime_seconds: Math.floor(process.uptime()),
        role: deps.config.role,
        database: { kind: deps.storage.dialect.name, size_bytes: size },
        numbers: deps.channels.all().map((c) => {
          const h = deps.webhookHealth.of(c.accountId);
          const q = qualityOf.get(c.id);
          return {
            channel_id: c.id,
            phone_number_id: c.accountId,
            display_phone_number: c.displayPhoneNumber ?? null,
            webhooks: {
              last_event_at: iso(h.lastEventAt),
              signature_failures: h.signatureFailures,
              last_signature_failure_at: iso(h.lastSignatureFailureAt),
            },
            quality: q
              ? { event: q.event, current_limit: q.current_limit, updated_at: new Date(Number(q.updated_at)).toISOString() }
              : null,
            send_breaker: c.breaker.snapshot().state,
          };
        }),
        graph_api: graph,
        queues: {
          webhook_events: { pending: backlogs.webhookEvents.pending, oldest_age_ms: backlogs.webhookEvents.oldestAgeMs },
          jobs: { pending: backlogs.jobs.pending, oldest_age_ms: backlogs.jobs.oldestAgeMs },
          event_webhooks: { pending: backlogs.eventDeliveries.pending, oldest_age_ms: backlogs.eventDeliveries.oldestAgeMs },
          flow_sessions_active: backlogs.flowSessionsActive,
        },
        attention: [...stored, ...processAttentionItems(deps, now)],
      };
    },
  );
}

/** The database's size on disk: SQLite's pages, PostgreSQL's pg_database_size. Null when it cannot be read. */
async function databaseSize(deps: Deps): Promise<number | null> {
  try {
    if (deps.storage.dialect.name === 'postgres') {
      const r = await sql<{ size: string | number }>`select pg_database_size(current_database()) as size`.execute(deps.storage.db);
      return Number(r.rows[0]?.size ?? 0);
    }
    const r = await sql<{ size: number }>`select page_count * page_size as size from pragma_page_count(), pragma_page_size()`.execute(
      deps.storage.db,
    );
    return Number(r.rows[0]?.size ?? 0);
  } catch (err) {
    deps.logger.warn({ err }, 'database size unreadable');
    return null;
  }
}

/** This process's Graph API calls, read back from the Prometheus counter. */
async function graphApiCalls() {
  const metric = await graphRequests.get();
  let calls = 0;
  let errors = 0;
  const byCode: Record<string, number> = {};
  for (const v of metric.values) {
    calls += v.value;
    if (v.labels.outcome === 'ok') continue;
    errors += v.value;
    const code = v.labels.outcome === 'transport' ? 'transport' : String(v.labels.error_code ?? 'unknown');
    byCode[code] = (byCode[code] ?? 0) + v.value;
  }
  return { calls, errors, error_rate: calls === 0 ? 0 : errors / calls, by_error_code: byCode };
}
