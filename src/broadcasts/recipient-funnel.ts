import type { Kysely } from 'kysely';
import type { JobQueue } from '../jobs/job-queue.ts';
import type { Database } from '../storage/database-types.ts';
import type { Executor } from '../storage/executor.ts';
import { dialectOf } from '../storage/dialect.ts';
import { rawQuery, runRaw, runRawChanges } from '../storage/raw-query.ts';
import { emitRecipientFailed } from './broadcast-events.ts';
import { recipientStatus } from './broadcast-store.ts';
import { addTallies, type TallyDelta } from './broadcast-tallies.ts';

interface Joined {
  broadcast_id: string;
  contact_id: string;
  status: string;
  cost: number | null;
  message_id: string;
  message_status: string;
  error_code: string | null;
  error_message: string | null;
  price: number | null;
}

const joined = (db: Executor) =>
  db
    .selectFrom('broadcast_recipients as r')
    .innerJoin('messages as m', 'm.id', 'r.message_id')
    .select([
      'r.broadcast_id',
      'r.contact_id',
      'r.status',
      'r.cost',
      'm.id as message_id',
      'm.status as message_status',
      'm.error_code',
      'm.error_message',
      'm.price',
    ]);

/**
 * A status callback (or the pricing it carried) changed a message: if it is a broadcast's, its
 * recipient follows it in the funnel and the broadcast's counters move with it; a failure marks
 * the recipient failed with the code and announces `broadcast.recipient.failed` (also after the
 * broadcast completed). One indexed lookup for any other message.
 */
export async function syncRecipientOfMessage(db: Executor, jobs: JobQueue, messageId: string, now: number): Promise<void> {
  const [r] = await runRaw<Joined>(db, SELECT_BY_MESSAGE, [messageId]);
  if (r) await syncRecipient(db, jobs, r, now);
}

// Every status callback of every outbound message runs these (three per broadcast recipient):
// prebuilt SQL, not the query builder (raw-query.ts).
const SELECT_BY_MESSAGE = rawQuery(
  `select r."broadcast_id", r."contact_id", r."status", r."cost", m."id" as "message_id", m."status" as "message_status",
     m."error_code", m."error_message", m."price"
   from "broadcast_recipients" r join "messages" m on m."id" = r."message_id" where r."message_id" = ?`,
);
// Flags as 1/0 (SQLite binds no booleans). Only from the status read: a concurrent sync that moved it first wins.
const MOVE_RECIPIENT = rawQuery(
  `update "broadcast_recipients" set "status" = ?,
     "cost" = case when ? = 1 then ? else "cost" end,
     "state" = case when ? = 1 then 'failed' else "state" end,
     "error_code" = case when ? = 1 then ? else "error_code" end,
     "error_message" = case when ? = 1 then ? else "error_message" end
   where "broadcast_id" = ? and "contact_id" = ? and "status" = ?`,
);

/**
 * The broadcast's recipients still `queued` (handed out, not yet accepted by Graph nor failed):
 * their messages moved on the outbound path (accepted, failed, unconfirmed) without a callback.
 * Read by the (broadcast_id, status) index: only the ones in flight, never the whole broadcast.
 *
 * Each recipient's move commits with its counters, in its own short transaction (a process killed
 * between the two, as each statement committing on its own allowed, left a recipient out of the
 * counts); not one transaction for the tick: on PostgreSQL that held every moved recipient's row
 * while status callbacks waited for them (seconds, measured), and could deadlock with a callback
 * batch holding a counter row.
 */
export async function syncInFlight(db: Kysely<Database>, jobs: JobQueue, broadcastId: string, now: number): Promise<void> {
  const rows = await joined(db).where('r.broadcast_id', '=', broadcastId).where('r.status', '=', 'queued').execute();
  for (const r of rows) if (moveOf(r) !== null) await db.transaction().execute((trx) => syncRecipient(trx, jobs, r, now));
}

/** What a recipient's message says it should become: its next status, whether it was priced, whether it failed now. */
function moveOf(r: Joined): { next: ReturnType<typeof recipientStatus>; priced: boolean; failed: boolean } | null {
  const next = recipientStatus('queued', r.message_status);
  const priced = r.cost === null && r.price !== null;
  if (next === r.status && !priced) return null;
  return { next, priced, failed: next === 'failed' && r.status !== 'failed' };
}

// PostgreSQL: whatever moves a broadcast's recipients and counters takes this lock first (until its
// commit). A callback batch moves several recipients, then counters, in one transaction, and a
// tick's sync a recipient then counters: without it each could hold a row the other waits for
// (deadlock 40P01, seen in broadcast-tick-scale.test.ts). One more statement per move, PostgreSQL only.
const FUNNEL_LOCK = rawQuery(`select pg_advisory_xact_lock(17017, hashtext(?))`);

/** Takes the broadcast's funnel lock for the rest of the transaction (PostgreSQL; SQLite has one writer). */
export async function lockFunnel(db: Executor, broadcastId: string): Promise<void> {
  if (dialectOf(db).name === 'postgres') await runRaw(db, FUNNEL_LOCK, [broadcastId]);
}

/** Moves one recipient after its message, with its counters (and announces a failure). */
async function syncRecipient(db: Executor, jobs: JobQueue, r: Joined, now: number): Promise<void> {
  const move = moveOf(r);
  if (move === null) return;
  await lockFunnel(db, r.broadcast_id);
  const { next, priced, failed } = move;
  const p = priced ? 1 : 0;
  const f = failed ? 1 : 0;
  const moved = await runRawChanges(db, MOVE_RECIPIENT, [
    next,
    p,
    priced ? Number(r.price) : null,
    f,
    f,
    r.error_code,
    f,
    r.error_message,
    r.broadcast_id,
    r.contact_id,
    r.status,
  ]);
  if (moved === 0) return;
  const deltas: TallyDelta[] = [];
  if (next !== r.status) deltas.push({ key: r.status, n: -1 }, { key: next, n: 1 });
  if (priced) deltas.push({ key: 'cost', n: 1, amount: Number(r.price) });
  if (failed) deltas.push({ key: `code:${r.error_code ?? 'unknown'}`, n: 1 });
  await addTallies(db, r.broadcast_id, deltas);
  if (failed)
    await emitRecipientFailed(db, jobs, {
      broadcastId: r.broadcast_id,
      contactId: r.contact_id,
      messageId: r.message_id,
      code: r.error_code,
      message: r.error_message,
      now,
    });
}
