import type { Selectable } from 'kysely';
import type { Executor } from '../jobs/job-queue.ts';
import type { Database } from '../storage/database-types.ts';

export type DeliveryRow = Selectable<Database['webhook_deliveries']> & { event_type: string };
export type AttemptRow = Selectable<Database['webhook_delivery_attempts']>;

/** Everything one attempt needs: the delivery, its event's exact body, and where and how to sign. */
export function loadDeliveryForAttempt(db: Executor, deliveryId: string) {
  return db
    .selectFrom('webhook_deliveries as d')
    .innerJoin('emitted_events as e', 'e.id', 'd.event_id')
    .innerJoin('webhook_subscriptions as s', 's.id', 'd.subscription_id')
    .select([
      'd.id',
      'd.status',
      'd.attempts',
      'd.next_attempt_at',
      'd.created_at',
      'd.subscription_id',
      'e.id as event_id',
      'e.type as event_type',
      'e.body',
      's.url',
      's.secret',
    ])
    .where('d.id', '=', deliveryId)
    .executeTakeFirst();
}

export interface AttemptRecord {
  deliveryId: string;
  attempt: number;
  url: string;
  startedAt: number;
  durationMs: number;
  statusCode: number | null;
  error: string | null;
  responseExcerpt: string | null;
}

/**
 * Logs an attempt and moves the delivery on, guarded by the attempt number: if another run
 * already recorded this attempt (a job rerun after a crash), nothing changes. Returns whether
 * this call recorded it.
 */
export async function recordAttempt(
  db: Executor,
  a: AttemptRecord,
  next: { status: 'pending'; nextAttemptAt: number } | { status: 'succeeded' | 'dead'; completedAt: number },
): Promise<boolean> {
  const updated = await db
    .updateTable('webhook_deliveries')
    .set({
      status: next.status,
      attempts: a.attempt,
      last_attempt_at: a.startedAt,
      last_status_code: a.statusCode,
      last_error: a.error,
      next_attempt_at: next.status === 'pending' ? next.nextAttemptAt : null,
      completed_at: next.status === 'pending' ? null : next.completedAt,
    })
    .where('id', '=', a.deliveryId)
    .where('status', '=', 'pending')
    .where('attempts', '=', a.attempt - 1)
    .executeTakeFirst();
  if (Number(updated.numUpdatedRows) === 0) return false;
  await db
    .insertInto('webhook_delivery_attempts')
    .values({
      delivery_id: a.deliveryId,
      attempt: a.attempt,
      url: a.url,
      started_at: a.startedAt,
      duration_ms: a.durationMs,
      status_code: a.statusCode,
      error: a.error,
      response_excerpt: a.responseExcerpt,
    })
    .execute();
  return true;
}

/** A subscription's delivery log, newest first; ids are time-ordered, so the cursor is an id. */
export function listDeliveries(
  db: Executor,
  subscriptionId: string,
  q: { limit: number; before?: string; status?: string },
): Promise<DeliveryRow[]> {
  let query = db
    .selectFrom('webhook_deliveries as d')
    .innerJoin('emitted_events as e', 'e.id', 'd.event_id')
    .selectAll('d')
    .select('e.type as event_type')
    .where('d.subscription_id', '=', subscriptionId);
  if (q.before) query = query.where('d.id', '<', q.before);
  if (q.status) query = query.where('d.status', '=', q.status);
  return query.orderBy('d.id', 'desc').limit(q.limit).execute();
}

export function findDelivery(db: Executor, subscriptionId: string, deliveryId: string): Promise<DeliveryRow | undefined> {
  return db
    .selectFrom('webhook_deliveries as d')
    .innerJoin('emitted_events as e', 'e.id', 'd.event_id')
    .selectAll('d')
    .select('e.type as event_type')
    .where('d.subscription_id', '=', subscriptionId)
    .where('d.id', '=', deliveryId)
    .executeTakeFirst();
}

export async function attemptsOf(db: Executor, deliveryIds: string[]): Promise<Map<string, AttemptRow[]>> {
  const byDelivery = new Map<string, AttemptRow[]>();
  if (deliveryIds.length === 0) return byDelivery;
  const rows = await db
    .selectFrom('webhook_delivery_attempts')
    .selectAll()
    .where('delivery_id', 'in', deliveryIds)
    .orderBy('delivery_id')
    .orderBy('attempt')
    .execute();
  for (const r of rows) {
    const list = byDelivery.get(r.delivery_id) ?? [];
    list.push(r);
    byDelivery.set(r.delivery_id, list);
  }
  return byDelivery;
}
