import type { FastifyBaseLogger } from 'fastify';
import type { Config } from './config.ts';
import type { Clock } from './core/clock.ts';
import type { ParsedBodyCache } from './storage/parsed-body-cache.ts';
import type { JobQueue } from './jobs/job-queue.ts';
import type { ChannelRegistry } from './messaging/channel-registry.ts';
import type { RealtimeBus } from './realtime/realtime-bus.ts';
import type { Storage } from './storage/open-database.ts';
import type { WebhookHealth } from './operations/webhook-health.ts';

/** Everything a use case may need, chosen once by the composition root (main.ts or the test world). */
export interface Deps {
  config: Config;
  storage: Storage;
  jobs: JobQueue;
  clock: Clock;
  logger: FastifyBaseLogger;
  channels: ChannelRegistry;
  parsedBodies: ParsedBodyCache;
  /** Inbox events for the realtime stream (LISTEN/NOTIFY on PostgreSQL, in-process on SQLite). */
  realtime: RealtimeBus;
  /** Per-number webhook arrivals and signature failures seen by this process (GET /api/v1/status). */
  webhookHealth: WebhookHealth;
}
