import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { startSimulator, type Simulator } from '../channels/simulator/index.ts';
import type { Config } from '../config.ts';
import { OffsetClock } from '../core/clock.ts';
import { startSwitchboard, type Running } from '../start-switchboard.ts';
import { seedTemplates } from '../templates/seed-templates.ts';

/** A throwaway Switchboard wired to the real simulator, sharing one clock that scripts can move. */
export interface ScriptWorld {
  sim: Simulator;
  app: Running;
  clock: OffsetClock;
  adminToken: string;
  /** Authenticated call to the in-process API. */
  api(method: string, path: string): Promise<{ status: number; body: unknown }>;
  /** Waits until every stored event and runnable job is handled. */
  settle(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts the world a script runs in: a temporary SQLite database (nothing outside it is touched),
 * the simulator on loopback, HTTP blocks allowed to call loopback (the stub server lives there),
 * no FLOWS_DIR (the runner publishes exactly the script's flows) and the demo bot on, as `npm start`.
 */
export async function startScriptWorld(opts: { seedTemplates?: boolean } = {}): Promise<ScriptWorld> {
  const clock = new OffsetClock();
  const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-flowtest-'));
  const secrets = { accessToken: randomBytes(8).toString('hex'), appSecret: randomBytes(16).toString('hex'), verifyToken: randomBytes(8).toString('hex') };
  const adminToken = `flowtest-${randomBytes(12).toString('hex')}`;
  const sim = await startSimulator({ ...secrets, clock, templateReviewDelayMs: 0, statusDelaysMs: { sent: 5, delivered: 10, read: 20 } });
  const config: Config = {
    port: 0,
    host: '127.0.0.1',
    dataDir,
    adminToken,
    logLevel: 'silent',
    numbers: [
      {
        phoneNumberId: sim.phoneNumberId,
        businessAccountId: sim.wabaId,
        displayPhoneNumber: sim.displayPhoneNumber,
        graphUrl: sim.graphBaseUrl,
        apiVersion: 'v21.0',
        throughputPerSecond: 80,
        ...secrets,
      },
    ],
    simulator: { enabled: false, port: 0 },
    webhookBodyLimitBytes: 3 * 1024 * 1024,
    workerConcurrency: 4,
    throughputPerSecond: 80,
    demoBot: true,
    role: 'all',
    templateSyncIntervalMs: 0,
    eventWebhooks: { allowPrivate: true },
    flows: { httpAllowPrivate: true },
  };
  let app: Running;
  try {
    app = await startSwitchboard(config, { clock, logger: pino({ level: 'silent' }) });
  } catch (err) {
    await sim.close();
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  await sim.setWebhookUrl(`${app.url}/webhooks/whatsapp`);
  const settle = async (timeoutMs = 10_000) => {
    await app.ingest.idle(timeoutMs);
    await app.deps.jobs.idle(timeoutMs);
    await app.ingest.idle(timeoutMs);
  };
  // Flows that send templates need them APPROVED in the simulator and known to Switchboard.
  if (opts.seedTemplates) {
    await seedTemplates(app.deps, { submit: true });
    await sim.drainWebhooks(5_000).catch(() => undefined);
    await settle();
  }
  return {
    sim,
    app,
    clock,
    adminToken,
    async api(method, path) {
      const res = await fetch(`${app.url}${path}`, { method, headers: { authorization: `Bearer ${adminToken}` } });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : null };
    },
    settle,
    async stop() {
      try {
        await app.stop();
        await sim.close();
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
  };
}
