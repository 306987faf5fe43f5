import { sql } from 'kysely';
import type { Deps } from '../deps.ts';

/** Work waiting, as /metrics and GET /api/v1/status report it. Ages in ms (null: nothing waits). */
export interface Backlogs {
  webhookEvents: { pending: number; oldestAgeMs: number | null };
  jobs: { pending: number; oldestAgeMs: number | null };
  eventDeliveries: { pending: number; oldestAgeMs: number | null };
  flowSessionsActive: number;
}

/** A few indexed counts: run when scraped or asked for, never per message. */
export async function readBacklogs(deps: Pick<Deps, 'storage' | 'jobs' | 'clock'>): Promise<Backlogs> {
  const { db } = deps.storage;
  const now = deps.clock.now();
  const age = (oldest: unknown) => (oldest === null || oldest === undefined ? null : Math.max(0, now - Number(oldest)));
  const [events, jobs, deliveries, flows] = await Promise.all([
    db
      .selectFrom('webhook_events')
      .select([sql<number>`count(*)`.as('n'), sql<number | null>`min(received_at)`.as('oldest')])
      .where('status', '=', 'pending')
      .executeTakeFirst(),
    deps.jobs.backlog(),
    db
      .selectFrom('webhook_deliveries')
      .select([sql<number>`count(*)`.as('n'), sql<number | null>`min(created_at)`.as('oldest')])
      .where('status', '=', 'pending')
      .executeTakeFirst(),
    db.selectFrom('flow_sessions').select(sql<number>`count(*)`.as('n')).where('status', 'in', ['active', 'waiting']).executeTakeFirst(),
  ]);
  return {
    webhookEvents: { pending: Number(events?.n ?? 0), oldestAgeMs: age(events?.oldest) },
    jobs: { pending: jobs.count, oldestAgeMs: age(jobs.oldestAt) },
    eventDeliveries: { pending: Number(deliveries?.n ?? 0), oldestAgeMs: age(deliveries?.oldest) },
    flowSessionsActive: Number(flows?.n ?? 0),
  };
}
