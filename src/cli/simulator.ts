/**
 * `npm run simulator -- --port 4010 --webhook-url … --app-secret S --verify-token V --access-token T`
 * Runs the WhatsApp Cloud API simulator standalone. Every flag can also come from the
 * environment (flags win). Problems are reported one line each, exit status 2, no stack trace.
 */
import { parseArgs } from 'node:util';
import { startSimulator } from '../channels/simulator/index.ts';
import type { SimLogger } from '../channels/simulator/index.ts';

const flags = {
  port: { env: 'SIMULATOR_PORT', help: 'port to listen on (0 = random)', fallback: '4010' },
  host: { env: 'SIMULATOR_HOST', help: 'interface to bind', fallback: '127.0.0.1' },
  'webhook-url': { env: 'SIMULATOR_WEBHOOK_URL', help: 'callback URL for webhooks (optional; settable later via POST /_sim/webhook)' },
  'app-secret': { env: 'SIMULATOR_APP_SECRET', help: 'app secret that signs webhooks (X-Hub-Signature-256)', required: true },
  'verify-token': { env: 'SIMULATOR_VERIFY_TOKEN', help: 'verify token sent in the GET handshake', required: true },
  'access-token': { env: 'SIMULATOR_ACCESS_TOKEN', help: 'bearer token the Graph API accepts', required: true },
  'phone-number-id': { env: 'SIMULATOR_PHONE_NUMBER_ID', help: 'business phone-number id', fallback: '106540352242922' },
  'waba-id': { env: 'SIMULATOR_WABA_ID', help: 'WhatsApp Business Account id', fallback: '102290129340398' },
  'display-phone-number': { env: 'SIMULATOR_DISPLAY_PHONE_NUMBER', help: 'business number, digits', fallback: '15550783881' },
} as const;

type Flag = keyof typeof flags;

function usage(): string {
  const lines = Object.entries(flags).map(([name, f]) => {
    const def = 'fallback' in f ? ` (default ${f.fallback})` : '';
    const req = 'required' in f ? ' [required]' : '';
    return `  --${name.padEnd(22)} ${f.env.padEnd(32)} ${f.help}${def}${req}`;
  });
  return ['Usage: npm run simulator -- [options]', '', 'Options (flag, or environment variable):', ...lines, `  --${'help'.padEnd(22)} ${''.padEnd(32)} show this help`, ''].join('\n');
}

const stderrLogger: SimLogger = {
  info: (obj, msg) => process.stderr.write(`info: ${msg ?? ''} ${JSON.stringify(obj)}\n`),
  warn: (obj, msg) => process.stderr.write(`warn: ${msg ?? ''} ${JSON.stringify(obj)}\n`),
  error: (obj, msg) => process.stderr.write(`error: ${msg ?? ''} ${JSON.stringify(obj)}\n`),
};

async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  try {
    const options = Object.fromEntries(Object.keys(flags).map((k) => [k, { type: 'string' as const }]));
    values = parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: false }).values;
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
  if (webhookUrl !== undefined && !/^https?:\/\/[^\s]+$/.test(webhookUrl)) problems.push(`error: --webhook-url must be an http(s) URL, got "${webhookUrl}"`);
  if (!/^\d{6,15}$/.test(get('display-phone-number') ?? '')) problems.push('error: --display-phone-number must be 6-15 digits');
  if (problems.length > 0) {
    process.stderr.write(problems.join('\n') + '\n\nRun with --help for all options.\n');
    return 2;
  }

  const sim = await startSimulator({
    port,
    host: get('host'),
    accessToken: get('access-token')!,
    appSecret: get('app-secret')!,
    verifyToken: get('verify-token')!,
    webhookUrl,
    phoneNumberId: get('phone-number-id'),
    wabaId: get('waba-id'),
    displayPhoneNumber: get('display-phone-number'),
    logger: stderrLogger,
  });
  const out = [
    'Switchboard WhatsApp Cloud API simulator',
    `Graph API:  ${sim.graphBaseUrl}/v21.0  (any vNN.N; phone number id ${sim.phoneNumberId}, WABA ${sim.wabaId}, number +${sim.displayPhoneNumber})`,
    `Phone page: ${sim.phonePageUrl}`,
    `Test API:   ${sim.url}/_sim/`,
    `Webhook:    ${sim.webhookUrl ? `${sim.webhookUrl} (${sim.webhookVerified ? 'verified' : 'NOT verified; delivering anyway'})` : 'none (set one with POST /_sim/webhook {"url": …})'}`,
  ];
  process.stdout.write(out.join('\n') + '\n');

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
