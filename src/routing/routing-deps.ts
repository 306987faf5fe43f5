import { Transaction } from 'kysely';
import type { Config } from '../config.ts';
import type { Clock } from '../core/clock.ts';
import type { Executor, JobQueue } from '../jobs/job-queue.ts';
import type { Database } from '../storage/database-types.ts';
import type { Storage } from '../storage/open-database.ts';

/** What routing needs from the composition root. */
export interface RoutingDeps {
  storage: Pick<Storage, 'db' | 'dialect'>;
  jobs: JobQueue;
  clock: Clock;
  /** An assignment or hand-off pauses the bot (bot/bot-pause.ts), with its idle timeout. */
  config: Pick<Config, 'botPauseIdleTimeoutMs'>;
}

/** Runs `fn` in the caller's transaction when there is one (the flow engine's), else in a new one. */
export function inTransaction<T>(db: Executor, fn: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
  return db instanceof Transaction ? fn(db) : db.transaction().execute(fn);
}
