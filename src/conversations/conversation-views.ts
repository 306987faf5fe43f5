import type { ConversationRow } from './conversation-store.ts';
import { customerWindow } from './customer-window.ts';
import type { MessageRow } from './message-store.ts';

/** API shapes: snake_case, ISO times, JSON columns parsed. */
export function conversationView(
  c: ConversationRow & { contact_name: string | null; contact_wa_id: string; contact_phone: string | null },
  now: number,
) {
  const w = customerWindow(c.last_customer_message_at, now);
  return {
    id: c.id,
    status: c.status,
    channel_id: c.channel_id,
    contact: { id: c.contact_id, name: c.contact_name, wa_id: c.contact_wa_id, phone: c.contact_phone },
    last_message_preview: c.last_message_preview,
    last_message_at: iso(c.last_message_at),
    last_customer_message_at: iso(c.last_customer_message_at),
    unread_count: c.unread_count,
    window: w.open ? { open: true, closes_at: iso(w.closesAt) } : { open: false, closed_at: iso(w.closedAt) },
    created_at: iso(c.created_at),
    updated_at: iso(c.updated_at),
  };
}

export function messageView(m: MessageRow) {
  return {
    id: m.id,
    conversation_id: m.conversation_id,
    direction: m.direction,
    external_id: m.external_id,
    kind: m.kind,
    text: m.text,
    content: JSON.parse(m.content),
    status: m.status,
    status_at: iso(m.status_at),
    error: m.error_code ? { code: m.error_code, message: m.error_message } : null,
    reply_to: m.reply_to_external_id,
    author: m.author,
    sent_at: iso(m.sent_at),
    created_at: iso(m.created_at),
  };
}

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}
