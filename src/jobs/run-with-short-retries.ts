import { RetryLater } from './job-errors.ts';
import type { TaskHandler } from './job-queue.ts';

/**
 * A short RetryLater (rate limits: 130429, 131056) is retried in place, holding the job's queue,
 * so a conversation's later messages never overtake it. Longer waits go back to the engine.
 */
export async function runWithShortRetries(handler: TaskHandler, payload: unknown, job: { id: string; attempts: number }, maxInPlaceMs = 2_000): Promise<void> {
  let waited = 0;
  for (;;) {
    try {
      await handler(payload, job);
      return;
    } catch (err) {
      if (err instanceof RetryLater && err.delayMs !== undefined && waited + err.delayMs <= maxInPlaceMs) {
        waited += err.delayMs;
        await new Promise((r) => setTimeout(r, err.delayMs));
        continue;
      }
      throw err;
    }
  }
}
