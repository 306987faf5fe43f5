import { sql } from 'kysely';
import type { Executor } from '../storage/executor.ts';
import { type RawQuery, rawQuery, runRaw } from '../storage/raw-query.ts';

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
  // One row per key (PostgreSQL refuses an upsert that touches a row twice).
  const byKey = new Map<string, { n: number; amount: number }>();
  for (const d of deltas) {
    if (d.key === UNCOUNTED) continue;
    const t = byKey.get(d.key) ?? { n: 0, amount: 0 };
    t.n += d.n ?? 0;
    t.amount += d.amount ?? 0;
    byKey.set(d.key, t);
  }
  const sorted = [...byKey].map(([key, t]) => ({ key, ...t })).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  if (sorted.length === 0) return;
  // One statement for all the keys (a status callback moves two or three): every callback of a
  // broadcast's message runs it, so it is prebuilt SQL, not the query builder (raw-query.ts).
  await runRaw(
    db,
    upsertFor(sorted.length),
    sorted.flatMap((d) => [broadcastId, d.key, d.n, d.amount]),
  );
}

const upserts = new Map<number, RawQuery>();
function upsertFor(rows: number): RawQuery {
  let q = upserts.get(rows);
  if (!q) {
    q = rawQuery(
      `insert into "broadcast_tallies" ("broadcast_id", "key", "n", "amount") values ${Array.from({ length: rows }, () => '(?, ?, ?, ?)').join(', ')}
       on conflict ("broadcast_id", "key") do update set "n" = "broadcast_tallies"."n" + excluded."n", "amount" = "broadcast_tallies"."amount" + excluded."amount"`,
    );
    if (rows <= 8) upserts.set(rows, q);
  }
  return q;
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

// The counters and the in-flight recipients by their message's status now (queued, sending,
// accepted, failed...: not yet moved on by a callback or a tick; read by index, in flight only), in
// one statement: one snapshot. Read one after the other, a recipient settled between the two reads
// (moved from in flight into a counter) was in neither, and a live total came out short under load.
const COUNTS = rawQuery(
  `select "key", "n", "amount", 0 as "in_flight" from "broadcast_tallies" where "broadcast_id" = ?
   union all
   select m."status" as "key", count(*) as "n", 0 as "amount", 1 as "in_flight"
   from "broadcast_recipients" r join "messages" m on m."id" = r."message_id"
   where r."broadcast_id" = ? and r."status" = ? group by m."status"`,
);

/** For the live view: the counters (as readTallies reads them) and the in-flight recipients by their message's status, as of one moment. */
export async function readCounts(
  db: Executor,
  broadcastId: string,
): Promise<{ tallies: Map<string, { n: number; amount: number }>; inFlight: Array<{ status: string; n: number }> }> {
  const rows = await runRaw<{ key: string; n: number | string; amount: number | string; in_flight: number | string }>(db, COUNTS, [
    broadcastId,
    broadcastId,
    UNCOUNTED,
  ]);
  const tallies = new Map<string, { n: number; amount: number }>();
  const inFlight: Array<{ status: string; n: number }> = [];
  for (const r of rows) {
    if (Number(r.in_flight) === 1) inFlight.push({ status: r.key, n: Number(r.n) });
    else tallies.set(r.key, { n: Number(r.n), amount: Number(r.amount) });
  }
  return { tallies, inFlight };
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
