import { newTestToken, TEST_TOKEN_PATTERN } from './test-api-access.ts';
import type { SimLogger, SimulatorOptions, TemplateSeed } from './types.ts';

export interface ResolvedOptions {
  port: number;
  host: string;
  accessToken: string;
  appSecret: string;
  verifyToken: string;
  testToken: string;
  webhookUrl: string | undefined;
  phoneNumberId: string;
  displayPhoneNumber: string;
  wabaId: string;
  statusDelaysMs: { sent: number; delivered: number; read: number };
  readProbability: number;
  outOfOrder: boolean;
  includeConversation: boolean;
  throughputPerSecond: number;
  pairRateLimit: { perSeconds: number; burst: number } | false;
  webhookRetry: {
    timeoutMs: number;
    initialDelayMs: number;
    maxDelayMs: number;
    factor: number;
    jitter: number;
    maxAttempts: number;
    maxAgeMs: number;
  };
  batch: { maxItems: number; windowMs: number } | false;
  webhookConcurrency: number;
  templateReviewDelayMs: number;
  seedTemplates: TemplateSeed[];
  unregisteredNumbers: Set<string>;
  marketingLimitedNumbers: Set<string>;
  maxLogEntries: number;
  logger: SimLogger;
}

const silent: SimLogger = { info() {}, warn() {}, error() {} };
const DAY = 24 * 60 * 60 * 1000;

function nonNegative(name: string, v: number | undefined, fallback: number): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
    throw new Error(`simulator option ${name} must be a non-negative number, got ${String(v)}`);
  return v;
}

function requireString(name: string, v: unknown): string {
  if (typeof v !== 'string' || v.length === 0) throw new Error(`simulator option ${name} is required (a non-empty string)`);
  return v;
}

function testToken(v: string | undefined): string {
  if (v === undefined || v === '') return newTestToken();
  if (!TEST_TOKEN_PATTERN.test(v)) throw new Error('simulator option testToken must be 16-200 characters of A-Z a-z 0-9 . _ ~ -');
  return v;
}

const digitsOnly = (s: string): string => s.replace(/\D/g, '');

/** Defaults live here, once; every module reads the resolved values. */
export function resolveOptions(o: SimulatorOptions): ResolvedOptions {
  const readProbability = nonNegative('readProbability', o.readProbability, 1);
  if (readProbability > 1) throw new Error('simulator option readProbability must be between 0 and 1');
  const r = o.webhookRetry ?? {};
  const batch = o.batch ?? false;
  if (batch && (batch.maxItems < 1 || batch.windowMs < 0)) throw new Error('simulator option batch needs maxItems >= 1 and windowMs >= 0');
  const pair = o.pairRateLimit === undefined ? { perSeconds: 6, burst: 45 } : o.pairRateLimit;
  if (pair && (!(pair.perSeconds > 0) || !(pair.burst >= 1)))
    throw new Error('simulator option pairRateLimit needs perSeconds > 0 and burst >= 1');
  const throughput = nonNegative('throughputPerSecond', o.throughputPerSecond, 80);
  if (throughput <= 0) throw new Error('simulator option throughputPerSecond must be > 0');
  return {
    port: nonNegative('port', o.port, 0),
    host: o.host ?? '127.0.0.1',
    accessToken: requireString('accessToken', o.accessToken),
    appSecret: requireString('appSecret', o.appSecret),
    verifyToken: requireString('verifyToken', o.verifyToken),
    testToken: testToken(o.testToken),
    webhookUrl: o.webhookUrl || undefined,
    phoneNumberId: o.phoneNumberId ?? '106540352242922',
    displayPhoneNumber: digitsOnly(o.displayPhoneNumber ?? '15550783881'),
    wabaId: o.wabaId ?? '102290129340398',
    statusDelaysMs: {
      sent: nonNegative('statusDelaysMs.sent', o.statusDelaysMs?.sent, 10),
      delivered: nonNegative('statusDelaysMs.delivered', o.statusDelaysMs?.delivered, 40),
      read: nonNegative('statusDelaysMs.read', o.statusDelaysMs?.read, 120),
    },
    readProbability,
    outOfOrder: o.outOfOrder ?? false,
    includeConversation: o.includeConversation ?? true,
    throughputPerSecond: throughput,
    pairRateLimit: pair,
    webhookRetry: {
      timeoutMs: nonNegative('webhookRetry.timeoutMs', r.timeoutMs, 10_000),
      initialDelayMs: nonNegative('webhookRetry.initialDelayMs', r.initialDelayMs, 1_000),
      maxDelayMs: nonNegative('webhookRetry.maxDelayMs', r.maxDelayMs, 60 * 60 * 1000),
      factor: nonNegative('webhookRetry.factor', r.factor, 2),
      jitter: Math.min(1, nonNegative('webhookRetry.jitter', r.jitter, 0.2)),
      maxAttempts: nonNegative('webhookRetry.maxAttempts', r.maxAttempts, Infinity),
      maxAgeMs: nonNegative('webhookRetry.maxAgeMs', r.maxAgeMs, 7 * DAY),
    },
    batch,
    webhookConcurrency: Math.max(1, Math.floor(nonNegative('webhookConcurrency', o.webhookConcurrency, 64))),
    templateReviewDelayMs: nonNegative('templateReviewDelayMs', o.templateReviewDelayMs, 2000),
    seedTemplates: o.seedTemplates ?? [],
    unregisteredNumbers: new Set((o.unregisteredNumbers ?? []).map(digitsOnly)),
    marketingLimitedNumbers: new Set((o.marketingLimitedNumbers ?? []).map(digitsOnly)),
    maxLogEntries: Math.max(1, Math.floor(nonNegative('maxLogEntries', o.maxLogEntries, 10_000))),
    logger: o.logger ?? silent,
  };
}
