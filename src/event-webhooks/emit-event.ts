import { newId } from '../core/ids.ts';
import type { Executor, JobQueue } from '../jobs/job-queue.ts';
import type { DeliverableEventType } from './event-types.ts';
import { subscriptionCache } from './subscription-cache.ts';
import { enqueueJob } from '../jobs/job-definition.ts';
import { JOBS } from '../jobs/job-catalog.ts';

export type EventData = Record<string, unknown>;

/** What an emit site must have: the job queue (it also keys the subscription cache). */
export interface EmitDeps {
  jobs: JobQueue;
}

/**
 * Records an event and one delivery per matching active subscription, and enqueues each
 * delivery, all inside the caller's transaction (so an event exists if and only if the change
 * that caused it committed). `data` may be a function: it is only called when someone subscribed,
 * so payloads that need a query cost nothing otherwise. Returns the event id, or null when no
 * subscription wanted it (then nothing is written). The caller wakes the job queue after commit.
 */
export async function emitEvent(
  db: Executor,
  deps: EmitDeps,
  type: DeliverableEventType,
  data: EventData | (() => Promise<EventData>),
  /** `scope`: where the event came from, for subscriptions narrowed to it (a flow's id). */
  opts: { now: number; scope?: string },
): Promise<string | null> {
  const cache = subscriptionCache(deps.jobs);
  const subscriptions = cache.peek(type, opts.scope) ?? (await cache.matching(db, type, opts.scope));
  if (subscriptions.length === 0) return null;
  const payload = typeof data === 'function' ? await data() : data;
  return (await recordEvent(db, deps, type, payload, subscriptions, opts.now)).id;
}

/** Writes the event and its deliveries for the given subscriptions (the test ping names its one). */
export async function recordEvent(
  db: Executor,
  deps: EmitDeps,
  type: DeliverableEventType,
  data: EventData,
  subscriptions: ReadonlyArray<{ id: string; maxConcurrency: number }>,
  now: number,
): Promise<{ id: string; deliveryIds: string[] }> {
  const id = newId('evt', now);
  const body = JSON.stringify({ id, type, created_at: new Date(now).toISOString(), data });
  await db.insertInto('emitted_events').values({ id, type, created_at: now, body }).execute();
  const deliveryIds: string[] = [];
  for (const s of subscriptions) deliveryIds.push(await addDelivery(db, deps, { eventId: id, subscription: s, now }));
  return { id, deliveryIds };
}

/** A delivery row and its job. Replays add a new delivery of the same event (same event id). */
export async function addDelivery(
  db: Executor,
  deps: EmitDeps,
  input: { eventId: string; subscription: { id: string; maxConcurrency: number }; now: number; replayOf?: string },
): Promise<string> {
  const deliveryId = newId('whd', input.now);
  await db
    .insertInto('webhook_deliveries')
    .values({
      id: deliveryId,
      subscription_id: input.subscription.id,
      event_id: input.eventId,
      status: 'pending',
      attempts: 0,
      next_attempt_at: input.now,
      last_attempt_at: null,
      last_status_code: null,
      last_error: null,
      replay_of: input.replayOf ?? null,
      created_at: input.now,
      completed_at: null,
    })
    .execute();
  // The delivery row decides when it is dead; the catalog gives the engine attempts to spare.
  await enqueueJob(
    db,
    deps.jobs,
    JOBS.eventDeliver,
    { deliveryId },
    { queue: deliveryQueue(input.subscription.id, deliveryId, input.subscription.maxConcurrency) },
  );
  return deliveryId;
}

/**
 * A subscription's deliveries spread over `lanes` serial queues: at most that many run at once
 * for one receiver (across processes on PostgreSQL), and a slow receiver holds at most that many
 * workers, never another subscription's.
 */
export function deliveryQueue(subscriptionId: string, deliveryId: string, lanes: number): string {
  let h = 0;
  for (let i = 0; i < deliveryId.length; i++) h = (h * 31 + deliveryId.charCodeAt(i)) | 0;
  return `webhook:${subscriptionId}:${Math.abs(h) % Math.max(1, lanes)}`;
}
