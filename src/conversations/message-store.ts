import type { Executor } from '../jobs/job-queue.ts';
import { newId } from '../core/ids.ts';
import type { InboundMessage, OutboundContent } from '../channels/channel-types.ts';

export interface MessageRow {
  id: string;
  seq: number;
  conversation_id: string;
  channel_id: string;
  direction: string;
  external_id: string | null;
  kind: string;
  text: string | null;
  content: string;
  raw: string | null;
  status: string;
  status_at: number | null;
  error_code: string | null;
  error_message: string | null;
  reply_to_external_id: string | null;
  sent_at: number;
  created_at: number;
  attempts: number;
  author: string | null;
}

/** Stores an inbound message once per wamid; returns its id, or null when it was a duplicate. */
export async function insertInbound(db: Executor, input: { conversationId: string; channelId: string; message: InboundMessage; now: number }): Promise<string | null> {
  const m = input.message;
  const { raw, ...normalised } = m;
  const id = newId('msg', input.now);
  const result = await db
    .insertInto('messages')
    .values({
      id,
      conversation_id: input.conversationId,
      channel_id: input.channelId,
      direction: 'in',
      external_id: m.externalId,
      kind: m.kind,
      text: m.text ?? null,
      content: JSON.stringify(normalised),
      raw: JSON.stringify(raw),
      status: 'received',
      status_at: input.now,
      error_code: m.errors?.[0] ? String(m.errors[0].code) : null,
      error_message: m.errors?.[0]?.message ?? m.errors?.[0]?.title ?? null,
      reply_to_external_id: m.context?.messageId ?? null,
      sent_at: m.sentAt,
      created_at: input.now,
      attempts: 0,
      author: 'customer',
    })
    .onConflict((oc) => oc.columns(['channel_id', 'external_id']).where('external_id', 'is not', null).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0 ? id : null;
}

/** Records the intent to send before anything is handed to the Graph API. */
export async function insertOutbound(
  db: Executor,
  input: { conversationId: string; channelId: string; content: OutboundContent; replyTo?: string; author: string; now: number },
): Promise<MessageRow> {
  const row: Omit<MessageRow, 'seq'> = {
    id: newId('msg', input.now),
    conversation_id: input.conversationId,
    channel_id: input.channelId,
    direction: 'out',
    external_id: null,
    kind: input.content.type,
    text: previewOf(input.content),
    content: JSON.stringify(input.content),
    raw: null,
    status: 'queued',
    status_at: input.now,
    error_code: null,
    error_message: null,
    reply_to_external_id: input.replyTo ?? null,
    sent_at: input.now,
    created_at: input.now,
    attempts: 0,
    author: input.author,
  };
  const inserted = await db.insertInto('messages').values(row).returning('seq').executeTakeFirstOrThrow();
  return { ...row, seq: Number(inserted.seq) };
}

function previewOf(c: OutboundContent): string | null {
  switch (c.type) {
    case 'text':
      return c.text;
    case 'buttons':
    case 'list':
    case 'cta_url':
      return c.body;
    case 'image':
    case 'video':
    case 'document':
    case 'audio':
    case 'sticker':
      return c.caption ?? null;
    case 'location':
      return c.name ?? null;
    case 'template':
      return c.name;
    case 'reaction':
      return c.emoji;
    case 'contacts':
      return null;
  }
}
