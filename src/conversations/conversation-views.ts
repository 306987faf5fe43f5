import { capabilitiesOf } from '../channels/channel-capabilities.ts';
import { isWaId } from '../core/whatsapp-ids.ts';
import type { ConversationRow } from './conversation-store.ts';
import { snakeCaseKeys } from '../core/snake-case-keys.ts';
import { customerWindow } from './customer-window.ts';
import { uploadLimitsOf } from './media-kinds.ts';
import type { MessageRow } from './message-store.ts';

type ViewRow = ConversationRow & {
  contact_name: string | null;
  /** The WhatsApp profile name, when the row carries it (contact_name is the name shown). */
  contact_profile_name?: string | null;
  contact_wa_id: string;
  /** The contact's own kind (whatsapp | telegram), when the row carries it: a Telegram chat id is digits too. */
  contact_kind?: string | null;
  contact_phone: string | null;
  /** WhatsApp identity (BSUID, username), when the row carries it. */
  contact_bsuid?: string | null;
  contact_username?: string | null;
  assignee_name?: string | null;
  team_name?: string | null;
  /** The newest message's type, when the row carries it (conversationQuery does). */
  last_message_type?: string | null;
} & BotPauseColumns;

/** The left-joined bot pause (BOT_PAUSE_COLUMNS); every null when the bot is not paused. */
export interface BotPauseColumns {
  bot_paused_at?: number | null;
  bot_paused_by?: string | null;
  bot_pause_reason?: string | null;
  bot_last_activity_at?: number | null;
  bot_resumes_at?: number | null;
}

/**
 * API shapes: snake_case, ISO times, JSON columns parsed. The list row, the detail's head and
 * the event payloads share this one shape, with the channel added by conversationApiView.
 * `labels` is filled when the caller loaded them.
 */
export function conversationView(c: ViewRow, now: number, extra: { labels?: string[] } = {}) {
  const w = customerWindow(c.last_customer_message_at, now);
  return {
    id: c.id,
    status: c.status,
    channel_id: c.channel_id,
    contact: {
      id: c.contact_id,
      name: c.contact_name,
      profile_name: c.contact_profile_name ?? null,
      wa_id: (c.contact_kind ?? 'whatsapp') === 'whatsapp' && isWaId(c.contact_wa_id) ? c.contact_wa_id : null,
      bsuid: c.contact_bsuid ?? null,
      username: c.contact_username ?? null,
      phone: c.contact_phone,
    },
    last_message_preview: c.last_message_preview,
    last_message_type: c.last_message_type ?? null,
    last_message_at: iso(c.last_message_at),
    last_customer_message_at: iso(c.last_customer_message_at),
    unread_count: c.unread_count,
    // One shape open or closed: the fields that do not apply are null.
    window: w.open
      ? { open: true, open_until: iso(w.closesAt), closes_at: iso(w.closesAt), closed_at: null }
      : { open: false, open_until: null, closes_at: null, closed_at: iso(w.closedAt) },
    assignee: c.assignee_id === null ? null : { id: c.assignee_id, name: c.assignee_name ?? null },
    team: c.team_id === null ? null : { id: c.team_id, name: c.team_name ?? null },
    labels: extra.labels ?? [],
    linked_record: linkedRecordView(c),
    broadcast_id: c.broadcast_id ?? null,
    snoozed_until: c.snoozed_until !== null && c.snoozed_until > now ? iso(c.snoozed_until) : null,
    bot: botView(c),
    created_at: iso(c.created_at),
    updated_at: iso(c.updated_at),
  };
}

/**
 * The conversation as the API answers it (list, detail, changes, PATCH, start, event payloads): the
 * shared view with its channel's kind and capabilities beside `channel_id`, so a client (the web
 * app's composer and list) asks "does this channel have a 24-hour window / templates?" instead of
 * knowing which channel does. `channel_kind` comes from conversationQuery (the channels table).
 */
export function conversationApiView(c: ViewRow & { channel_kind: string | null }, now: number, extra: { labels?: string[] } = {}) {
  return { ...conversationView(c, now, extra), ...channelView(c.channel_kind) };
}

/** `channel` (whatsapp | telegram) and the capabilities a client needs, snake_case. */
export function channelView(kind: string | null) {
  const channel: 'whatsapp' | 'telegram' = kind === 'telegram' ? 'telegram' : 'whatsapp';
  const cap = capabilitiesOf(channel);
  return {
    channel,
    capabilities: {
      service_window: cap.serviceWindow,
      templates: cap.templates,
      read_receipts: cap.readReceipts,
      edits: cap.edits,
      lists: cap.lists,
      reactions: cap.reactions,
      uploads: cap.uploads,
      upload_limits: uploadLimitsOf(channel),
    },
  };
}

/**
 * Whether the automated responders (flows, the demo bot) may answer: `paused` with who paused
 * (`paused_by`), why (`reason`), since when, the last agent activity, and when an idle timeout
 * lifts it (`resumes_at`, null without one).
 */
export function botView(c: BotPauseColumns) {
  if (c.bot_paused_at === null || c.bot_paused_at === undefined)
    return { paused: false, paused_by: null, reason: null, paused_at: null, last_activity_at: null, resumes_at: null };
  return {
    paused: true,
    paused_by: c.bot_paused_by ?? null,
    reason: c.bot_pause_reason ?? null,
    paused_at: iso(c.bot_paused_at),
    last_activity_at: iso(c.bot_last_activity_at ?? null),
    resumes_at: iso(c.bot_resumes_at ?? null),
  };
}

/** Response times: first response, and the average over every answered customer turn. */
export function responseTimesView(c: ConversationRow, firstCustomerMessageAt: number | null) {
  return {
    first_response_at: iso(c.first_response_at),
    first_response_ms:
      c.first_response_at !== null && firstCustomerMessageAt !== null ? Math.max(0, c.first_response_at - firstCustomerMessageAt) : null,
    responses: c.response_count,
    average_response_ms: c.response_count > 0 ? Math.round(c.response_total_ms / c.response_count) : null,
    awaiting_reply_since: iso(c.awaiting_reply_since),
    last_read_at: iso(c.last_read_at),
  };
}

export function linkedRecordView(c: Pick<ConversationRow, 'linked_record_type' | 'linked_record_id' | 'linked_record'>) {
  if (c.linked_record_type === null || c.linked_record_id === null) return null;
  const extra = parseObject(c.linked_record);
  return {
    type: c.linked_record_type,
    id: c.linked_record_id,
    url: typeof extra.url === 'string' ? extra.url : null,
    title: typeof extra.title === 'string' ? extra.title : null,
    attributes: (typeof extra.attributes === 'object' && extra.attributes !== null ? extra.attributes : {}) as Record<string, unknown>,
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
    // Stored as the pipeline wrote it; the API's field names are snake_case (mediaId -> media_id).
    content: snakeCaseKeys(JSON.parse(m.content)),
    // A customer's file, or one we sent by media_id: download it from here (GET /api/v1/media/:id), not from WhatsApp.
    media: mediaLink(m),
    status: m.status,
    status_at: iso(m.status_at),
    error: m.error_code ? { code: m.error_code, message: m.error_message } : null,
    // Outbound: attempts made so far; while queued after a retryable failure, when the next one is due.
    attempts: m.attempts,
    retry_at: m.status === 'queued' ? iso(m.next_attempt_at) : null,
    resend_of: m.resend_of,
    broadcast_id: m.broadcast_id ?? null,
    reply_to: m.reply_to_external_id,
    author: m.author,
    sent_at: iso(m.sent_at),
    // invalid | past | future: the WhatsApp timestamp was unusable and sent_at is when we received it.
    timestamp_anomaly: m.timestamp_anomaly ?? null,
    created_at: iso(m.created_at),
  };
}

/** Outbound types whose `mediaId` (an upload to the channel) GET /api/v1/media/:id can fetch back. */
const OUTBOUND_MEDIA: ReadonlySet<string> = new Set(['image', 'video', 'audio', 'document', 'sticker']);

function mediaLink(m: MessageRow): { url: string; mime_type: string | null; filename: string | null } | null {
  if (m.direction === 'out') {
    const c = parseObject(m.content);
    if (typeof c.type !== 'string' || !OUTBOUND_MEDIA.has(c.type) || typeof c.mediaId !== 'string') return null;
    return { url: `/api/v1/media/${m.id}`, mime_type: null, filename: typeof c.filename === 'string' ? c.filename : null };
  }
  const media = parseObject(m.content).media;
  if (typeof media !== 'object' || media === null || !('id' in media) || typeof media.id !== 'string') return null;
  return {
    url: `/api/v1/media/${m.id}`,
    mime_type: 'mimeType' in media && typeof media.mimeType === 'string' ? media.mimeType : null,
    filename: 'filename' in media && typeof media.filename === 'string' ? media.filename : null,
  };
}

function parseObject(json: string | null): Record<string, unknown> {
  if (json === null) return {};
  try {
    const v: unknown = JSON.parse(json);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** A time stored in the database as ISO 8601; one beyond what a Date can hold is null, never a 500. */
export function iso(ms: number | null): string | null {
  if (ms === null) return null;
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}
