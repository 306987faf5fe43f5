import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../src/channels/simulator/index.ts';
import type { Config, WhatsAppNumberConfig } from '../../src/config.ts';
import { OffsetClock } from '../../src/core/clock.ts';
import { startSwitchboard, type Running } from '../../src/start-switchboard.ts';
import { postgresUrl, type TestDialect } from './dialects.ts';
import { ADMIN_TOKEN, baseConfig, SECRETS } from './test-config.ts';
import { resetPostgres } from './reset-postgres.ts';

export { ADMIN_TOKEN, SECRETS } from './test-config.ts';

export interface World {
  sim: Simulator;
  app: Running;
  clock: OffsetClock;
  dataDir: string;
  config: Config;
  /** Authenticated API call. */
  api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  /** Waits until every stored event and runnable job is handled. */
  settle(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export interface WorldOptions {
  dialect: TestDialect;
  sim?: Partial<SimulatorOptions>;
  config?: Partial<Config>;
  /** Overrides for the simulator-backed number (throughput, token...). */
  number?: Partial<WhatsAppNumberConfig>;
  /** Reuse a data directory (restart scenarios); the database is not reset then. */
  dataDir?: string;
  keepDatabase?: boolean;
}

/** A simulator and a Switchboard wired to each other over loopback, on a fresh database. */
export async function startWorld(opts: WorldOptions): Promise<World> {
  const clock = new OffsetClock();
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'switchboard-test-'));
  if (opts.dialect === 'postgres' && postgresUrl && !opts.keepDatabase && !opts.dataDir) await resetPostgres(postgresUrl);
  const sim = await startSimulator({ ...SECRETS, clock, templateReviewDelayMs: 0, statusDelaysMs: { sent: 5, delivered: 10, read: 20 }, ...opts.sim });
  const config = baseConfig(opts.dialect, dataDir, {
    numbers: [
      {
        phoneNumberId: sim.phoneNumberId,
        businessAccountId: sim.wabaId,
        displayPhoneNumber: sim.displayPhoneNumber,
        graphUrl: sim.graphBaseUrl,
        apiVersion: 'v21.0',
        throughputPerSecond: 80,
        ...SECRETS,
        ...opts.number,
      },
    ],
    ...opts.config,
  });
  const app = await startSwitchboard(config, { clock, logger: pino({ level: 'silent' }) });
  await sim.setWebhookUrl(`${app.url}/webhooks/whatsapp`);
  const world: World = {
    sim,
    app,
    clock,
    dataDir,
    config,
    async api(method, path, body) {
      const res = await fetch(`${app.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : null };
    },
    async settle(timeoutMs = 10_000) {
      await app.ingest.idle(timeoutMs);
      await app.deps.jobs.idle(timeoutMs);
      await app.ingest.idle(timeoutMs);
    },
    async stop() {
      await app.stop();
      await sim.close();
      if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return world;
}
