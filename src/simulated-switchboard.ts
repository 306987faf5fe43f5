import pino, { type Logger } from 'pino';
import { startSimulator, type Simulator, type SimulatorOptions } from './simulator/index.ts';
import type { Config, WhatsAppNumberConfig } from './config.ts';
import { OffsetClock } from './core/clock.ts';
import { startSwitchboard, type Running } from './start-switchboard.ts';

/** A Switchboard and the Cloud API simulator wired to each other in this process, sharing a clock. */
export interface SimulatedSwitchboard {
  sim: Simulator;
  app: Running;
  clock: OffsetClock;
  config: Config;
  /** A call to the API with the admin token (JSON body when given). */
  // biome-ignore lint/suspicious/noExplicitAny: a scripting convenience; callers read whatever JSON the route answers
  api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  /** Waits until every stored event and runnable job is handled. */
  settle(timeoutMs?: number): Promise<void>;
  /** Stops Switchboard and starts it again on the same database, port, simulator and clock. */
  restart(config?: Partial<Config>): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The in-process pair the test suites and `npm run flows:test` run against: the simulator on
 * loopback (fast statuses, templates reviewed at once), one number pointing at it, the simulator's
 * webhooks pointing at Switchboard. `config` must carry an admin token; its numbers are replaced.
 */
export async function startSimulatedSwitchboard(opts: {
  config: Config & { adminToken: string };
  secrets: { accessToken: string; appSecret: string; verifyToken: string };
  sim?: Partial<SimulatorOptions>;
  number?: Partial<WhatsAppNumberConfig>;
  /** Where Switchboard logs (tests that read the log lines); silent by default. */
  logger?: Logger;
}): Promise<SimulatedSwitchboard> {
  const clock = new OffsetClock();
  const sim = await startSimulator({
    ...opts.secrets,
    clock,
    templateReviewDelayMs: 0,
    statusDelaysMs: { sent: 5, delivered: 10, read: 20 },
    ...opts.sim,
  });
  const config: Config = {
    ...opts.config,
    numbers: [
      {
        phoneNumberId: sim.phoneNumberId,
        businessAccountId: sim.wabaId,
        displayPhoneNumber: sim.displayPhoneNumber,
        graphUrl: sim.graphBaseUrl,
        apiVersion: 'v21.0',
        throughputPerSecond: 80,
        ...opts.secrets,
        ...opts.number,
      },
    ],
  };
  const logger = opts.logger ?? pino({ level: 'silent' });
  let app: Running;
  try {
    app = await startSwitchboard(config, { clock, logger });
  } catch (err) {
    await sim.close();
    throw err;
  }
  await sim.setWebhookUrl(`${app.url}/webhooks/whatsapp`);
  const token = opts.config.adminToken;
  const pair: SimulatedSwitchboard = {
    sim,
    // Always the running Switchboard, also after a restart.
    get app() {
      return app;
    },
    clock,
    config,
    async api(method, path, body) {
      const res = await fetch(`${app.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : null };
    },
    async settle(timeoutMs = 10_000) {
      // Processing an event can enqueue jobs whose replies bring new events: ingest, jobs, ingest.
      await app.ingest.idle(timeoutMs);
      await app.deps.jobs.idle(timeoutMs);
      await app.ingest.idle(timeoutMs);
    },
    async restart(patch = {}) {
      await pair.settle();
      await app.stop();
      // The same port, so URLs handed out before the restart keep working.
      app = await startSwitchboard({ ...config, ...patch, port: Number(new URL(app.url).port) }, { clock, logger });
      await sim.setWebhookUrl(`${app.url}/webhooks/whatsapp`);
    },
    async stop() {
      await app.stop();
      await sim.close();
    },
  };
  return pair;
}
