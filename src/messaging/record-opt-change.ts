import { type OptChange, storeOptChange } from '../contacts/opt-in-ledger.ts';
import { emitContactOptedOut } from '../event-webhooks/pipeline-events.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import type { Executor } from '../storage/executor.ts';

/**
 * Records a contact's opt-in change (opt-in-ledger.ts) and, when it is an opt-out that changed the
 * state, emits `contact.opted_out` in the same transaction. Returns whether the state changed.
 */
export async function recordOptChange(db: Executor, jobs: JobQueue, c: OptChange): Promise<boolean> {
  const changed = await storeOptChange(db, c);
  if (changed && !c.optedIn)
    await emitContactOptedOut(db, jobs, { contactId: c.contactId, source: c.source, by: c.actor, note: c.note, now: c.now });
  return changed;
}
