import type { Executor } from '../jobs/job-queue.ts';

/** Where a customer's file stands: see migration 0016-customer-media. */
export type MediaFileStatus = 'pending' | 'stored' | 'too_large' | 'expired' | 'failed';

export interface MediaFileRow {
  message_id: string;
  conversation_id: string;
  channel_id: string;
  provider_media_id: string;
  kind: string;
  mime_type: string | null;
  filename: string | null;
  status: string;
  size: number | null;
  error: string | null;
  created_at: number;
  stored_at: number | null;
  downloads: number;
}

/** Records that an inbound message carries media to fetch; in the transaction that stores the message. */
export async function insertPendingMedia(
  db: Executor,
  input: {
    messageId: string;
    conversationId: string;
    channelId: string;
    providerMediaId: string;
    kind: string;
    mimeType?: string;
    filename?: string;
    now: number;
  },
): Promise<void> {
  await db
    .insertInto('media_files')
    .values({
      message_id: input.messageId,
      conversation_id: input.conversationId,
      channel_id: input.channelId,
      provider_media_id: input.providerMediaId,
      kind: input.kind,
      mime_type: input.mimeType ?? null,
      filename: input.filename ?? null,
      status: 'pending',
      size: null,
      error: null,
      created_at: input.now,
      stored_at: null,
    })
    .onConflict((oc) => oc.column('message_id').doNothing())
    .execute();
}

export async function findMediaFile(db: Executor, messageId: string): Promise<MediaFileRow | undefined> {
  return db.selectFrom('media_files').selectAll().where('message_id', '=', messageId).executeTakeFirst();
}

/** The bytes are on disk: size, their type (WhatsApp's answer wins over the webhook's when given), one more download counted. */
export async function markMediaStored(
  db: Executor,
  messageId: string,
  input: { size: number; mimeType: string | null; now: number },
): Promise<void> {
  const set = {
    status: 'stored',
    size: input.size,
    error: null,
    stored_at: input.now,
    ...(input.mimeType ? { mime_type: input.mimeType } : {}),
  };
  await db
    .updateTable('media_files')
    .set((eb) => ({ ...set, downloads: eb('downloads', '+', 1) }))
    .where('message_id', '=', messageId)
    .execute();
}

export async function markMediaFailed(
  db: Executor,
  messageId: string,
  status: Exclude<MediaFileStatus, 'stored' | 'pending'>,
  error: string,
): Promise<void> {
  await db.updateTable('media_files').set({ status, error }).where('message_id', '=', messageId).execute();
}

/** Stored files kept since before `before`: what the retention sweep deletes (a batch at a time). */
export async function listMediaStoredBefore(db: Executor, before: number, limit: number): Promise<Array<{ message_id: string }>> {
  return db
    .selectFrom('media_files')
    .select('message_id')
    .where('status', '=', 'stored')
    .where('stored_at', '<', before)
    .orderBy('stored_at')
    .limit(limit)
    .execute();
}

/** The retention sweep deleted the file: it is not fetched again (retention means the business no longer keeps it). */
export async function markMediaPurged(db: Executor, messageId: string): Promise<void> {
  await db
    .updateTable('media_files')
    .set({ status: 'expired', error: 'deleted after MEDIA_RETENTION_DAYS' })
    .where('message_id', '=', messageId)
    .where('status', '=', 'stored')
    .execute();
}
