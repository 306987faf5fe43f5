import { newId } from '../core/ids.ts';
import type { Executor } from '../storage/executor.ts';

/** Who changed the state (a user id, `customer` or `system`), how (`source`) and why (`note`). */
export interface OptChange {
  contactId: string;
  optedIn: boolean;
  source: string;
  actor: string;
  note: string | null;
  now: number;
}

/**
 * Sets a contact's opt-in state and appends it to the ledger, in the caller's transaction.
 * Recording the state it already has still adds a ledger line (a renewed consent is evidence too).
 * Returns whether the state changed; the event is the use case's (messaging/record-opt-change.ts).
 */
export async function storeOptChange(db: Executor, c: OptChange): Promise<boolean> {
  const current = await db.selectFrom('contacts').select('opted_in').where('id', '=', c.contactId).executeTakeFirstOrThrow();
  const value = c.optedIn ? 1 : 0;
  const changed = current.opted_in !== value;
  await db.updateTable('contacts').set({ opted_in: value, opted_in_at: c.now, updated_at: c.now }).where('id', '=', c.contactId).execute();
  await db
    .insertInto('contact_opt_events')
    .values({
      id: newId('opt', c.now),
      contact_id: c.contactId,
      opted_in: value,
      source: c.source,
      actor: c.actor,
      note: c.note,
      created_at: c.now,
    })
    .execute();
  return changed;
}
