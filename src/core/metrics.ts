import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The process's Prometheus metrics (GET /metrics, docs/operations.md). One registry per process:
 * with several processes on one PostgreSQL database each exposes its own, and Prometheus sums
 * them. Recording is a counter increment or a histogram observation (about a microsecond); the
 * gauges that need the database are set when /metrics is scraped (src/http/metrics-routes.ts),
 * never on the message path.
 */
export const metricsRegistry = new Registry();

// Process CPU, memory, handles, GC and event-loop lag (nodejs_eventloop_lag_seconds, ..._p99).
collectDefaultMetrics({ register: metricsRegistry, eventLoopMonitoringPrecision: 20 });

const registers = [metricsRegistry];
// Background jobs are labelled `task`, not `job`: Prometheus gives every scraped series a `job` label of its own.
// Latency buckets: from a cached answer (1 ms) to a Graph call that times out (10 s and over).
const SECONDS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export const httpRequests = new Counter({
  name: 'switchboard_http_requests_total',
  help: 'HTTP requests answered, by method, route template (not the raw path: bounded labels) and status',
  labelNames: ['method', 'route', 'status'] as const,
  registers,
});

export const httpRequestDuration = new Histogram({
  name: 'switchboard_http_request_duration_seconds',
  help: 'HTTP request latency, by method and route template',
  labelNames: ['method', 'route'] as const,
  buckets: SECONDS,
  registers,
});

export const webhookEvents = new Counter({
  name: 'switchboard_webhook_events_total',
  help: "Meta's webhook deliveries: accepted (stored for processing) or rejected, by reason",
  labelNames: ['outcome', 'reason'] as const,
  registers,
});

export const jobRuns = new Counter({
  name: 'switchboard_jobs_total',
  help: 'Background job attempts finished, by job name and outcome (completed, failed: retried or given up)',
  labelNames: ['task', 'outcome'] as const,
  registers,
});

export const jobDuration = new Histogram({
  name: 'switchboard_job_duration_seconds',
  help: 'How long one attempt of a background job ran, by job name',
  labelNames: ['task'] as const,
  buckets: SECONDS,
  registers,
});

export const jobsRunning = new Gauge({
  name: 'switchboard_jobs_running',
  help: 'Background jobs running in this process now, by job name',
  labelNames: ['task'] as const,
  registers,
});

export const graphRequests = new Counter({
  name: 'switchboard_graph_requests_total',
  help: 'Graph API calls, by HTTP method, outcome (ok, error: a Graph error answer, transport: no answer) and WhatsApp error code',
  labelNames: ['method', 'outcome', 'error_code'] as const,
  registers,
});

export const graphRequestDuration = new Histogram({
  name: 'switchboard_graph_request_duration_seconds',
  help: 'Graph API call latency, by HTTP method and outcome',
  labelNames: ['method', 'outcome'] as const,
  buckets: SECONDS,
  registers,
});

export const messages = new Counter({
  name: 'switchboard_messages_total',
  help: 'Messages by direction (inbound, outbound) and status (received; accepted by WhatsApp, failed; and the delivered, read, failed statuses WhatsApp reports)',
  labelNames: ['direction', 'status'] as const,
  registers,
});

export const sseConnections = new Gauge({
  name: 'switchboard_sse_connections',
  help: 'Inbox event streams (server-sent events) open on this process',
  registers,
});

export const eventDeliveries = new Counter({
  name: 'switchboard_event_webhook_deliveries_total',
  help: 'Event webhook delivery attempts, by outcome (delivered, failed: will retry, gave_up)',
  labelNames: ['outcome'] as const,
  registers,
});

/** Set at scrape time from the database (metrics-routes.ts): what waits, how old, how many. */
export const scrapeGauges = {
  webhookPending: new Gauge({
    name: 'switchboard_webhook_events_pending',
    help: 'Webhook events stored and not processed yet',
    registers,
  }),
  webhookOldestAge: new Gauge({
    name: 'switchboard_webhook_events_oldest_pending_age_seconds',
    help: 'Age of the oldest unprocessed webhook event (0 when none waits)',
    registers,
  }),
  jobsPending: new Gauge({
    name: 'switchboard_jobs_pending',
    help: 'Background jobs waiting to run (all processes on this database)',
    registers,
  }),
  jobsByTask: new Gauge({
    name: 'switchboard_jobs_waiting',
    help: 'Background jobs not done yet, by job name and state (ready: due, waiting for a worker; scheduled: due later)',
    labelNames: ['task', 'state'] as const,
    registers,
  }),
  jobsOldestAge: new Gauge({
    name: 'switchboard_jobs_oldest_pending_age_seconds',
    help: 'Age of the oldest job waiting to run (0 when none waits)',
    registers,
  }),
  eventBacklog: new Gauge({
    name: 'switchboard_event_webhook_backlog',
    help: 'Event webhook deliveries not delivered yet (waiting or retrying)',
    registers,
  }),
  flowSessions: new Gauge({
    name: 'switchboard_flow_sessions_active',
    help: 'Flow sessions running or waiting for the customer',
    registers,
  }),
  dbPool: new Gauge({
    name: 'switchboard_db_pool_connections',
    help: 'PostgreSQL connection pool of this process, by state (total, idle, waiting: callers waiting for a connection); absent on SQLite',
    labelNames: ['state'] as const,
    registers,
  }),
  breakerOpen: new Gauge({
    name: 'switchboard_send_breaker_open',
    help: "1 while this process's circuit breaker for a number holds its sends, else 0",
    labelNames: ['phone_number_id'] as const,
    registers,
  }),
};
