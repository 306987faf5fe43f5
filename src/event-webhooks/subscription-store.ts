import type { Selectable } from 'kysely';
import type { Executor } from '../jobs/job-queue.ts';
import type { Database } from '../storage/database-types.ts';

export type SubscriptionRow = Selectable<Database['webhook_subscriptions']>;

export interface SubscriptionFields {
  url: string;
  events: string[];
  secret: string;
  description: string | null;
  active: boolean;
  maxConcurrency: number;
}

export async function insertSubscription(db: Executor, id: string, f: SubscriptionFields, now: number): Promise<SubscriptionRow> {
  const row: SubscriptionRow = {
    id,
    url: f.url,
    events: JSON.stringify(f.events),
    secret: f.secret,
    description: f.description,
    active: f.active ? 1 : 0,
    max_concurrency: f.maxConcurrency,
    created_at: now,
    updated_at: now,
  };
  await db.insertInto('webhook_subscriptions').values(row).execute();
  return row;
}

export function findSubscription(db: Executor, id: string): Promise<SubscriptionRow | undefined> {
  return db.selectFrom('webhook_subscriptions').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Newest first; an installation has a handful of subscriptions, so no pagination. */
export function listSubscriptions(db: Executor): Promise<SubscriptionRow[]> {
  return db.selectFrom('webhook_subscriptions').selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').execute();
}

/** What the emit path needs, and nothing secret: it is kept in memory. */
export async function listActiveFilters(db: Executor): Promise<Array<{ id: string; events: string[]; maxConcurrency: number }>> {
  const rows = await db
    .selectFrom('webhook_subscriptions')
    .select(['id', 'events', 'max_concurrency'])
    .where('active', '=', 1)
    .orderBy('id')
    .execute();
  return rows.map((r) => ({ id: r.id, events: parseEvents(r.events), maxConcurrency: r.max_concurrency }));
}

export async function updateSubscription(
  db: Executor,
  id: string,
  f: Partial<SubscriptionFields>,
  now: number,
): Promise<SubscriptionRow | undefined> {
  await db
    .updateTable('webhook_subscriptions')
    .set({
      ...(f.url !== undefined ? { url: f.url } : {}),
      ...(f.events !== undefined ? { events: JSON.stringify(f.events) } : {}),
      ...(f.secret !== undefined ? { secret: f.secret } : {}),
      ...(f.description !== undefined ? { description: f.description } : {}),
      ...(f.active !== undefined ? { active: f.active ? 1 : 0 } : {}),
      ...(f.maxConcurrency !== undefined ? { max_concurrency: f.maxConcurrency } : {}),
      updated_at: now,
    })
    .where('id', '=', id)
    .execute();
  return findSubscription(db, id);
}

/** Deletes the subscription and, by cascade, its delivery log; queued jobs then find nothing to do. */
export async function deleteSubscription(db: Executor, id: string): Promise<boolean> {
  const r = await db.deleteFrom('webhook_subscriptions').where('id', '=', id).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

export function parseEvents(json: string): string[] {
  const v: unknown = JSON.parse(json);
  return Array.isArray(v) ? v.filter((e): e is string => typeof e === 'string') : [];
}
