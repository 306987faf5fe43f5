import { sql } from 'kysely';
import type { Executor } from '../storage/executor.ts';

/**
 * Counters per broadcast, one row per key: each funnel status (`pending`, `sent`, `delivered`,
 * `read`, `failed`, `unconfirmed`: recipients there now), `replied`, `button:<payload>` (presses),
 * `code:<error>`, `cost` (recorded, in `amount`) and `estimate`. Updated in the transaction that
 * moves a recipient, so a live GET reads a dozen rows instead of counting every recipient.
 *
 * `queued` (handed out, not settled) has no row: it is counted by the (broadcast_id, status) index,
 * a range no larger than what is in flight. So a hand-out touches only `pending`, and the status
 * callbacks' transactions (which may batch many webhooks) never hold a row a hand-out waits for.
 */
export const UNCOUNTED = 'queued';
export interface TallyDelta {
  key: string;
  n?: number;
  amount?: number;
}

export async function addTallies(db: Executor, broadcastId: string, deltas: readonly TallyDelta[]): Promise<void> {
  // Sorted by key: two transactions moving recipients lock the rows in the same order (no deadlock on PostgreSQL).
  const sorted = deltas.filter((d) => d.key !== UNCOUNTED).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
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

export async function readTallies(db: Executor, broadcastId: string): Promise<Map<string, { n: number; amount: number }>> {
  const rows = await db.selectFrom('broadcast_tallies').select(['key', 'n', 'amount']).where('broadcast_id', '=', broadcastId).execute();
  return new Map(rows.map((r) => [r.key, { n: Number(r.n), amount: Number(r.amount) }]));
}

/** Recipients handed out and not settled yet (accepted by Graph, failed or unconfirmed), by index. */
export async function inFlight(db: Executor, broadcastId: string): Promise<number> {
  const row = await db
    .selectFrom('broadcast_recipients')
    .select(sql<number>`count(*)`.as('n'))
    .where('broadcast_id', '=', broadcastId)
    .where('status', '=', UNCOUNTED)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/**
 * The in-flight recipients by their message's status now (queued, sending, accepted, failed...),
 * for the live view: those not yet moved on by a callback or a tick. Read by index, in-flight only.
 */
export async function inFlightByMessage(db: Executor, broadcastId: string): Promise<Array<{ status: string; n: number }>> {
  const rows = await db
    .selectFrom('broadcast_recipients as r')
    .innerJoin('messages as m', 'm.id', 'r.message_id')
    .select(['m.status', sql<number>`count(*)`.as('n')])
    .where('r.broadcast_id', '=', broadcastId)
    .where('r.status', '=', UNCOUNTED)
    .groupBy('m.status')
    .execute();
  return rows.map((r) => ({ status: r.status, n: Number(r.n) }));
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
