import type { FastifyBaseLogger } from 'fastify';
import type { JobQueue } from '../jobs/job-queue.ts';
import type { Storage } from '../storage/open-database.ts';
import { PgRealtimeBus } from './pg-realtime-bus.ts';
import { LocalRealtimeBus, localEmitterFor, type RealtimeBus } from './realtime-bus.ts';

/** PostgreSQL: LISTEN/NOTIFY, so every process hears every process. SQLite: in-process. */
export function createRealtimeBus(
  storage: Pick<Storage, 'databaseUrl' | 'dialect'>,
  jobs: JobQueue,
  logger: FastifyBaseLogger,
): RealtimeBus {
  if (storage.dialect.multiProcess && storage.databaseUrl) return new PgRealtimeBus(storage.databaseUrl, logger);
  return new LocalRealtimeBus(localEmitterFor(jobs));
}
