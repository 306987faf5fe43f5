import { randomBytes } from 'node:crypto';
import { DEFAULT_API_VERSION, type Config } from './config.ts';
import { loadConfig } from './load-config.ts';
import { startSimulator, type Simulator } from './simulator/index.ts';
import { startTelegramSimulator, type TelegramSimulator } from './simulator/telegram/index.ts';
import { OffsetClock, systemClock, type Clock } from './core/clock.ts';
import { startSwitchboard } from './start-switchboard.ts';
import { ensureFirstAdmin } from './auth/first-admin.ts';
import { seedTemplates } from './templates/seed-templates.ts';
import { startDemoFlows, type DemoFlows } from './demo/start-demo-flows.ts';
import { demoAssistantLines } from './demo/seed-knowledge.ts';

/** Composition root for `npm start`: config -> (simulator) -> server + workers. */
async function main(): Promise<void> {
  const loaded = loadConfig();
  if (!loaded.ok) {
    for (const p of loaded.problems) process.stderr.write(`config: ${p}\n`);
    process.stderr.write('Fix the settings above (environment variables or switchboard.config.json) and start again.\n');
    process.exit(2);
  }
  let config: Config = loaded.config;
  let simulator: Simulator | undefined;
  // Real time, unless the built-in simulator runs: then one clock drives both, so skipping time
  // on the simulator (POST /_sim/clock/advance, the phone page) moves Switchboard's clock too and
  // the 24-hour window, re-engagement and session expiry can be tried at once. With a configured
  // number (real, or a standalone simulator) nothing can move Switchboard's clock.
  let clock: Clock = systemClock;
  if (config.simulator.enabled) {
    // No real number configured: run the built-in Cloud API simulator and point a number at it.
    const secrets = {
      accessToken: randomBytes(16).toString('hex'),
      appSecret: randomBytes(16).toString('hex'),
      verifyToken: randomBytes(8).toString('hex'),
    };
    clock = new OffsetClock();
    simulator = await startSimulator({
      port: config.simulator.port,
      host: config.host,
      ...secrets,
      testToken: config.simulator.testToken,
      clock,
      templateReviewDelayMs: 2000,
    });
    config = {
      ...config,
      numbers: [
        {
          phoneNumberId: simulator.phoneNumberId,
          businessAccountId: simulator.wabaId,
          displayPhoneNumber: simulator.displayPhoneNumber,
          graphUrl: simulator.graphBaseUrl,
          apiVersion: DEFAULT_API_VERSION,
          throughputPerSecond: config.throughputPerSecond,
          ...secrets,
        },
      ],
      // Demo only: the seed scenario's flow calls the business-API mock on loopback.
      flows: { ...config.flows, httpAllowPrivate: true },
    };
  }
  // No Telegram bot configured in the demo: the Telegram Bot API simulator runs beside the
  // WhatsApp one, so the same inbox, flows and bot can be tried on both channels.
  let telegramSim: TelegramSimulator | undefined;
  if (config.telegram?.simulator.enabled && simulator) {
    telegramSim = await startTelegramSimulator({ port: config.telegram.simulator.port, host: config.host, testToken: simulator.testToken });
    config = {
      ...config,
      telegram: {
        ...config.telegram,
        bots: [
          {
            botToken: telegramSim.botToken,
            webhookSecret: randomBytes(24).toString('base64url'),
            apiUrl: telegramSim.url,
            mode: 'webhook',
            throughputPerSecond: 30,
          },
        ],
      },
    };
  }
  const running = await startSwitchboard(config, { clock });
  // A new install's way into the web app: an admin user with a password printed once below.
  const firstAdmin = await ensureFirstAdmin(running.deps.storage.db, running.deps.clock);
  let demo: DemoFlows | undefined;
  let aiLines: string[] = [];
  const log = running.deps.logger;
  if (simulator) {
    const check = await simulator.setWebhookUrl(`${running.url}/webhooks/whatsapp`);
    if (!check.ok) log.warn({ status: check.status }, 'the simulator could not verify the webhook URL');
    // The demo's example templates (examples/templates), submitted to the simulator: APPROVED in ~2 s.
    await seedTemplates(running.deps, { submit: true }).catch((err: unknown) => log.warn({ err }, 'could not seed the example templates'));
    // The seed scenario (examples/flows/service-request.yaml) against a built-in business-API mock.
    const preferredPort = config.simulator.port > 0 && config.simulator.port < 65535 ? config.simulator.port + 1 : undefined;
    demo = await startDemoFlows(running.deps, { preferredPort }).catch((err: unknown) => {
      log.warn({ err }, 'could not start the demo flow');
      return undefined;
    });
    aiLines = await demoAssistantLines(running.deps).catch((err: unknown) => {
      log.warn({ err }, 'could not seed the demo knowledge base');
      return [];
    });
  }
  const lines = [
    '',
    `Switchboard is running (${running.deps.storage.dialect.name === 'postgres' ? 'PostgreSQL' : `SQLite in ${config.dataDir}`})`,
    `  Web app:      ${running.url}/`,
    `  API:          ${running.url}/api/v1   (health: ${running.url}/health)`,
    `  Webhook:      ${running.url}/webhooks/whatsapp`,
  ];
  if (simulator) {
    lines.push(`  Simulator:    ${simulator.graphBaseUrl}  (Graph API, no Meta account needed)`);
    const tryFlow = demo?.trigger ? `, or "${demo.trigger}" to book a service request` : '';
    lines.push(`  Phone page:   ${simulator.phonePageUrl}  <- open this, pick a number and say "hi"${tryFlow}`);
    lines.push(
      `  Test API:     ${simulator.url}/_sim/  (Authorization: Bearer ${simulator.testToken}; POST /_sim/clock/advance moves Switchboard's clock too)`,
    );
    if (telegramSim) {
      lines.push(
        `  Telegram:     ${telegramSim.url}  (Bot API simulator, bot @${telegramSim.bot.username}; webhook ${running.url}/webhooks/telegram/${telegramSim.bot.id})`,
      );
      lines.push(`  Telegram phone: ${telegramSim.phonePageUrl}  <- the same bot and flows on Telegram`);
    }
    if (demo?.trigger) {
      lines.push(`  Demo flow:    "${demo.trigger}" starts ${demo.flowId} v${demo.version} (examples/flows/service-request.yaml)`);
      lines.push(`  Business API: ${demo.api.url}/service-requests  (a built-in mock; the requests the flow creates are listed there)`);
    }
    lines.push(...aiLines);
  }
  if (firstAdmin) lines.push('', `  Web sign-in (shown once, stored hashed): ${firstAdmin.email} / ${firstAdmin.password}`);
  if (running.generatedAdminToken) {
    lines.push(
      '',
      `  Admin API token (shown once, stored hashed): ${running.generatedAdminToken}`,
      '  Lost it? `npm run admin-token` on this machine prints a new one and revokes this one.',
      '  Set SWITCHBOARD_ADMIN_TOKEN to choose your own.',
    );
  } else if (config.adminToken === undefined) {
    lines.push(
      '',
      '  Admin API token: stored hashed (printed at first start). `npm run admin-token` on this machine prints a new one and revokes the old.',
    );
  }
  process.stdout.write(`${lines.join('\n')}\n\n`);

  // Graceful (start-switchboard.ts): stop listening, answer the requests already on their way,
  // let running jobs finish, then exit 0 — within SHUTDOWN_TIMEOUT_MS for the HTTP part. A second
  // signal while stopping exits at once.
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) {
      log.warn({ signal }, 'second signal while shutting down: exiting now');
      process.exit(1);
    }
    stopping = true;
    log.info({ signal }, 'shutting down');
    let code = 0;
    await running.stop().catch((err: unknown) => {
      code = 1;
      log.error({ err }, 'error while stopping');
    });
    await simulator?.close().catch(() => undefined);
    await telegramSim?.close().catch(() => undefined);
    await demo?.close().catch(() => undefined);
    log.info({ signal, code }, 'stopped');
    process.exit(code);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((err: unknown) => {
  const e = err as { code?: string; message?: string };
  // Known start-up failures get one line; anything else is a bug worth its stack.
  if (e.code === 'EADDRINUSE')
    process.stderr.write(`Cannot listen: ${e.message}. Set PORT (or SIMULATOR_PORT, TELEGRAM_SIMULATOR_PORT) to a free port.\n`);
  else if (e.code === 'ECONNREFUSED') process.stderr.write(`Cannot reach the database: ${e.message}. Check DATABASE_URL.\n`);
  else process.stderr.write(`Switchboard failed to start: ${e.message ?? String(err)}\n`);
  process.exit(1);
});
