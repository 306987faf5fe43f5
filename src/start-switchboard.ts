import { runBroadcast } from './broadcasts/run-broadcast.ts';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { createLogger } from './core/logger.ts';
import { buildApp } from './app.ts';
import { createWhatsAppCloudAdapter } from './channels/whatsapp-cloud/index.ts';
import { DEFAULT_HTTP_TIMEOUTS, type Config } from './config.ts';
import { systemClock, type Clock } from './core/clock.ts';
import type { Deps } from './deps.ts';
import { TurnGate } from './core/turn-gate.ts';
import { sendReadReceipt } from './messaging/send-read-receipt.ts';
import { eventDeliveryJob } from './event-webhooks/deliver-event.ts';
import { adminTokenCheck, ensureAdminToken } from './auth/admin-token.ts';
import { IngestLoop } from './ingest/ingest-loop.ts';
import { connectTelegramBots, registerTelegramBots } from './ingest/telegram-bots.ts';
import { ParsedBodyCache } from './storage/parsed-body-cache.ts';
import { GraphileJobQueue } from './jobs/graphile-job-queue.ts';
import type { JobQueue } from './jobs/job-queue.ts';
import { SqliteJobQueue } from './jobs/sqlite-job-queue.ts';
import { ChannelRegistry } from './messaging/channel-registry.ts';
import { processInbound } from './messaging/process-inbound.ts';
import { createRealtimeBus } from './realtime/create-realtime-bus.ts';
import { sendTypingIndicator } from './realtime/typing-indicator.ts';
import { RoutingTicker } from './routing/routing-hooks.ts';
import { IdlePauseTicker } from './bot/release-idle-pauses.ts';
import { mediaFetchJob } from './media/fetch-customer-media.ts';
import { JOB_CATALOG, JOBS } from './jobs/job-catalog.ts';
import { handle, taskHandlers } from './jobs/job-definition.ts';
import { instrumentJobs } from './jobs/instrument-jobs.ts';
import { MediaRetentionTicker } from './media/media-retention.ts';
import { startFlowEngine } from './flows/start-flow-engine.ts';
import { sendOutbound } from './messaging/send-outbound.ts';
import { openStorage } from './storage/open-database.ts';
import { WebhookHealth } from './operations/webhook-health.ts';
import { AttentionTicker } from './operations/attention-ticker.ts';
import { startMetricsServer } from './operations/metrics-routes.ts';
import { scheduleTemplateSync, templateSyncJob } from './templates/template-sync-job.ts';

export interface Running {
  url: string;
  deps: Deps;
  ingest: IngestLoop;
  /** METRICS_PORT's listener, when configured (docs/operations.md). */
  metricsUrl?: string;
  /** Set only when this start generated the admin token (print it once). */
  generatedAdminToken?: string;
  stop(): Promise<void>;
}

/** Wires storage, jobs, channels, the ingest loop and HTTP, and starts listening. */
export async function startSwitchboard(
  config: Config,
  opts: { clock?: Clock; logger?: Logger; sqliteFile?: string } = {},
): Promise<Running> {
  const clock = opts.clock ?? systemClock;
  const logger = opts.logger ?? createLogger(config.logLevel);
  // On PostgreSQL the start-up lock is held until this start's writes are done (released below).
  const storage = await openStorage({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    sqliteFile: opts.sqliteFile,
    holdStartupLock: true,
  });
  const gate = new TurnGate();
  let jobs: JobQueue;
  // Several processes share a PostgreSQL database: graphile-worker; one process owns a SQLite file.
  if (storage.dialect.multiProcess) {
    if (!storage.pgPool) throw new Error('a multi-process database without a connection pool');
    const q = new GraphileJobQueue(
      { ...storage, pgPool: storage.pgPool },
      { clock, logger, concurrency: config.workerConcurrency, heartbeatTimeoutMs: config.workerHeartbeatTimeoutMs },
    );
    await q.prepare();
    jobs = q;
  } else {
    jobs = new SqliteJobQueue(storage, { clock, logger, concurrency: config.workerConcurrency, gate });
  }
  const channels = new ChannelRegistry();
  for (const n of config.numbers) {
    const id = `wa_${n.phoneNumberId}`;
    await saveChannelRow(storage.db, id, n, clock.now());
    channels.add(
      {
        id,
        kind: 'whatsapp',
        accountId: n.phoneNumberId,
        businessAccountId: n.businessAccountId,
        displayPhoneNumber: n.displayPhoneNumber,
        appSecret: n.appSecret,
        verifyToken: n.verifyToken,
        throughputPerSecond: n.throughputPerSecond,
        adapter: createWhatsAppCloudAdapter({
          graphUrl: n.graphUrl,
          apiVersion: n.apiVersion,
          phoneNumberId: n.phoneNumberId,
          accessToken: n.accessToken,
        }),
      },
      clock,
      config.sendPolicy,
    );
  }
  await registerTelegramBots(config.telegram?.bots ?? [], storage.db, channels, clock, config.sendPolicy, config.dataDir);
  const realtime = createRealtimeBus(storage, jobs, logger);
  const webhookHealth = new WebhookHealth(channels.all().map((c) => c.accountId));
  const deps: Deps = { config, storage, jobs, clock, logger, channels, parsedBodies: new ParsedBodyCache(), realtime, webhookHealth };
  const admin = await ensureAdminToken(storage.db, config.adminToken);
  const ingest = new IngestLoop(deps, gate);
  const adminToken = adminTokenCheck(storage.db, clock, { hash: admin.hash, configured: config.adminToken !== undefined });
  const app = await buildApp(deps, { ingest, adminToken });
  const address = await app.listen({ port: config.port, host: config.host });
  const processes = config.role !== 'web';
  const telegram = await connectTelegramBots(deps, ingest, config.telegram?.bots ?? [], address, processes);
  const flows = await startFlowEngine(deps, { processes });
  await storage.releaseStartupLock(); // migrations, channel rows, admin token and folder flows are written
  if (processes) {
    // Every job of the catalog (jobs/job-catalog.ts) with its handler; both engines take this table.
    await jobs.start(
      instrumentJobs(
        taskHandlers(JOB_CATALOG, [
          ...flows.jobs,
          handle(JOBS.messageProcess, (p) => processInbound(deps, p)),
          handle(JOBS.messageSend, (p) => sendOutbound(deps, p)),
          eventDeliveryJob(deps),
          templateSyncJob(deps),
          handle(JOBS.conversationTyping, (p) => sendTypingIndicator(deps, p)),
          handle(JOBS.conversationReadReceipt, (p, job) => sendReadReceipt(deps, p, job.attempts)),
          mediaFetchJob(deps),
          handle(JOBS.broadcastRun, (p) => runBroadcast(deps, p)),
        ]),
      ),
    );
  }
  if (processes) await scheduleTemplateSync(deps);
  if (processes) ingest.start();
  const routing = new RoutingTicker(deps);
  if (processes) routing.start();
  const idlePauses = new IdlePauseTicker(deps);
  if (processes) idlePauses.start();
  const mediaRetention = new MediaRetentionTicker(deps);
  if (processes) mediaRetention.start();
  const attention = new AttentionTicker(deps, config.attentionIntervalMs);
  if (processes) attention.start();
  const metricsServer = await startMetricsServer(deps);
  flows.start();
  return {
    url: address,
    deps,
    ingest,
    generatedAdminToken: admin.generated,
    ...(metricsServer ? { metricsUrl: metricsServer.url } : {}),
    async stop() {
      await closeHttp(app, (config.httpTimeouts ?? DEFAULT_HTTP_TIMEOUTS).shutdownMs);
      await metricsServer?.close();
      await attention.stop();
      await routing.stop();
      await idlePauses.stop();
      await mediaRetention.stop();
      flows.stop();
      await telegram.stop();
      await ingest.stop();
      await jobs.stop();
      await channels.close();
      await realtime.close();
      await storage.close();
    },
  };
}

/** On a graceful stop, how long a keep-alive connection idle between requests is kept for a request already on its way. */
const IDLE_GRACE_MS = 1000;

/**
 * Graceful, and bounded by SHUTDOWN_TIMEOUT_MS. The listener closes at once, so new connections
 * are refused (Meta redelivers). Requests already being received or handled finish, and every
 * response from then on says Connection: close (app.ts), so each connection ends after its
 * current request. A connection idle between requests is kept for IDLE_GRACE_MS first — its
 * client may have sent the next request already, which is answered rather than reset, as Node's
 * server.close() would do — then closed. At the deadline whatever is left is cut.
 */
async function closeHttp(app: FastifyInstance, shutdownMs: number): Promise<void> {
  const server = app.server;
  const closeIdle = server.closeIdleConnections.bind(server);
  server.closeIdleConnections = () => undefined; // what server.close() calls; ours runs after the grace
  let reap: NodeJS.Timeout | undefined;
  const grace = setTimeout(
    () => {
      closeIdle();
      reap = setInterval(closeIdle, 50);
    },
    Math.min(IDLE_GRACE_MS, shutdownMs),
  );
  const hard = setTimeout(() => server.closeAllConnections(), shutdownMs);
  try {
    await app.close();
  } finally {
    clearTimeout(grace);
    clearInterval(reap);
    clearTimeout(hard);
    server.closeIdleConnections = closeIdle;
  }
}

/**
 * The channel row of a configured number, written at every start. Insert-or-nothing with no
 * conflict target: processes starting at once insert the same row (same id, same kind and
 * account), and ON CONFLICT naming only (kind, account_id) let the other unique key, the id,
 * fail a start on `channels_pkey`. The update then refreshes what the configuration may change.
 */
export async function saveChannelRow(
  db: Deps['storage']['db'],
  id: string,
  n: { phoneNumberId: string; businessAccountId?: string; displayPhoneNumber?: string },
  now: number,
): Promise<void> {
  await db
    .insertInto('channels')
    .values({
      id,
      kind: 'whatsapp',
      account_id: n.phoneNumberId,
      business_account_id: n.businessAccountId ?? null,
      display_phone_number: n.displayPhoneNumber ?? null,
      name: `WhatsApp ${n.displayPhoneNumber ?? n.phoneNumberId}`,
      created_at: now,
    })
    .onConflict((oc) => oc.doNothing())
    .execute();
  await db
    .updateTable('channels')
    .set({ business_account_id: n.businessAccountId ?? null })
    .where('kind', '=', 'whatsapp')
    .where('account_id', '=', n.phoneNumberId)
    .execute();
}
