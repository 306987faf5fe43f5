import { existsSync, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import {
  type Config,
  DEFAULT_SEND_POLICY,
  type WhatsAppNumberConfig,
  DEFAULT_GRAPH_URL,
  DEFAULT_API_VERSION,
  DEFAULT_HTTP_TIMEOUTS,
} from './config.ts';
import { parseEscapeRules } from './flows/escape-words.ts';
import { aiSettings } from './ai/ai-settings.ts';
import { loadTelegramConfig } from './load-telegram-config.ts';

export type ConfigResult = { ok: true; config: Config } | { ok: false; problems: string[] };

type Env = Record<string, string | undefined>;

/** The only reader of process.env: parse and validate once, report every problem at once. */
export function loadConfig(env: Env = process.env, cwd = process.cwd()): ConfigResult {
  const problems: string[] = [];
  const file = readConfigFile(env, cwd, problems);
  const pick = (envKey: string, fileKey: string): string | undefined => {
    const v = env[envKey];
    if (v !== undefined && v !== '') return v;
    const f = file[fileKey];
    return f === undefined || f === null ? undefined : String(f);
  };
  const int = (envKey: string, fileKey: string, def: number, min: number, max: number): number => {
    const raw = pick(envKey, fileKey);
    if (raw === undefined) return def;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      problems.push(`${envKey} must be a whole number from ${min} to ${max} (got "${raw}")`);
      return def;
    }
    return n;
  };
  const bool = (envKey: string, fileKey: string, def: boolean): boolean => {
    const raw = pick(envKey, fileKey);
    if (raw === undefined) return def;
    if (raw === 'true' || raw === '1') return true;
    if (raw === 'false' || raw === '0') return false;
    problems.push(`${envKey} must be true or false (got "${raw}")`);
    return def;
  };

  const port = int('PORT', 'port', 3000, 0, 65535);
  const host = pick('HOST', 'host') ?? '127.0.0.1';
  const dataDir = resolve(cwd, pick('DATA_DIR', 'dataDir') ?? './data');
  const databaseUrl = pick('DATABASE_URL', 'databaseUrl');
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    problems.push('DATABASE_URL must start with postgres:// or postgresql:// (unset it to use the embedded SQLite database)');
  }
  const graphUrl = (pick('WHATSAPP_GRAPH_URL', 'graphUrl') ?? DEFAULT_GRAPH_URL).replace(/\/+$/, '');
  if (!/^https?:\/\//.test(graphUrl)) problems.push(`WHATSAPP_GRAPH_URL must be an http(s) URL (got "${graphUrl}")`);
  const apiVersion = pick('WHATSAPP_API_VERSION', 'apiVersion') ?? DEFAULT_API_VERSION;
  if (!/^v\d+\.\d+$/.test(apiVersion)) problems.push(`WHATSAPP_API_VERSION must look like v21.0 (got "${apiVersion}")`);
  const throughputPerSecond = int('WHATSAPP_THROUGHPUT_PER_SECOND', 'throughputPerSecond', 80, 1, 10_000);

  const numbers: WhatsAppNumberConfig[] = [];
  const accessToken = pick('WHATSAPP_ACCESS_TOKEN', 'accessToken');
  if (accessToken !== undefined) {
    const need = (key: string, fileKey: string): string => {
      const v = pick(key, fileKey);
      if (v === undefined) problems.push(`${key} is required when WHATSAPP_ACCESS_TOKEN is set`);
      return v ?? '';
    };
    numbers.push({
      phoneNumberId: need('WHATSAPP_PHONE_NUMBER_ID', 'phoneNumberId'),
      businessAccountId: pick('WHATSAPP_BUSINESS_ACCOUNT_ID', 'businessAccountId'),
      accessToken,
      appSecret: need('WHATSAPP_APP_SECRET', 'appSecret'),
      verifyToken: need('WHATSAPP_VERIFY_TOKEN', 'verifyToken'),
      graphUrl,
      apiVersion,
      throughputPerSecond,
    });
  }
  const fileNumbers = file.numbers;
  if (fileNumbers !== undefined) {
    if (!Array.isArray(fileNumbers)) problems.push('config file: "numbers" must be a list');
    else
      fileNumbers.forEach((n: unknown, i: number) => {
        const parsed = parseNumber(n, i, { graphUrl, apiVersion, throughputPerSecond }, problems);
        if (parsed) numbers.push(parsed);
      });
  }
  const ids = new Set<string>();
  for (const n of numbers) {
    if (n.phoneNumberId && ids.has(n.phoneNumberId)) problems.push(`phone number id ${n.phoneNumberId} is configured twice`);
    ids.add(n.phoneNumberId);
  }

  const simulatorPort = int('SIMULATOR_PORT', 'simulatorPort', 4010, 0, 65535);
  const config: Config = {
    port,
    host,
    dataDir,
    databaseUrl,
    adminToken: pick('SWITCHBOARD_ADMIN_TOKEN', 'adminToken'),
    logLevel: pick('LOG_LEVEL', 'logLevel') ?? 'info',
    numbers,
    telegram: loadTelegramConfig(env, file, problems, numbers.length === 0),
    simulator: { enabled: numbers.length === 0, port: simulatorPort, testToken: pick('SIMULATOR_TEST_TOKEN', 'simulatorTestToken') },
    webhookBodyLimitBytes: int('WEBHOOK_BODY_LIMIT_BYTES', 'webhookBodyLimitBytes', 3 * 1024 * 1024, 1024, 64 * 1024 * 1024),
    workerConcurrency: int('WORKER_CONCURRENCY', 'workerConcurrency', 8, 1, 256),
    throughputPerSecond,
    demoBot: (pick('DEMO_BOT', 'demoBot') ?? 'true') !== 'false',
    role: 'all',
    optOutKeywords: pick('OPT_OUT_KEYWORDS', 'optOutKeywords')
      ?.split(',')
      .map((k) => k.trim())
      .filter((k) => k !== ''),
    optOutConfirmation: pick('OPT_OUT_CONFIRMATION', 'optOutConfirmation'),
    eventWebhooks: {
      // The built-in simulator runs on loopback, and so do receivers in development.
      allowPrivate: bool('EVENT_WEBHOOKS_ALLOW_PRIVATE', 'eventWebhooksAllowPrivate', numbers.length === 0),
      timeoutMs: int('EVENT_WEBHOOKS_TIMEOUT_MS', 'eventWebhooksTimeoutMs', 10_000, 100, 60_000),
      retryBaseMs: int('EVENT_WEBHOOKS_RETRY_BASE_MS', 'eventWebhooksRetryBaseMs', 30_000, 1, 3_600_000),
      maxAttempts: int('EVENT_WEBHOOKS_MAX_ATTEMPTS', 'eventWebhooksMaxAttempts', 40, 1, 200),
    },
  };
  config.templateSyncIntervalMs = int('TEMPLATE_SYNC_INTERVAL_MS', 'templateSyncIntervalMs', 15 * 60_000, 0, 7 * 24 * 3600_000);
  config.rateCardFile = pick('RATE_CARD_FILE', 'rateCardFile');
  config.inboundReorderWindowMs = int('INBOUND_REORDER_WINDOW_MS', 'inboundReorderWindowMs', 1500, 0, 60_000);
  config.webhookCommitWindowMs = int('WEBHOOK_COMMIT_WINDOW_MS', 'webhookCommitWindowMs', 2, 0, 50);
  config.webhookStatusCommitWindowMs = int('WEBHOOK_STATUS_COMMIT_WINDOW_MS', 'webhookStatusCommitWindowMs', 20, 0, 200);
  config.trustProxy = trustProxySetting(pick('TRUST_PROXY', 'trustProxy'), problems);
  const metricsToken = pick('METRICS_TOKEN', 'metricsToken');
  const metricsPort = pick('METRICS_PORT', 'metricsPort') !== undefined ? int('METRICS_PORT', 'metricsPort', 0, 1, 65535) : undefined;
  config.metrics = { token: metricsToken, port: metricsPort, host: pick('METRICS_HOST', 'metricsHost') ?? '127.0.0.1' };
  if (metricsToken !== undefined && !/^[\x21-\x7e]{16,200}$/.test(metricsToken))
    problems.push('METRICS_TOKEN must be 16-200 printable ASCII characters without spaces');
  config.attentionIntervalMs = int('ATTENTION_INTERVAL_MS', 'attentionIntervalMs', 60_000, 1000, 24 * 3600_000);
  config.botPauseIdleTimeoutMs = int('BOT_PAUSE_IDLE_TIMEOUT_MS', 'botPauseIdleTimeoutMs', 0, 0, 30 * 24 * 3600_000);
  config.streamsPerCredentialMax = int('STREAMS_PER_CREDENTIAL_MAX', 'streamsPerCredentialMax', 20, 1, 10_000);
  config.media = {
    maxBytes: int('MEDIA_MAX_BYTES', 'mediaMaxBytes', 100 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    retentionDays: int('MEDIA_RETENTION_DAYS', 'mediaRetentionDays', 90, 0, 36_500),
  };
  config.workerHeartbeatTimeoutMs = int('WORKER_HEARTBEAT_TIMEOUT_MS', 'workerHeartbeatTimeoutMs', 30_000, 1000, 3_600_000);
  const sp = DEFAULT_SEND_POLICY;
  config.sendPolicy = {
    retryBaseMs: int('SEND_RETRY_BASE_MS', 'sendRetryBaseMs', sp.retryBaseMs, 100, 600_000),
    retryMaxDelayMs: int('SEND_RETRY_MAX_DELAY_MS', 'sendRetryMaxDelayMs', sp.retryMaxDelayMs, 1000, 24 * 3600_000),
    freeFormHorizonMs: int('SEND_RETRY_HORIZON_MS', 'sendRetryHorizonMs', sp.freeFormHorizonMs, 0, 24 * 3600_000),
    templateHorizonMs: int(
      'SEND_RETRY_HORIZON_TEMPLATE_MS',
      'sendRetryHorizonTemplateMs',
      sp.templateHorizonMs,
      60_000,
      30 * 24 * 3600_000,
    ),
    breakerFailures: int('SEND_BREAKER_FAILURES', 'sendBreakerFailures', sp.breakerFailures, 1, 1000),
    breakerCooldownMs: int('SEND_BREAKER_COOLDOWN_MS', 'sendBreakerCooldownMs', sp.breakerCooldownMs, 100, 3_600_000),
    breakerMaxCooldownMs: int('SEND_BREAKER_MAX_COOLDOWN_MS', 'sendBreakerMaxCooldownMs', sp.breakerMaxCooldownMs, 100, 24 * 3600_000),
  };
  if (config.sendPolicy.retryBaseMs > config.sendPolicy.retryMaxDelayMs)
    problems.push('SEND_RETRY_BASE_MS must not be longer than SEND_RETRY_MAX_DELAY_MS');
  if (config.sendPolicy.breakerCooldownMs > config.sendPolicy.breakerMaxCooldownMs)
    problems.push('SEND_BREAKER_COOLDOWN_MS must not be longer than SEND_BREAKER_MAX_COOLDOWN_MS');
  const t = DEFAULT_HTTP_TIMEOUTS;
  config.httpTimeouts = {
    headersMs: int('HTTP_HEADERS_TIMEOUT_MS', 'httpHeadersTimeoutMs', t.headersMs, 1000, 600_000),
    requestMs: int('HTTP_REQUEST_TIMEOUT_MS', 'httpRequestTimeoutMs', t.requestMs, 1000, 3_600_000),
    keepAliveMs: int('HTTP_KEEP_ALIVE_TIMEOUT_MS', 'httpKeepAliveTimeoutMs', t.keepAliveMs, 1000, 600_000),
    idleMs: int('HTTP_IDLE_TIMEOUT_MS', 'httpIdleTimeoutMs', t.idleMs, 20_000, 3_600_000),
    shutdownMs: int('SHUTDOWN_TIMEOUT_MS', 'shutdownTimeoutMs', t.shutdownMs, 0, 600_000),
  };
  // Node refuses a headers timeout longer than the whole request's.
  if (config.httpTimeouts.headersMs > config.httpTimeouts.requestMs)
    problems.push('HTTP_HEADERS_TIMEOUT_MS must not be longer than HTTP_REQUEST_TIMEOUT_MS');
  if (config.rateCardFile !== undefined && !existsSync(resolve(cwd, config.rateCardFile)))
    problems.push(`RATE_CARD_FILE points at ${resolve(cwd, config.rateCardFile)}, which does not exist`);
  config.flows = {
    dir: resolve(cwd, pick('FLOWS_DIR', 'flowsDir') ?? './flows'),
    httpAllowPrivate: bool('FLOW_HTTP_ALLOW_PRIVATE', 'flowHttpAllowPrivate', false),
    ...flowTimeConfig(pick, problems),
  };
  config.ai = aiSettings(pick, int, problems, file);
  const role = pick('SWITCHBOARD_ROLE', 'role') ?? 'all';
  if (role === 'all' || role === 'web' || role === 'worker') config.role = role;
  else problems.push(`SWITCHBOARD_ROLE must be all, web or worker (got "${role}")`);
  if (config.simulator.testToken !== undefined && !/^[A-Za-z0-9._~-]{16,200}$/.test(config.simulator.testToken)) {
    problems.push('SIMULATOR_TEST_TOKEN must be 16-200 characters of A-Z a-z 0-9 . _ ~ -');
  }
  if (config.adminToken !== undefined && config.adminToken.length < 16) {
    problems.push('SWITCHBOARD_ADMIN_TOKEN must be at least 16 characters');
  }
  return problems.length ? { ok: false, problems } : { ok: true, config };
}

/** TRUST_PROXY: false | true | a hop count | a comma-separated list of addresses, CIDRs or loopback/linklocal/uniquelocal. */
function trustProxySetting(raw: string | undefined, problems: string[]): boolean | number | string[] {
  const value = raw?.trim();
  if (value === undefined || value === '' || value === 'false' || value === '0') return false;
  if (value === 'true') return true;
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    if (hops <= 100) return hops;
  }
  const list = value
    .split(',')
    .map((a) => a.trim())
    .filter((a) => a !== '');
  const bad = list.filter((a) => !isProxyAddress(a));
  if (list.length === 0 || bad.length > 0) {
    problems.push(
      `TRUST_PROXY must be true, false, a hop count (1-100) or a comma-separated list of proxy addresses or CIDRs such as 10.0.0.0/8 (got "${value}")`,
    );
    return false;
  }
  return list;
}

function isProxyAddress(a: string): boolean {
  if (a === 'loopback' || a === 'linklocal' || a === 'uniquelocal') return true;
  const [ip, bits, extra] = a.split('/');
  const family = isIP(ip ?? '');
  if (family === 0 || extra !== undefined) return false;
  if (bits === undefined) return true;
  return /^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128);
}

/** BUSINESS_HOURS ("08:00-19:00"), BUSINESS_TIMEZONE (an IANA zone) and FLOW_WEBHOOK_SECRET for flows (docs/flows.md). */
function flowTimeConfig(pick: (envKey: string, fileKey: string) => string | undefined, problems: string[]): NonNullable<Config['flows']> {
  const out: NonNullable<Config['flows']> = {};
  const hours = pick('BUSINESS_HOURS', 'businessHours');
  if (hours !== undefined) {
    const m = /^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$/.exec(hours.trim());
    if (m && `${m[1]}:${m[2]}` < `${m[3]}:${m[4]}`) out.businessHours = { start: `${m[1]}:${m[2]}`, end: `${m[3]}:${m[4]}` };
    else problems.push(`BUSINESS_HOURS must look like 08:00-19:00, opening before closing (got "${hours}")`);
  }
  const tz = pick('BUSINESS_TIMEZONE', 'businessTimezone');
  if (tz !== undefined) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: tz });
      out.businessTimezone = tz;
    } catch {
      problems.push(`BUSINESS_TIMEZONE must be an IANA time zone such as Europe/Madrid (got "${tz}")`);
    }
  }
  const secret = pick('FLOW_WEBHOOK_SECRET', 'flowWebhookSecret');
  if (secret !== undefined) out.webhookSecret = secret;
  return out;
}

function readConfigFile(env: Env, cwd: string, problems: string[]): Record<string, unknown> {
  const explicit = env.SWITCHBOARD_CONFIG;
  const candidates = explicit ? [explicit] : ['switchboard.config.json', 'switchboard.config.yaml', 'switchboard.config.yml'];
  for (const name of candidates) {
    const path = resolve(cwd, name);
    if (!existsSync(path)) {
      if (explicit) problems.push(`SWITCHBOARD_CONFIG points at ${path}, which does not exist`);
      continue;
    }
    try {
      const text = readFileSync(path, 'utf8');
      const parsed: unknown = path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
      if (parsed === null || parsed === undefined) return {};
      if (typeof parsed !== 'object' || Array.isArray(parsed)) {
        problems.push(`config file ${path} must hold an object of settings`);
        return {};
      }
      return { ...parsed };
    } catch (err) {
      problems.push(`config file ${path} cannot be read: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
      return {};
    }
  }
  return {};
}

function parseNumber(
  n: unknown,
  i: number,
  defaults: { graphUrl: string; apiVersion: string; throughputPerSecond: number },
  problems: string[],
): WhatsAppNumberConfig | undefined {
  if (typeof n !== 'object' || n === null) {
    problems.push(`config file: numbers[${i}] must be an object`);
    return undefined;
  }
  const rec: Record<string, unknown> = { ...n };
  const str = (key: string, required: boolean): string | undefined => {
    const v = rec[key];
    if (v === undefined || v === null || v === '') {
      if (required) problems.push(`config file: numbers[${i}].${key} is required`);
      return undefined;
    }
    return String(v);
  };
  const phoneNumberId = str('phoneNumberId', true);
  const accessToken = str('accessToken', true);
  const appSecret = str('appSecret', true);
  const verifyToken = str('verifyToken', true);
  const tput = rec.throughputPerSecond === undefined ? defaults.throughputPerSecond : Number(rec.throughputPerSecond);
  if (!Number.isInteger(tput) || tput < 1) problems.push(`config file: numbers[${i}].throughputPerSecond must be a positive whole number`);
  const escapeKeywords = parseEscapeRules(rec.escapeKeywords, `config file: numbers[${i}].escapeKeywords`, problems);
  if (!phoneNumberId || !accessToken || !appSecret || !verifyToken) return undefined;
  return {
    ...(escapeKeywords ? { escapeKeywords } : {}),
    phoneNumberId,
    accessToken,
    appSecret,
    verifyToken,
    businessAccountId: str('businessAccountId', false),
    displayPhoneNumber: str('displayPhoneNumber', false),
    graphUrl: (str('graphUrl', false) ?? defaults.graphUrl).replace(/\/+$/, ''),
    apiVersion: str('apiVersion', false) ?? defaults.apiVersion,
    throughputPerSecond: tput,
  };
}
