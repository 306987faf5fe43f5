import { newId } from '../core/ids.ts';
import { emitContactOptedOut } from '../event-webhooks/pipeline-events.ts';
import type { Executor, JobQueue } from '../jobs/job-queue.ts';

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
 * Sets a contact's opt-in state and appends it to the ledger, in the caller's transaction; an
 * opt-out emits `contact.opted_out`. Recording the state it already has still adds a ledger line
 * (a renewed consent is evidence too) but emits nothing. Returns whether the state changed.
 */
export async function recordOptChange(db: Executor, jobs: JobQueue, c: OptChange): Promise<boolean> {
  const current = await db.selectFrom('contacts').select('opted_in').where('id', '=', c.contactId).executeTakeFirstOrThrow();
  const value = c.optedIn ? 1 : 0;
  const changed = current.opted_in !== value;
  await db.updateTable('contacts').set({ opted_in: value, opted_in_at: c.now, updated_at: c.now }).where('id', '=', c.contactId).execute();
  await db
    .insertInto('contact_opt_events')
    .values({ id: newId('opt', c.now), contact_id: c.contactId, opted_in: value, source: c.source, actor: c.actor, note: c.note, created_at: c.now })
    .execute();
  if (changed && !c.optedIn) await emitContactOptedOut(db, jobs, { contactId: c.contactId, source: c.source, by: c.actor, note: c.note, now: c.now });
  return changed;
}
