import { RetryLater } from './job-errors.ts';
import type { TaskHandler } from './job-queue.ts';

/**
 * A short RetryLater (a local limit such as a number's throughput window) is retried in place,
 * holding the job's queue, so a conversation's later messages never overtake it. Longer waits go
 * back to the engine. Sends after a Graph failure do not come here: they are rescheduled as jobs
 * at their retry time (src/messaging/send-outbound.ts), never spinning in place.
 */
export async function runWithShortRetries(
  handler: TaskHandler,
  payload: unknown,
  job: { id: string; attempts: number },
  maxInPlaceMs = 2_000,
): Promise<void> {
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
