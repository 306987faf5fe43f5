/**
 * `npm run simulator -- --port 4010 --webhook-url … --app-secret S --verify-token V --access-token T`
 * Runs the WhatsApp Cloud API simulator standalone (its clock is its own: advancing it never moves
 * the clock of the app it talks to). Every flag can also come from the
 * environment (flags win). Problems are reported one line each, exit status 2, no stack trace.
 */
import { parseArgs } from 'node:util';
import { startSimulator, TEST_TOKEN_PATTERN } from '../simulator/index.ts';
import type { SimLogger, SimulatorOptions } from '../simulator/index.ts';

const flags = {
  port: { env: 'SIMULATOR_PORT', help: 'port to listen on (0 = random)', fallback: '4010' },
  host: { env: 'SIMULATOR_HOST', help: 'interface to bind', fallback: '127.0.0.1' },
  'webhook-url': { env: 'SIMULATOR_WEBHOOK_URL', help: 'callback URL for webhooks (optional; settable later via POST /_sim/webhook)' },
  'app-secret': { env: 'SIMULATOR_APP_SECRET', help: 'app secret that signs webhooks (X-Hub-Signature-256)', required: true },
  'verify-token': { env: 'SIMULATOR_VERIFY_TOKEN', help: 'verify token sent in the GET handshake', required: true },
  'access-token': { env: 'SIMULATOR_ACCESS_TOKEN', help: 'bearer token the Graph API accepts', required: true },
  'test-token': {
    env: 'SIMULATOR_TEST_TOKEN',
    help: 'token the /_sim test API and phone page need, 16+ URL-safe characters (default: new each start)',
  },
  'phone-number-id': { env: 'SIMULATOR_PHONE_NUMBER_ID', help: 'business phone-number id', fallback: '106540352242922' },
  'waba-id': { env: 'SIMULATOR_WABA_ID', help: 'WhatsApp Business Account id', fallback: '102290129340398' },
  'display-phone-number': { env: 'SIMULATOR_DISPLAY_PHONE_NUMBER', help: 'business number, digits', fallback: '15550783881' },
  'status-delays-ms': { env: 'SIMULATOR_STATUS_DELAYS_MS', help: 'sent,delivered,read delays after acceptance', fallback: '10,40,120' },
  'read-probability': { env: 'SIMULATOR_READ_PROBABILITY', help: 'chance (0-1) a customer reads a message by itself', fallback: '1' },
  'out-of-order': { env: 'SIMULATOR_OUT_OF_ORDER', help: 'true: statuses arrive read, delivered, sent', fallback: 'false' },
  'throughput-per-second': { env: 'SIMULATOR_THROUGHPUT_PER_SECOND', help: 'per-number send limit (130429)', fallback: '80' },
  'pair-rate-limit': { env: 'SIMULATOR_PAIR_RATE_LIMIT', help: 'seconds,burst per customer (131056), or off', fallback: '6,45' },
  batch: { env: 'SIMULATOR_BATCH', help: 'maxItems,windowMs to group statuses, or off', fallback: 'off' },
  'template-review-delay-ms': { env: 'SIMULATOR_TEMPLATE_REVIEW_DELAY_MS', help: 'PENDING -> APPROVED/REJECTED delay', fallback: '2000' },
} as const;

type Flag = keyof typeof flags;

function usage(): string {
  const lines = Object.entries(flags).map(([name, f]) => {
    const def = 'fallback' in f ? ` (default ${f.fallback})` : '';
    const req = 'required' in f ? ' [required]' : '';
    return `  --${name.padEnd(26)} ${f.env.padEnd(35)} ${f.help}${def}${req}`;
  });
  return [
    'Usage: npm run simulator -- [options]',
    '',
    'Options (flag, or environment variable):',
    ...lines,
    `  --${'help'.padEnd(26)} ${''.padEnd(35)} show this help`,
    '',
  ].join('\n');
}

const stderrLogger: SimLogger = {
  info: (obj, msg) => process.stderr.write(`info: ${msg ?? ''} ${JSON.stringify(obj)}\n`),
  warn: (obj, msg) => process.stderr.write(`warn: ${msg ?? ''} ${JSON.stringify(obj)}\n`),
  error: (obj, msg) => process.stderr.write(`error: ${msg ?? ''} ${JSON.stringify(obj)}\n`),
};

/** Numbers separated by commas, each >= 0; undefined (and a problem noted) otherwise. */
function numbers(name: Flag, v: string, count: number, problems: string[]): number[] | undefined {
  const parts = v.split(',').map((x) => Number(x.trim()));
  if (parts.length === count && parts.every((n) => Number.isFinite(n) && n >= 0)) return parts;
  problems.push(`error: --${name} must be ${count === 1 ? 'a number >= 0' : `${count} comma-separated numbers >= 0`}, got "${v}"`);
  return undefined;
}

/** Status, rate-limit, batching and review settings (the library's options, from strings). */
function parseTuning(get: (name: Flag) => string | undefined, problems: string[]): Partial<SimulatorOptions> {
  const o: Partial<SimulatorOptions> = {};
  const delays = numbers('status-delays-ms', get('status-delays-ms')!, 3, problems);
  if (delays) o.statusDelaysMs = { sent: delays[0], delivered: delays[1], read: delays[2] };
  const read = numbers('read-probability', get('read-probability')!, 1, problems);
  if (read && read[0]! > 1) problems.push('error: --read-probability must be between 0 and 1');
  else if (read) o.readProbability = read[0];
  const order = get('out-of-order')!;
  if (order !== 'true' && order !== 'false') problems.push(`error: --out-of-order must be true or false, got "${order}"`);
  o.outOfOrder = order === 'true';
  const tps = numbers('throughput-per-second', get('throughput-per-second')!, 1, problems);
  if (tps && tps[0]! <= 0) problems.push('error: --throughput-per-second must be > 0');
  else if (tps) o.throughputPerSecond = tps[0];
  const pair = get('pair-rate-limit')!;
  const p = pair === 'off' ? undefined : numbers('pair-rate-limit', pair, 2, problems);
  if (pair === 'off') o.pairRateLimit = false;
  else if (p && (p[0]! <= 0 || p[1]! < 1)) problems.push('error: --pair-rate-limit needs seconds > 0 and burst >= 1');
  else if (p) o.pairRateLimit = { perSeconds: p[0]!, burst: p[1]! };
  const batch = get('batch')!;
  const b = batch === 'off' ? undefined : numbers('batch', batch, 2, problems);
  if (batch === 'off') o.batch = false;
  else if (b && b[0]! < 1) problems.push('error: --batch needs maxItems >= 1');
  else if (b) o.batch = { maxItems: b[0]!, windowMs: b[1]! };
  const review = numbers('template-review-delay-ms', get('template-review-delay-ms')!, 1, problems);
  if (review) o.templateReviewDelayMs = review[0];
  return o;
}

async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  try {
    const options = Object.fromEntries(Object.keys(flags).map((k) => [k, { type: 'string' as const }]));
    values = parseArgs({
      args: argv,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (e) {
    process.stderr.write(`error: ${(e as Error).message}\n${usage()}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(usage());
    return 0;
  }
  const get = (name: Flag): string | undefined => {
    const f = flags[name];
    const v = values[name];
    if (typeof v === 'string' && v !== '') return v;
    const e = env[f.env];
    if (e !== undefined && e !== '') return e;
    return 'fallback' in f ? f.fallback : undefined;
  };
  const problems: string[] = [];
  for (const [name, f] of Object.entries(flags)) {
    if ('required' in f && get(name as Flag) === undefined) problems.push(`error: missing --${name} (or ${f.env})`);
  }
  const port = Number(get('port'));
  if (!Number.isInteger(port) || port < 0 || port > 65535) problems.push(`error: --port must be an integer 0-65535, got "${get('port')}"`);
  const webhookUrl = get('webhook-url');
  if (webhookUrl !== undefined && !/^https?:\/\/[^\s]+$/.test(webhookUrl))
    problems.push(`error: --webhook-url must be an http(s) URL, got "${webhookUrl}"`);
  if (!/^\d{6,15}$/.test(get('display-phone-number') ?? '')) problems.push('error: --display-phone-number must be 6-15 digits');
  const testToken = get('test-token');
  if (testToken !== undefined && !TEST_TOKEN_PATTERN.test(testToken))
    problems.push('error: --test-token must be 16-200 characters of A-Z a-z 0-9 . _ ~ -');
  for (const id of ['phone-number-id', 'waba-id'] as const)
    if (!/^\d{1,20}$/.test(get(id) ?? '')) problems.push(`error: --${id} must be digits (Graph ids are numeric)`);
  const tuning = parseTuning(get, problems);
  if (problems.length > 0) {
    process.stderr.write(`${problems.join('\n')}\n\nRun with --help for all options.\n`);
    return 2;
  }

  const sim = await startSimulator({
    port,
    host: get('host'),
    accessToken: get('access-token')!,
    appSecret: get('app-secret')!,
    verifyToken: get('verify-token')!,
    testToken,
    webhookUrl,
    phoneNumberId: get('phone-number-id'),
    wabaId: get('waba-id'),
    displayPhoneNumber: get('display-phone-number'),
    ...tuning,
    logger: stderrLogger,
  });
  const out = [
    'Switchboard WhatsApp Cloud API simulator',
    `Graph API:  ${sim.graphBaseUrl}/v21.0  (any vNN.N; phone number id ${sim.phoneNumberId}, WABA ${sim.wabaId}, number +${sim.displayPhoneNumber})`,
    `Phone page: ${sim.phonePageUrl}`,
    `Test API:   ${sim.url}/_sim/  (send 'Authorization: Bearer ${sim.testToken}'; loopback Host only)`,
    `Webhook:    ${sim.webhookUrl ? `${sim.webhookUrl} (${sim.webhookVerified ? 'verified' : 'NOT verified; delivering anyway'})` : 'none (set one with POST /_sim/webhook {"url": …})'}`,
  ];
  process.stdout.write(`${out.join('\n')}\n`);

  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      process.stderr.write(`\n${signal}: closing the simulator\n`);
      sim.close().then(resolve, resolve);
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  return 0;
}

main(process.argv.slice(2), process.env).then(
  (code) => process.exit(code),
  (e: unknown) => {
    // Startup failures (port in use, …) are reported in one line, not as a stack trace.
    process.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);
