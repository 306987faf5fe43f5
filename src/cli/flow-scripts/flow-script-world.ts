import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulatedSwitchboard, type SimulatedSwitchboard } from '../../simulated-switchboard.ts';
import { seedTemplates } from '../../templates/seed-templates.ts';

/** A throwaway Switchboard wired to the real simulator, sharing one clock that scripts can move. */
export interface ScriptWorld extends SimulatedSwitchboard {
  adminToken: string;
}

/**
 * Starts the world a script runs in: a temporary SQLite database (nothing outside it is touched),
 * the simulator on loopback, HTTP blocks allowed to call loopback (the stub server lives there),
 * no FLOWS_DIR (the runner publishes exactly the script's flows) and the demo bot on, as `npm start`.
 */
export async function startScriptWorld(opts: { seedTemplates?: boolean } = {}): Promise<ScriptWorld> {
  const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-flowtest-'));
  const secrets = {
    accessToken: randomBytes(8).toString('hex'),
    appSecret: randomBytes(16).toString('hex'),
    verifyToken: randomBytes(8).toString('hex'),
  };
  const adminToken = `flowtest-${randomBytes(12).toString('hex')}`;
  let pair: SimulatedSwitchboard;
  try {
    pair = await startSimulatedSwitchboard({
      secrets,
      config: {
        port: 0,
        host: '127.0.0.1',
        dataDir,
        adminToken,
        logLevel: 'silent',
        numbers: [],
        simulator: { enabled: false, port: 0 },
        webhookBodyLimitBytes: 3 * 1024 * 1024,
        workerConcurrency: 4,
        throughputPerSecond: 80,
        demoBot: true,
        role: 'all',
        templateSyncIntervalMs: 0,
        eventWebhooks: { allowPrivate: true },
        flows: { httpAllowPrivate: true },
      },
    });
  } catch (err) {
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  // Flows that send templates need them APPROVED in the simulator and known to Switchboard.
  if (opts.seedTemplates) {
    await seedTemplates(pair.app.deps, { submit: true });
    await pair.sim.drainWebhooks(5_000).catch(() => undefined);
    await pair.settle();
  }
  return {
    ...pair,
    adminToken,
    async stop() {
      try {
        await pair.stop();
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
  };
}
