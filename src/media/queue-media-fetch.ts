import type { InboundMedia } from '../channels/channel-types.ts';
import type { Deps } from '../deps.ts';
import type { Executor } from '../jobs/job-queue.ts';
import { insertPendingMedia } from './customer-media-store.ts';
import { enqueueJob } from '../jobs/job-definition.ts';
import { JOBS } from '../jobs/job-catalog.ts';

/**
 * A customer message with media: record it as pending and enqueue its download in the transaction
 * that stores the message (WhatsApp's media links expire, so it is fetched at once, not on demand).
 * The job key makes a redelivered webhook add no second download.
 */
export async function queueMediaFetch(
  deps: Pick<Deps, 'jobs'>,
  db: Executor,
  input: { messageId: string; conversationId: string; channelId: string; kind: string; media: InboundMedia; now: number },
): Promise<void> {
  const { media } = input;
  await insertPendingMedia(db, {
    messageId: input.messageId,
    conversationId: input.conversationId,
    channelId: input.channelId,
    providerMediaId: media.id,
    kind: input.kind,
    ...(media.mimeType ? { mimeType: media.mimeType } : {}),
    ...(media.filename ? { filename: media.filename } : {}),
    now: input.now,
  });
  await enqueueJob(db, deps.jobs, JOBS.mediaFetch, { messageId: input.messageId });
}
