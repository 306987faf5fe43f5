import type { JobQueue } from '../jobs/job-queue.ts';
import type { Executor } from '../storage/executor.ts';
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
  const r = await joined(db).where('r.message_id', '=', messageId).executeTakeFirst();
  if (r) await syncRecipient(db, jobs, r, now);
}

/**
 * The broadcast's recipients still `queued` (handed out, not yet accepted by Graph nor failed):
 * their messages moved on the outbound path (accepted, failed, unconfirmed) without a callback.
 * Read by the (broadcast_id, status) index: only the ones in flight, never the whole broadcast.
 */
export async function syncInFlight(db: Executor, jobs: JobQueue, broadcastId: string, now: number): Promise<void> {
  const rows = await joined(db).where('r.broadcast_id', '=', broadcastId).where('r.status', '=', 'queued').execute();
  for (const r of rows) await syncRecipient(db, jobs, r, now);
}

async function syncRecipient(db: Executor, jobs: JobQueue, r: Joined, now: number): Promise<void> {
  const next = recipientStatus('queued', r.message_status);
  const priced = r.cost === null && r.price !== null;
  if (next === r.status && !priced) return;
  const failed = next === 'failed' && r.status !== 'failed';
  const moved = await db
    .updateTable('broadcast_recipients')
    .set({
      status: next,
      ...(priced ? { cost: Number(r.price) } : {}),
      ...(failed ? { state: 'failed', error_code: r.error_code, error_message: r.error_message } : {}),
    })
    .where('broadcast_id', '=', r.broadcast_id)
    .where('contact_id', '=', r.contact_id)
    .where('status', '=', r.status) // a concurrent sync that moved it first wins; this one is a no-op
    .executeTakeFirst();
  if (Number(moved.numUpdatedRows) === 0) return;
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
