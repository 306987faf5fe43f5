import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { OffsetClock } from '../../src/core/clock.ts';
import { startSwitchboard, type Running } from '../../src/start-switchboard.ts';
import type { TestDialect } from './dialects.ts';
import { postgresUrl } from './dialects.ts';
import { resetPostgres } from './reset-postgres.ts';
import { baseConfig, SECRETS } from './test-config.ts';

/** Switchboard alone (no simulator, no bot): for tests that only talk to its webhook and API. */
export async function startBare(dialect: TestDialect): Promise<{ app: Running; stop(): Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-bare-'));
  if (dialect === 'postgres' && postgresUrl) await resetPostgres(postgresUrl);
  const config = baseConfig(dialect, dataDir, {
    demoBot: false,
    numbers: [
      { phoneNumberId: '106540352242922', graphUrl: 'http://127.0.0.1:9', apiVersion: 'v21.0', throughputPerSecond: 80, ...SECRETS },
    ],
  });
  const app = await startSwitchboard(config, { clock: new OffsetClock(), logger: pino({ level: 'silent' }) });
  return {
    app,
    async stop() {
      await app.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
