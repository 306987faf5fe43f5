import { PeriodicTask } from '../core/periodic-task.ts';
import type { Deps } from '../deps.ts';
import { announceAttention } from './attention.ts';

/** Looks for new attention items every ATTENTION_INTERVAL_MS (default a minute) and announces them (attention.ts). */
export class AttentionTicker {
  private readonly task: PeriodicTask;

  constructor(deps: Deps, intervalMs = 60_000) {
    this.task = new PeriodicTask(
      () => announceAttention(deps),
      intervalMs,
      (err) => deps.logger.warn({ err }, 'attention check failed'),
    );
  }

  start(): void {
    this.task.start();
  }

  stop(): Promise<void> {
    return this.task.stop();
  }
}
