import type { Config } from '../../src/config.ts';
import { postgresUrl, type TestDialect } from './dialects.ts';

export const ADMIN_TOKEN = 'test-admin-token-0123456789';
export const SECRETS = { accessToken: 'test-access-token', appSecret: 'test-app-secret', verifyToken: 'test-verify-token' };

export function baseConfig(dialect: TestDialect, dataDir: string, over: Partial<Config> = {}): Config {
  return {
    port: 0,
    host: '127.0.0.1',
    dataDir,
    databaseUrl: dialect === 'postgres' ? postgresUrl : undefined,
    adminToken: ADMIN_TOKEN,
    logLevel: 'silent',
    numbers: [],
    simulator: { enabled: false, port: 0 },
    webhookBodyLimitBytes: 3 * 1024 * 1024,
    workerConcurrency: 8,
    throughputPerSecond: 80,
    demoBot: true,
    role: 'all',
    // Every answer a test receives is checked against its route's response schema.
    checkResponseSchemas: true,
    ...over,
  };
}
