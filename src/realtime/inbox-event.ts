/** What the inbox stream carries. The wire form names ids only: receivers load the details. */
export const INBOX_EVENT_TYPES = [
  'message.new',
  'message.status',
  'conversation.updated',
  'conversation.assigned',
  'conversation.bot_paused',
  'conversation.bot_resumed',
  'typing',
  'note.mentioned',
] as const;
export type InboxEventType = (typeof INBOX_EVENT_TYPES)[number];

/** Message events may name only the message (the hot path does not look its conversation up). */
export interface InboxEvent {
  type: InboxEventType;
  conversationId?: string;
  messageId?: string;
  /** typing: the agent who types (not echoed back to them); note.mentioned: the agent mentioned. */
  userId?: string;
  /** Fields sent as they are beside the conversation (conversation.assigned: reason, by, previous...); kept in the replay log, not in the NOTIFY wake-up. */
  detail?: Record<string, unknown>;
}

/** Compact JSON, far below PostgreSQL's 8000-byte NOTIFY payload limit (ids are ~40 characters). */
export function encodeInboxEvent(e: InboxEvent): string {
  return JSON.stringify({
    t: e.type,
    ...(e.conversationId ? { c: e.conversationId } : {}),
    ...(e.messageId ? { m: e.messageId } : {}),
    ...(e.userId ? { u: e.userId } : {}),
  });
}

/** Anything malformed (another version, a stray NOTIFY on the channel) is dropped, not thrown. */
export function decodeInboxEvent(payload: string): InboxEvent | null {
  let v: unknown;
  try {
    v = JSON.parse(payload);
  } catch {
    return null;
  }
  if (typeof v !== 'object' || v === null) return null;
  const o: Record<string, unknown> = { ...v };
  const type = INBOX_EVENT_TYPES.find((t) => t === o.t);
  if (!type || (typeof o.c !== 'string' && typeof o.m !== 'string')) return null;
  return {
    type,
    ...(typeof o.c === 'string' ? { conversationId: o.c } : {}),
    ...(typeof o.m === 'string' ? { messageId: o.m } : {}),
    ...(typeof o.u === 'string' ? { userId: o.u } : {}),
  };
}
