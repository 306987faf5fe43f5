import { emitEvent } from '../event-webhooks/emit-event.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import type { Executor } from '../storage/executor.ts';
import { getBroadcast } from './broadcast-store.ts';
import { broadcastView } from './broadcast-views.ts';

export type BroadcastEventType = 'broadcast.started' | 'broadcast.paused' | 'broadcast.completed' | 'broadcast.failed';

/** A broadcast changed state: its view as GET /api/v1/broadcasts/:id gives it, in the transaction that changed it. */
export async function emitBroadcastState(
  db: Executor,
  jobs: JobQueue,
  type: BroadcastEventType,
  input: { broadcastId: string; now: number },
): Promise<void> {
  await emitEvent(
    db,
    { jobs },
    type,
    async () => {
      const b = await getBroadcast(db, input.broadcastId);
      return { broadcast: b ? await broadcastView(db, b) : { id: input.broadcastId } };
    },
    input,
  );
}

export async function emitRecipientFailed(
  db: Executor,
  jobs: JobQueue,
  input: { broadcastId: string; contactId: string; messageId: string; code: string | null; message: string | null; now: number },
): Promise<void> {
  await emitEvent(
    db,
    { jobs },
    'broadcast.recipient.failed',
    {
      broadcast_id: input.broadcastId,
      contact_id: input.contactId,
      message_id: input.messageId,
      error: { code: input.code, message: input.message },
    },
    input,
  );
}
