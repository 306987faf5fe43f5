import { sql } from 'kysely';
import type { Executor } from '../storage/executor.ts';

/**
 * Counters per broadcast, one row per key: each funnel status (`pending`, `queued`, `sent`,
 * `delivered`, `read`, `failed`, `unconfirmed`: recipients there now), `replied`, `button:<payload>`
 * (presses), `cost` (recorded, in `amount`) and `estimate`. Updated in the transaction that moves a
 * recipient, so a live GET reads a dozen rows instead of counting every recipient.
 */
export interface TallyDelta {
  key: string;
  n?: number;
  amount?: number;
}

export async function addTallies(db: Executor, broadcastId: string, deltas: readonly TallyDelta[]): Promise<void> {
  // Sorted by key: two transactions moving recipients lock the rows in the same order (no deadlock on PostgreSQL).
  const sorted = [...deltas].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  for (const d of sorted) {
    await db
      .insertInto('broadcast_tallies')
      .values({ broadcast_id: broadcastId, key: d.key, n: d.n ?? 0, amount: d.amount ?? 0 })
      .onConflict((oc) =>
        oc.columns(['broadcast_id', 'key']).doUpdateSet({
          n: sql`broadcast_tallies.n + ${d.n ?? 0}`,
          amount: sql`broadcast_tallies.amount + ${d.amount ?? 0}`,
        }),
      )
      .execute();
  }
}

/** A recipient moved from one funnel status to another. */
export async function moveTally(db: Executor, broadcastId: string, from: string, to: string): Promise<void> {
  if (from !== to)
    await addTallies(db, broadcastId, [
      { key: from, n: -1 },
      { key: to, n: 1 },
    ]);
}

export async function readTallies(db: Executor, broadcastId: string): Promise<Map<string, { n: number; amount: number }>> {
  const rows = await db.selectFrom('broadcast_tallies').select(['key', 'n', 'amount']).where('broadcast_id', '=', broadcastId).execute();
  return new Map(rows.map((r) => [r.key, { n: Number(r.n), amount: Number(r.amount) }]));
}

export async function tally(db: Executor, broadcastId: string, key: string): Promise<number> {
  const row = await db
    .selectFrom('broadcast_tallies')
    .select('n')
    .where('broadcast_id', '=', broadcastId)
    .where('key', '=', key)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}
