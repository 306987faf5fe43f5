/**
 * What Switchboard is configured with: the Config type, the setting types it is made of and their
 * defaults. Everything may read these; src/load-config.ts parses them from the environment and the
 * config file (it sits with the edges, because validating some settings takes the features' parsers).
 */

export const DEFAULT_GRAPH_URL = 'https://graph.facebook.com';
export const DEFAULT_API_VERSION = 'v21.0';

export interface WhatsAppNumberConfig {
  phoneNumberId: string;
  businessAccountId?: string;
  displayPhoneNumber?: string;
  accessToken: string;
  appSecret: string;
  verifyToken: string;
  graphUrl: string;
  apiVersion: string;
  /** Outbound messages per second for this number (Meta's default tier is 80). */
  throughputPerSecond: number;
  /** Escape words for every flow session on this number (docs/flows.md#escape-words). */
  escapeKeywords?: EscapeRule[];
}

/** One Telegram bot (docs/telegram.md): TELEGRAM_* settings, or an entry of the config file's `telegramBots`. */
export interface TelegramBotConfig {
  botToken: string;
  /** Sent by Telegram in X-Telegram-Bot-Api-Secret-Token on every webhook request. */
  webhookSecret: string;
  /** Bot API origin: https://api.telegram.org, or the simulator's. */
  apiUrl: string;
  /** webhook: setWebhook at start to <webhookBaseUrl>/webhooks/telegram/<bot id>; polling: getUpdates. */
  mode: 'webhook' | 'polling';
  /** Switchboard's public origin as Telegram reaches it (webhook mode). */
  webhookBaseUrl?: string;
  throughputPerSecond: number;
}

export interface TelegramConfig {
  bots: TelegramBotConfig[];
  /** Run the local Telegram Bot API simulator beside the WhatsApp one (`npm start` with no bot configured). */
  simulator: { enabled: boolean; port: number };
}

export const DEFAULT_TELEGRAM_API_URL = 'https://api.telegram.org';

export interface Config {
  /** Telegram bots (absent: none). */
  telegram?: TelegramConfig;
  port: number;
  host: string;
  dataDir: string;
  databaseUrl?: string;
  adminToken?: string;
  logLevel: string;
  /** Configured numbers; empty means "start the built-in simulator and use its number". */
  numbers: WhatsAppNumberConfig[];
  /** testToken: what the built-in simulator's /_sim test API requires (SIMULATOR_TEST_TOKEN; generated per start when unset). */
  simulator: { enabled: boolean; port: number; testToken?: string };
  webhookBodyLimitBytes: number;
  workerConcurrency: number;
  throughputPerSecond: number;
  demoBot: boolean;
  /** all: HTTP + processing; web: HTTP only (accepts and stores webhooks); worker: processing (+ health). */
  role: 'all' | 'web' | 'worker';
  /** Inbound texts that opt the customer out (exact, any case); default STOP, BAJA, UNSUBSCRIBE. */
  optOutKeywords?: string[];
  /** The reply confirming an opt-out; default in src/contacts/opt-out-keywords.ts. */
  optOutConfirmation?: string;
  /** Outgoing event webhooks; unset fields take the defaults in src/event-webhooks/webhook-settings.ts. */
  eventWebhooks?: Partial<WebhookSettings>;
  /** Templates (src/templates): fetch-sync period (0 = off; default 15 min) and a rate card JSON file (docs/costs.md). */
  templateSyncIntervalMs?: number;
  rateCardFile?: string;
  /**
   * INBOUND_REORDER_WINDOW_MS: how long a customer message waits after it is received before it is
   * processed, so messages WhatsApp delivers out of order are handled in the order they were sent.
   * loadConfig sets it (default 1500; 0: off); a Config built in code without it has no window.
   */
  inboundReorderWindowMs?: number;
  /**
   * WEBHOOK_COMMIT_WINDOW_MS: webhooks received within this many ms of the first are stored (and,
   * where this process ingests, processed) by one transaction; each 200 waits for it (default 2; 0:
   * only those read in the same event-loop turn).
   */
  webhookCommitWindowMs?: number;
  /**
   * WEBHOOK_STATUS_COMMIT_WINDOW_MS: the same for webhooks of status callbacks only, which wait in
   * a window of their own (default 20; 0: only those read in the same event-loop turn).
   */
  webhookStatusCommitWindowMs?: number;
  /** Flows (src/flows): the folder published at start (unset: none) and whether HTTP blocks may call private addresses. */
  flows?: {
    dir?: string;
    httpAllowPrivate?: boolean;
    businessHours?: { start: string; end: string };
    businessTimezone?: string;
    webhookSecret?: string;
  };
  /**
   * TRUST_PROXY: which proxies' X-Forwarded-* headers to believe (Fastify's trustProxy): false
   * (default), true (any), a hop count, or addresses/CIDRs. Sets request.protocol (the Secure
   * cookie) and request.ip (login throttling).
   */
  trustProxy?: boolean | number | string[];
  /**
   * GET /metrics (docs/operations.md): METRICS_TOKEN, the Bearer token it requires on the main
   * port; METRICS_PORT (+ METRICS_HOST, default 127.0.0.1), a separate listener serving only
   * /metrics (with the token too when both are set). Neither: /metrics is off (404).
   */
  metrics?: { token?: string; port?: number; host?: string };
  /** ATTENTION_INTERVAL_MS: how often attention items are looked for and new ones announced (system.attention); default 60000. */
  attentionIntervalMs?: number;
  /** BOT_PAUSE_IDLE_TIMEOUT_MS: a bot pause lifts after this long without agent activity; 0 or unset: never (README, "The bot steps aside"). */
  botPauseIdleTimeoutMs?: number;
  /**
   * WORKER_HEARTBEAT_TIMEOUT_MS (PostgreSQL): a process whose job workers have not heartbeated for
   * this long is taken for dead and its jobs and conversation queues are released to the others
   * (src/jobs/worker-heartbeat.ts). loadConfig sets it (default 30000); unset in code: 30000.
   */
  workerHeartbeatTimeoutMs?: number;
  /** The HTTP server's limits on slow clients and its shutdown (HTTP_*_TIMEOUT_MS, SHUTDOWN_TIMEOUT_MS); unset: DEFAULT_HTTP_TIMEOUTS. */
  httpTimeouts?: HttpTimeouts;
  /** Retries of outbound sends and the per-number circuit breaker (SEND_RETRY_*, SEND_BREAKER_*; README, "When WhatsApp is down"); unset: DEFAULT_SEND_POLICY. */
  sendPolicy?: SendPolicy;
  /**
   * Tests set this: a 2xx answer that does not match its route's declared response schema (closed:
   * an undeclared field fails too) becomes 500 `response_schema_mismatch` (src/http/response-check.ts).
   */
  checkResponseSchemas?: boolean;
  /** STREAMS_PER_CREDENTIAL_MAX: open inbox streams per credential (token, session or admin token) per server process; more get 429 too_many_streams. Unset: 20. */
  streamsPerCredentialMax?: number;
  /**
   * Customer media (README, "Customer media"): MEDIA_MAX_BYTES, the largest file downloaded from
   * WhatsApp and kept (default 100 MiB, Meta's document limit); MEDIA_RETENTION_DAYS, kept files
   * older than this are deleted by a periodic sweep (default 90; 0: kept forever). Unset in code: the defaults.
   */
  media?: { maxBytes: number; retentionDays: number };
  /** The AI assistant (docs/ai.md): AI_* settings; unset in code: the offline default, mode off. */
  ai?: AiSettings;
}

/** The AI assistant's settings (docs/ai.md). Without a base URL the offline provider answers. */
export interface AiSettings {
  baseUrl?: string;
  apiKey?: string;
  model: string;
  /** One provider call's limit; past it the customer is handed to a person. */
  timeoutMs: number;
  /** Provider calls per minute, all numbers together (0: no limit). */
  requestsPerMinute: number;
  /** Tokens per calendar month (UTC), prompt and completion together; spent: the assistant is off (0: no limit). */
  monthlyTokenBudget: number;
  /** The mode of numbers without one set through the API: off | draft | auto. */
  defaultMode: 'off' | 'draft' | 'auto';
  /** Below this confidence (0..1) an answer becomes a hand-off. */
  confidenceThreshold: number;
  /** In auto mode, after this many AI answers in a row the next customer message goes to a person. */
  maxTurns: number;
  /** The context given to the model is cut to about this many tokens. */
  contextTokens: number;
  /** The business's instructions to the model. */
  systemPrompt?: string;
  /** AI_TOOLS: offer the knowledge-base search tool to OpenAI-compatible models (default false: some local models refuse tools). */
  tools?: boolean;
  /**
   * Named OpenAI-compatible endpoints (config file `aiEndpoints`, or AI_ENDPOINTS as JSON) that a
   * number (API) or an `ai_reply` block may use instead of AI_BASE_URL. Their keys stay here, in
   * the configuration, like the numbers' access tokens: the API names an endpoint, never a key.
   */
  endpoints?: Record<string, AiEndpoint>;
  /**
   * The config file's `aiNumbers`: a number's endpoint, model and system prompt, keyed by its
   * phone number id (a Telegram bot: its id). The API's settings for the number win field by field.
   */
  numbers?: Record<string, AiNumberDefaults>;
}

/** A number's AI settings in the config file (docs/ai.md#per-number-and-per-flow-models). */
export interface AiNumberDefaults {
  endpoint?: string;
  model?: string;
  systemPrompt?: string;
}

/** One named OpenAI-compatible endpoint (docs/ai.md#per-number-and-per-flow-models). */
export interface AiEndpoint {
  baseUrl: string;
  apiKey?: string;
  /** The model sent when neither the number nor the flow names one; default AI_MODEL. */
  model?: string;
  /** Offer tools to this endpoint's models; default AI_TOOLS. */
  tools?: boolean;
}

/** How long the HTTP server waits on a client (README, "Limits and timeouts"). */
export interface HttpTimeouts {
  /** HTTP_HEADERS_TIMEOUT_MS: to receive a request's headers, from the connection or the request's first byte. */
  headersMs: number;
  /** HTTP_REQUEST_TIMEOUT_MS: to receive a whole request, body included (a body trickling in is cut off: 408). */
  requestMs: number;
  /** HTTP_KEEP_ALIVE_TIMEOUT_MS: an idle keep-alive connection is closed after this. */
  keepAliveMs: number;
  /** HTTP_IDLE_TIMEOUT_MS: a connection with no bytes either way for this long is closed (above the stream's 15 s heartbeat). */
  idleMs: number;
  /** SHUTDOWN_TIMEOUT_MS: on SIGTERM, how long requests in flight may take before their connections are cut. */
  shutdownMs: number;
}

export const DEFAULT_HTTP_TIMEOUTS: HttpTimeouts = {
  headersMs: 10_000,
  requestMs: 60_000,
  keepAliveMs: 72_000,
  idleMs: 120_000,
  shutdownMs: 10_000,
};

/**
 * How outbound sends outlast a Graph API outage (README, "When WhatsApp is down"). Every field has
 * a setting; a Config built in code without `sendPolicy` gets DEFAULT_SEND_POLICY.
 */
export interface SendPolicy {
  /** SEND_RETRY_BASE_MS: the first retry waits about this long, doubling each attempt. */
  retryBaseMs: number;
  /** SEND_RETRY_MAX_DELAY_MS: the longest wait between two attempts of one message. */
  retryMaxDelayMs: number;
  /** SEND_RETRY_HORIZON_MS: free-form messages stop being retried this long after they were queued; 0: at the end of the customer's 24-hour window (always the latest possible). */
  freeFormHorizonMs: number;
  /** SEND_RETRY_HORIZON_TEMPLATE_MS: templates stop being retried this long after they were queued. */
  templateHorizonMs: number;
  /** SEND_BREAKER_FAILURES: consecutive retryable failures on one number that open its circuit breaker. */
  breakerFailures: number;
  /** SEND_BREAKER_COOLDOWN_MS: how long the breaker first stays open; it doubles each time a probe fails. */
  breakerCooldownMs: number;
  /** SEND_BREAKER_MAX_COOLDOWN_MS: the longest the breaker stays open before the next probe. */
  breakerMaxCooldownMs: number;
}

export const DEFAULT_SEND_POLICY: SendPolicy = {
  retryBaseMs: 1_000,
  retryMaxDelayMs: 60_000,
  freeFormHorizonMs: 0,
  templateHorizonMs: 6 * 3600_000,
  breakerFailures: 5,
  breakerCooldownMs: 5_000,
  breakerMaxCooldownMs: 60_000,
};

export interface WebhookSettings {
  /** Deliver to loopback/private addresses (the simulator and tests); off in production. */
  allowPrivate: boolean;
  timeoutMs: number;
  /** First retry waits about this long; each later one doubles, up to maxDelayMs. */
  retryBaseMs: number;
  maxDelayMs: number;
  /** A delivery is dead after this many attempts or after maxAgeMs, whichever comes first. */
  maxAttempts: number;
  maxAgeMs: number;
  /** Default for a new subscription's max_concurrency (deliveries in flight at once). */
  concurrencyPerSubscription: number;
  /** Bytes of a receiver's response kept in the delivery log. */
  responseExcerptBytes: number;
}

export const DEFAULT_WEBHOOK_SETTINGS: WebhookSettings = {
  allowPrivate: false,
  timeoutMs: 10_000,
  retryBaseMs: 30_000,
  maxDelayMs: 3_600_000,
  maxAttempts: 40,
  maxAgeMs: 24 * 3_600_000,
  concurrencyPerSubscription: 2,
  responseExcerptBytes: 1024,
};

/** Escape words (docs/flows.md#escape-words): keywords that interrupt a flow session. */
export type EscapeAction = 'handoff' | 'restart' | 'end' | { jump: string };

export interface EscapeRule {
  keywords: string[];
  action: EscapeAction;
  /** Sent before the action (a hand-off's "An agent will be with you shortly"). */
  message?: string;
  /** handoff: the team to hand to. */
  team?: string;
}
