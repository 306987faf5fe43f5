import type { Executor } from '../jobs/job-queue.ts';
import { insertPendingMedia } from './customer-media-store.ts';

const KINDS: ReadonlySet<string> = new Set(['image', 'video', 'audio', 'document', 'sticker']);

/**
 * A file we sent by `media_id` (an upload through POST /api/v1/media) has no copy here: the bytes
 * went to WhatsApp. GET /api/v1/media/:id of that message records it like a customer's file
 * (pending, with the upload's id: `recordSentMedia`), so the customer-media path fetches it back
 * from WhatsApp (its media-URL lookup answers for uploaded ids too, for 30 days), keeps it under
 * DATA_DIR/media and lets retention delete it.
 * https://developers.facebook.com/docs/whatsapp/cloud-api/reference/media#retrieve-media-url
 */
export interface SentMedia {
  messageId: string;
  conversationId: string;
  channelId: string;
  providerMediaId: string;
  kind: string;
  filename?: string;
}

/** The upload an outbound message sent; undefined for anything else (inbound, text, media sent by link). */
export async function findSentMedia(db: Executor, messageId: string): Promise<SentMedia | undefined> {
  const m = await db
    .selectFrom('messages')
    .select(['id', 'conversation_id', 'channel_id', 'direction', 'content'])
    .where('id', '=', messageId)
    .executeTakeFirst();
  if (m?.direction !== 'out') return undefined;
  const c = parse(m.content);
  if (typeof c.type !== 'string' || !KINDS.has(c.type) || typeof c.mediaId !== 'string') return undefined;
  return {
    messageId: m.id,
    conversationId: m.conversation_id,
    channelId: m.channel_id,
    providerMediaId: c.mediaId,
    kind: c.type,
    ...(typeof c.filename === 'string' ? { filename: c.filename } : {}),
  };
}

/** Records it as a file to fetch (pending); a second call changes nothing. */
export async function recordSentMedia(db: Executor, sent: SentMedia, now: number): Promise<void> {
  await insertPendingMedia(db, { ...sent, now });
}

function parse(json: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(json);
    return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
