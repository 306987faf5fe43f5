import { sql, type Insertable, type Selectable } from 'kysely';
import { rawQuery, runRawChanges } from '../storage/raw-query.ts';
import type { Database } from '../storage/database-types.ts';
import type { Executor } from '../storage/executor.ts';

export type BroadcastRow = Selectable<Database['broadcasts']>;
export type RecipientRow = Selectable<Database['broadcast_recipients']>;

export const BROADCAST_STATES = ['draft', 'scheduled', 'running', 'paused', 'completed', 'cancelled', 'failed'] as const;
export type BroadcastState = (typeof BROADCAST_STATES)[number];
export const isEnded = (s: string): boolean => s === 'completed' || s === 'cancelled' || s === 'failed';

/** A recipient's place in the funnel, from its row and the message it became. */
export const RECIPIENT_STATUSES = ['pending', 'queued', 'sent', 'delivered', 'read', 'failed', 'unconfirmed'] as const;
export type RecipientStatus = (typeof RECIPIENT_STATUSES)[number];

export function recipientStatus(state: string, messageStatus: string | null): RecipientStatus {
  if (state === 'pending') return 'pending';
  if (state === 'failed') return 'failed';
  switch (messageStatus) {
    case 'accepted':
    case 'sent':
      return 'sent';
    case 'delivered':
      return 'delivered';
    case 'read':
    case 'played':
      return 'read';
    case 'failed':
      return 'failed';
    case 'unconfirmed':
      return 'unconfirmed';
    default:
      return 'queued';
  }
}

export async function insertBroadcast(db: Executor, row: BroadcastRow): Promise<void> {
  await db.insertInto('broadcasts').values(row).execute();
}

export async function getBroadcast(db: Executor, id: string): Promise<BroadcastRow | undefined> {
  return db.selectFrom('broadcasts').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listBroadcasts(db: Executor, f: { state?: string; limit: number }): Promise<BroadcastRow[]> {
  let q = db.selectFrom('broadcasts').selectAll();
  if (f.state) q = q.where('state', '=', f.state);
  return q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(f.limit).execute();
}

/** Moves a broadcast from one of `from` to `to`; false when it was not in one of them (a concurrent change won). */
export async function moveBroadcast(
  db: Executor,
  id: string,
  from: readonly BroadcastState[],
  to: BroadcastState,
  patch: Partial<Omit<BroadcastRow, 'id' | 'state'>>,
): Promise<boolean> {
  const r = await db
    .updateTable('broadcasts')
    .set({ ...patch, state: to })
    .where('id', '=', id)
    .where('state', 'in', [...from])
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/**
 * Holds the broadcast's row for the rest of the transaction if it is still running (a no-op write:
 * PostgreSQL's row lock, SQLite's write lock), so a pause or cancel that commits first stops the
 * hand-out and one that comes later waits for it. False when it is no longer running.
 */
export async function holdRunning(db: Executor, id: string): Promise<boolean> {
  const r = await db
    .updateTable('broadcasts')
    .set((eb) => ({ updated_at: eb.ref('updated_at') }))
    .where('id', '=', id)
    .where('state', '=', 'running')
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export async function insertRecipients(db: Executor, rows: readonly Insertable<Database['broadcast_recipients']>[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 500)
    await db
      .insertInto('broadcast_recipients')
      .values(rows.slice(i, i + 500))
      .execute();
}

/**
 * The next recipients to hand to the outbound queue, in order: by the partial index of pending
 * recipients (0027), whose condition the query must spell as a literal for the planner to use it.
 */
export async function pendingRecipients(db: Executor, broadcastId: string, limit: number): Promise<RecipientRow[]> {
  return db
    .selectFrom('broadcast_recipients')
    .selectAll()
    .where('broadcast_id', '=', broadcastId)
    .where('state', '=', sql.lit('pending'))
    .orderBy('seq')
    .limit(limit)
    .execute();
}

// Every hand-out runs it (up to 1,000 a second): prebuilt SQL, not the query builder (raw-query.ts).
const MARK_QUEUED = rawQuery(
  `update "broadcast_recipients" set "state" = 'queued', "status" = 'queued', "message_id" = ?, "queued_at" = ?
   where "broadcast_id" = ? and "contact_id" = ? and "state" = 'pending'`,
);

/** Marks a pending recipient queued with its message; false when it was not pending (it must not be sent). */
export async function markQueued(db: Executor, broadcastId: string, contactId: string, messageId: string, now: number): Promise<boolean> {
  return (await runRawChanges(db, MARK_QUEUED, [messageId, now, broadcastId, contactId])) > 0;
}

export interface RecipientListRow {
  seq: number;
  contact_id: string;
  address: string;
  state: string;
  error_code: string | null;
  error_message: string | null;
  message_id: string | null;
  message_status: string | null;
  message_error_code: string | null;
  queued_at: number | null;
  price_estimate: number;
}

/** A page of recipients in send order, optionally of one funnel status (filtered after the join). */
export async function listRecipients(
  db: Executor,
  broadcastId: string,
  f: { afterSeq: number; limit: number },
): Promise<RecipientListRow[]> {
  return db
    .selectFrom('broadcast_recipients as r')
    .leftJoin('messages as m', 'm.id', 'r.message_id')
    .select([
      'r.seq',
      'r.contact_id',
      'r.address',
      'r.state',
      'r.error_code',
      'r.error_message',
      'r.message_id',
      'm.status as message_status',
      'm.error_code as message_error_code',
      'r.queued_at',
      'r.price_estimate',
    ])
    .where('r.broadcast_id', '=', broadcastId)
    .where('r.seq', '>', f.afterSeq)
    .orderBy('r.seq')
    .limit(f.limit)
    .execute();
}

/** Contacts among these that were sent a message since `since` (Meta's pair rate: 1 per 6 s to the same customer). */
export async function recentlyMessaged(db: Executor, contactIds: readonly string[], since: number): Promise<Set<string>> {
  if (contactIds.length === 0) return new Set();
  const rows = await db
    .selectFrom('messages as m')
    .innerJoin('conversations as c', 'c.id', 'm.conversation_id')
    .select('c.contact_id')
    .where('c.contact_id', 'in', [...contactIds])
    .where('m.direction', '=', 'out')
    .where('m.created_at', '>=', since)
    .execute();
  return new Set(rows.map((r) => r.contact_id));
}
