import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { Config } from '../src/config.ts';
import { startSwitchboard, type Running } from '../src/start-switchboard.ts';

export interface SwitchboardTargetSpec {
  role: Config['role'];
  /** The simulator's number, which Switchboard sends its replies through. */
  number: { phoneNumberId: string; wabaId: string; displayPhoneNumber: string; graphBaseUrl: string };
  secrets: { accessToken: string; appSecret: string; verifyToken: string };
  throughputPerSecond: number;
  workerConcurrency: number;
  /** PostgreSQL instead of the embedded SQLite (the paced phase's BENCH_PG_URL). */
  databaseUrl?: string;
}

export interface SwitchboardDiagnostics {
  failedEvents: number;
  eventErrors: number;
  firstEventError: string | null;
  failedJobs: number;
  firstJobError: string | null;
  messagesByStatus: Record<string, number>;
}

export interface SwitchboardTarget {
  url: string;
  running: Running;
  dataDir: string;
  /** Stored events not yet turned into messages, and jobs waiting or running. */
  backlog(): Promise<{ pendingEvents: number; runnableJobs: number }>;
  /** Why work failed, if it did: failed events and jobs with their first error, messages by status. */
  diagnostics(): Promise<SwitchboardDiagnostics>;
  stop(): Promise<void>;
}

/** Switchboard as `npm start` runs it, on the embedded SQLite database in a fresh temp DATA_DIR. */
export async function startSwitchboardTarget(spec: SwitchboardTargetSpec): Promise<SwitchboardTarget> {
  const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-bench-'));
  const config: Config = {
    port: 0,
    host: '127.0.0.1',
    dataDir,
    databaseUrl: spec.databaseUrl,
    adminToken: 'bench-admin-token-0123456789',
    logLevel: 'silent',
    numbers: [
      {
        phoneNumberId: spec.number.phoneNumberId,
        businessAccountId: spec.number.wabaId,
        displayPhoneNumber: spec.number.displayPhoneNumber,
        graphUrl: spec.number.graphBaseUrl,
        apiVersion: 'v21.0',
        throughputPerSecond: spec.throughputPerSecond,
        ...spec.secrets,
      },
    ],
    simulator: { enabled: false, port: 0 },
    webhookBodyLimitBytes: 3 * 1024 * 1024,
    workerConcurrency: spec.workerConcurrency,
    throughputPerSecond: spec.throughputPerSecond,
    demoBot: true,
    role: spec.role,
    // The group-commit window (WEBHOOK_COMMIT_WINDOW_MS), for measuring it; unset: Switchboard's default.
    ...(process.env.BENCH_COMMIT_WINDOW_MS ? { webhookCommitWindowMs: Number(process.env.BENCH_COMMIT_WINDOW_MS) } : {}),
  };
  let running: Running;
  try {
    running = await startSwitchboard(config, { logger: pino({ level: 'silent' }) });
  } catch (err) {
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  return {
    url: running.url,
    running,
    dataDir,
    async backlog() {
      const events = await running.deps.storage.db
        .selectFrom('webhook_events')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('status', '=', 'pending')
        .executeTakeFirst();
      const jobs = await running.deps.jobs.backlog();
      return { pendingEvents: Number(events?.n ?? 0), runnableJobs: jobs.count };
    },
    async diagnostics() {
      const db = running.deps.storage.db;
      const failedEvents = await db
        .selectFrom('webhook_events')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('status', '=', 'failed')
        .executeTakeFirst();
      const eventErrors = await db
        .selectFrom('webhook_events')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('error', 'is not', null)
        .executeTakeFirst();
      const firstEvent = await db
        .selectFrom('webhook_events')
        .select('error')
        .where('error', 'is not', null)
        .orderBy('id')
        .limit(1)
        .executeTakeFirst();
      const failedJobs = await db
        .selectFrom('jobs')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('failed_at', 'is not', null)
        .executeTakeFirst();
      const firstJob = await db
        .selectFrom('jobs')
        .select('last_error')
        .where('last_error', 'is not', null)
        .orderBy('id')
        .limit(1)
        .executeTakeFirst();
      const byStatus = await db
        .selectFrom('messages')
        .select(['direction', 'status', (eb) => eb.fn.countAll<number>().as('n')])
        .groupBy(['direction', 'status'])
        .execute();
      return {
        failedEvents: Number(failedEvents?.n ?? 0),
        eventErrors: Number(eventErrors?.n ?? 0),
        firstEventError: firstEvent?.error ?? null,
        failedJobs: Number(failedJobs?.n ?? 0),
        firstJobError: firstJob?.last_error ?? null,
        messagesByStatus: Object.fromEntries(byStatus.map((r) => [`${r.direction}:${r.status}`, Number(r.n)])),
      };
    },
    async stop() {
      try {
        await running.stop();
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
  };
}
