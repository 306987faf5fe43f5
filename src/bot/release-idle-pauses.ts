import type { FastifyBaseLogger } from 'fastify';
import type { Clock } from '../core/clock.ts';
import { PeriodicTask } from '../core/periodic-task.ts';
import type { Storage } from '../storage/open-database.ts';
import { releaseBot, type BotPauseDeps } from './bot-pause.ts';
import { idleBotPauses } from '../conversations/bot-pause-store.ts';

const BATCH = 200;

export interface IdleSweepDeps extends BotPauseDeps {
  storage: Pick<Storage, 'db'>;
  clock: Clock;
}

/**
 * Lifts every bot pause whose idle deadline (BOT_PAUSE_IDLE_TIMEOUT_MS after the last agent
 * activity) has passed, each in its own transaction, so the conversation shows the bot back and
 * conversation.bot_resumed goes out even when the customer does not write. A customer's message
 * checks the deadline itself (isBotPaused); this is for everyone else. Returns how many it lifted.
 */
export async function releaseIdlePauses(deps: IdleSweepDeps): Promise<number> {
  const now = deps.clock.now();
  let released = 0;
  for (const conversationId of await idleBotPauses(deps.storage.db, now, BATCH)) {
    const done = await deps.storage.db
      .transaction()
      .execute((trx) => releaseBot(trx, deps, { conversationId, by: 'system', reason: 'idle_timeout', now }));
    if (done) released++;
  }
  if (released > 0) deps.jobs.wake();
  return released;
}

/** Runs the sweep in processing processes, when an idle timeout is configured. */
export class IdlePauseTicker {
  private readonly task: PeriodicTask;

  constructor(
    private readonly deps: IdleSweepDeps & { logger: FastifyBaseLogger },
    intervalMs = 10_000,
  ) {
    this.task = new PeriodicTask(
      () => releaseIdlePauses(deps),
      intervalMs,
      (err) => deps.logger.warn({ err }, 'bot pause idle sweep failed'),
    );
  }

  start(): void {
    if (this.deps.config.botPauseIdleTimeoutMs) this.task.start();
  }

  stop(): Promise<void> {
    return this.task.stop();
  }
}
