import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { SimulatorOptions } from '../../src/simulator/index.ts';
import type { Config, WhatsAppNumberConfig } from '../../src/config.ts';
import { startSimulatedSwitchboard, type SimulatedSwitchboard } from '../../src/simulated-switchboard.ts';
import { postgresUrl, type TestDialect } from './dialects.ts';
import { ADMIN_TOKEN, baseConfig, SECRETS } from './test-config.ts';
import { resetPostgres } from './reset-postgres.ts';

export { ADMIN_TOKEN, SECRETS } from './test-config.ts';

export interface World extends SimulatedSwitchboard {
  dataDir: string;
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
  /** Switchboard's logger (silent by default). */
  logger?: Logger;
}

/** A simulator and a Switchboard wired to each other over loopback, on a fresh database. */
export async function startWorld(opts: WorldOptions): Promise<World> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'switchboard-test-'));
  if (opts.dialect === 'postgres' && postgresUrl && !opts.keepDatabase && !opts.dataDir) await resetPostgres(postgresUrl);
  const pair = await startSimulatedSwitchboard({
    config: { ...baseConfig(opts.dialect, dataDir, opts.config), adminToken: ADMIN_TOKEN },
    secrets: SECRETS,
    ...(opts.sim ? { sim: opts.sim } : {}),
    ...(opts.number ? { number: opts.number } : {}),
    ...(opts.logger ? { logger: opts.logger } : {}),
  });
  const stopPair = pair.stop;
  // Assigned onto the pair, not spread: `app` is a getter that follows restarts.
  return Object.assign(pair, {
    dataDir,
    async stop() {
      await stopPair();
      if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  });
}
