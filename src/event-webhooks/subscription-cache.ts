import type { Executor, JobQueue } from '../jobs/job-queue.ts';
import { subscribesTo, type DeliverableEventType } from './event-types.ts';
import { listActiveFilters } from './subscription-store.ts';

export interface ActiveSubscription {
  id: string;
  events: readonly string[];
  maxConcurrency: number;
}

/**
 * Changes made through another process (PostgreSQL, several processes) are seen after this long;
 * changes made here are seen at once (the routes invalidate).
 */
const REFRESH_MS = 5_000;

/**
 * The active subscriptions, in memory: emitting sits on the ingest hot path, and with nothing
 * subscribed it must cost a check, not a query. Holds no secrets or URLs.
 */
export class SubscriptionCache {
  private list: readonly ActiveSubscription[] | undefined;
  private loadedAt = 0;
  private generation = 0;

  /** Synchronous answer when the cache is fresh; `undefined` means "load first". */
  peek(type: DeliverableEventType, scope?: string): readonly ActiveSubscription[] | undefined {
    if (this.list === undefined || Date.now() - this.loadedAt > REFRESH_MS) return undefined;
    return this.list.length === 0 ? this.list : this.list.filter((s) => subscribesTo(s.events, type, scope));
  }

  /** Loads through `db`, the caller's transaction: on SQLite another connection would wait on it. */
  async matching(db: Executor, type: DeliverableEventType, scope?: string): Promise<readonly ActiveSubscription[]> {
    const cached = this.peek(type, scope);
    if (cached) return cached;
    const generation = this.generation;
    const loaded = await listActiveFilters(db);
    // A change committed while this was loading invalidated it again: keep the answer, not the cache.
    if (generation === this.generation) {
      this.list = loaded;
      this.loadedAt = Date.now();
    }
    return loaded.filter((s) => subscribesTo(s.events, type, scope));
  }

  /** Call after a subscription change commits. */
  invalidate(): void {
    this.generation++;
    this.list = undefined;
  }
}

// One cache per running Switchboard; the job queue is the one object every emit site already has.
const caches = new WeakMap<JobQueue, SubscriptionCache>();

export function subscriptionCache(jobs: JobQueue): SubscriptionCache {
  let cache = caches.get(jobs);
  if (!cache) caches.set(jobs, (cache = new SubscriptionCache()));
  return cache;
}
