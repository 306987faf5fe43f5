import type { Executor } from '../jobs/job-queue.ts';
import { rawQuery, runRaw } from '../storage/raw-query.ts';

export interface PendingEvent {
  id: number;
  provider: string;
  body: string;
  received_at: number;
  attempts: number;
}

export function pendingEvents(db: Executor, limit: number): Promise<PendingEvent[]> {
  return db
    .selectFrom('webhook_events')
    .select(['id', 'provider', 'body', 'received_at', 'attempts'])
    .where('status', '=', 'pending')
    .orderBy('id')
    .limit(limit)
    .execute();
}

/** Whether any event waits for the ingest loop: one index probe (webhook_events_pending). */
export async function anyPendingEvent(db: Executor): Promise<boolean> {
  return (await runRaw(db, ANY_PENDING, [])).length > 0;
}

export const ANY_PENDING = rawQuery(`select 1 as "one" from "webhook_events" where "status" = 'pending' limit 1`);

export async function markEvents(db: Executor, ids: number[], status: 'processed' | 'failed', now: number, error?: string): Promise<void> {
  if (ids.length === 0) return;
  await db
    .updateTable('webhook_events')
    .set({ status, processed_at: now, error: error ?? null })
    .where('id', 'in', ids)
    .execute();
}

export async function eventBacklog(db: Executor): Promise<{ count: number; oldestAt: number | null }> {
  const row = await db
    .selectFrom('webhook_events')
    .select((eb) => [eb.fn.countAll<number>().as('count'), eb.fn.min('received_at').as('oldest')])
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return { count: Number(row?.count ?? 0), oldestAt: row?.oldest == null ? null : Number(row.oldest) };
}
