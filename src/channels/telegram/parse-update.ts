import type { InboundMedia, InboundMessage } from '../channel-types.ts';
import { unixSecondsToEpochMs } from '../../core/unix-time.ts';

/**
 * One Telegram Update (https://core.telegram.org/bots/api#update) as Switchboard sees it: the
 * customer messages it carries, a callback query to answer, or a change of whether the user
 * blocked the bot. Anything else is `other`. Never throws: a field of the wrong type is treated
 * as absent, and a message kind we do not map is an `unsupported` message.
 *
 * Ids: a Telegram message_id is unique only within its chat, so a message's external id is
 * `<chat id>:<message_id>`; an edit is `<chat id>:<message_id>:edit:<edit_date>`; a callback query
 * `cb:<id>`. Stored once per channel, which makes a redelivered update (same update_id, same
 * content) a duplicate.
 */
export interface ParsedTelegramUpdate {
  updateId: number | undefined;
  messages: InboundMessage[];
  callbackQueryId?: string;
  /** my_chat_member in a private chat: the user blocked (true) or unblocked (false) the bot. */
  blocked?: { userId: string; blocked: boolean; at: number };
  other: Array<{ field: string; value: unknown }>;
}

type Rec = Record<string, unknown>;
const isRec = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const int = (v: unknown): number | undefined => (typeof v === 'number' && Number.isSafeInteger(v) ? v : undefined);
/** Telegram's `date`: Unix seconds, only when a Date can hold it (a bad one falls back to the receipt time). */
const unixDate = (v: unknown): number | undefined => {
  const n = int(v);
  return n !== undefined && unixSecondsToEpochMs(n) !== undefined ? n : undefined;
};
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

export function parseTelegramUpdate(update: unknown, botAccountId: string, receivedAt: number): ParsedTelegramUpdate {
  const out: ParsedTelegramUpdate = { updateId: undefined, messages: [], other: [] };
  if (!isRec(update)) return out;
  out.updateId = int(update.update_id);
  for (const [field, value] of Object.entries(update)) {
    if (field === 'update_id') continue;
    if (field === 'message' || field === 'business_message') {
      const m = parseMessage(value, botAccountId, receivedAt, false);
      if (m) out.messages.push(m);
      else out.other.push({ field, value });
    } else if (field === 'edited_message' || field === 'edited_business_message') {
      const m = parseMessage(value, botAccountId, receivedAt, true);
      if (m) out.messages.push(m);
      else out.other.push({ field, value });
    } else if (field === 'callback_query') {
      const cb = parseCallback(value, botAccountId, receivedAt);
      if (cb) {
        out.messages.push(cb.message);
        out.callbackQueryId = cb.id;
      } else out.other.push({ field, value });
    } else if (field === 'my_chat_member' && isRec(value)) {
      const chat = isRec(value.chat) ? value.chat : undefined;
      const status = isRec(value.new_chat_member) ? str(value.new_chat_member.status) : undefined;
      const chatId = int(chat?.id);
      if (chat?.type === 'private' && chatId !== undefined && (status === 'kicked' || status === 'member'))
        out.blocked = { userId: String(chatId), blocked: status === 'kicked', at: (unixDate(value.date) ?? receivedAt / 1000) * 1000 };
      else out.other.push({ field, value });
    } else out.other.push({ field, value });
  }
  return out;
}

function fullName(u: Rec | undefined): string | undefined {
  if (!u) return undefined;
  const name = [str(u.first_name), str(u.last_name)].filter(Boolean).join(' ').trim();
  return name || str(u.title) || undefined;
}

function parseMessage(value: unknown, account: string, receivedAt: number, edited: boolean): InboundMessage | undefined {
  if (!isRec(value) || !isRec(value.chat)) return undefined;
  const chatId = int(value.chat.id);
  const messageId = int(value.message_id);
  if (chatId === undefined || messageId === undefined) return undefined;
  const from = isRec(value.from) ? value.from : undefined;
  // Replies go to the chat: in a private chat that is the user; a group is one contact of its own.
  const privateChat = value.chat.type === 'private' || value.chat.type === undefined;
  const profileName = privateChat ? (fullName(from) ?? fullName(value.chat)) : fullName(value.chat);
  const username = str((privateChat ? from : value.chat)?.username);
  const date = unixDate(value.date);
  const editDate = unixDate(value.edit_date);
  const base = {
    channel: 'telegram' as const,
    channelAccountId: account,
    from: String(chatId),
    ...(profileName ? { profileName } : {}),
    ...(username ? { sender: { username } } : {}),
    sentAt: ((edited ? (editDate ?? date) : date) ?? Math.floor(receivedAt / 1000)) * 1000,
    raw: value,
  };
  const quoted = isRec(value.reply_to_message) ? int(value.reply_to_message.message_id) : undefined;
  const context = quoted !== undefined ? { context: { messageId: `${chatId}:${quoted}` } } : {};
  if (edited) {
    return {
      ...base,
      externalId: `${chatId}:${messageId}:edit:${editDate ?? date ?? 0}`,
      kind: 'edit',
      providerType: 'edited_message',
      ...((str(value.text) ?? str(value.caption)) ? { text: str(value.text) ?? str(value.caption) } : {}),
      context: { messageId: `${chatId}:${messageId}` },
    };
  }
  const m = { ...base, externalId: `${chatId}:${messageId}`, ...context };
  const caption = str(value.caption);
  const media = (kind: InboundMessage['kind'], type: string, f: unknown, extra: Partial<InboundMedia> = {}): InboundMessage | undefined => {
    if (!isRec(f) || !str(f.file_id)) return undefined;
    const mimeType = str(f.mime_type) ?? extra.mimeType;
    const filename = str(f.file_name);
    return {
      ...m,
      kind,
      providerType: type,
      ...(caption ? { text: caption } : {}),
      media: {
        id: str(f.file_id)!,
        ...extra,
        ...(mimeType ? { mimeType } : {}),
        ...(filename ? { filename } : {}),
        ...(caption ? { caption } : {}),
      },
    };
  };
  if (typeof value.text === 'string') return { ...m, kind: 'text', providerType: 'text', text: value.text };
  if (Array.isArray(value.photo)) {
    // The sizes come smallest first: the last is the original.
    const largest = value.photo.filter(isRec).at(-1);
    const r = media('image', 'photo', largest, { mimeType: 'image/jpeg' });
    if (r) return r;
  }
  const kinds: Array<[string, InboundMessage['kind'], Partial<InboundMedia>]> = [
    ['video', 'video', {}],
    ['animation', 'video', { animated: true }],
    ['video_note', 'video', {}],
    ['voice', 'audio', { voice: true, mimeType: 'audio/ogg' }],
    ['audio', 'audio', {}],
    ['document', 'document', {}],
  ];
  for (const [field, kind, extra] of kinds) {
    if (value[field] !== undefined) {
      const r = media(kind, field, value[field], extra);
      if (r) return r;
    }
  }
  if (isRec(value.sticker)) {
    const s = value.sticker;
    const r = media('sticker', 'sticker', s, {
      mimeType: s.is_video === true ? 'video/webm' : s.is_animated === true ? 'application/x-tgsticker' : 'image/webp',
      ...(s.is_animated === true || s.is_video === true ? { animated: true } : {}),
    });
    if (r) return { ...r, ...(str(s.emoji) ? { text: str(s.emoji) } : {}) };
  }
  const location = (loc: unknown) => {
    if (!isRec(loc)) return undefined;
    const latitude = num(loc.latitude);
    const longitude = num(loc.longitude);
    return latitude !== undefined && longitude !== undefined ? { latitude, longitude } : undefined;
  };
  if (isRec(value.venue)) {
    const at = location(value.venue.location);
    if (at) {
      const name = str(value.venue.title);
      const address = str(value.venue.address);
      return {
        ...m,
        kind: 'location',
        providerType: 'venue',
        location: { ...at, ...(name ? { name } : {}), ...(address ? { address } : {}) },
      };
    }
  }
  const at = location(value.location);
  if (at) return { ...m, kind: 'location', providerType: 'location', location: at };
  if (isRec(value.contact)) {
    const c = value.contact;
    const phone = str(c.phone_number);
    const first = str(c.first_name) ?? '';
    const last = str(c.last_name);
    // The shape WhatsApp uses for shared contacts, so the inbox and flows read both alike.
    const card = {
      name: { formatted_name: [first, last].filter(Boolean).join(' '), first_name: first, ...(last ? { last_name: last } : {}) },
      ...(phone ? { phones: [{ phone, type: 'CELL' }] } : {}),
      ...(int(c.user_id) !== undefined ? { telegram_user_id: int(c.user_id) } : {}),
    };
    return { ...m, kind: 'contacts', providerType: 'contact', contacts: [card] };
  }
  // A poll, dice, game, story...: kept, shown as unsupported, never an error.
  const type = Object.keys(value).find((k) => !COMMON_FIELDS.has(k)) ?? 'unknown';
  return { ...m, kind: 'unsupported', providerType: type };
}

const COMMON_FIELDS = new Set([
  'message_id',
  'message_thread_id',
  'from',
  'sender_chat',
  'date',
  'chat',
  'reply_to_message',
  'entities',
  'caption_entities',
  'forward_origin',
  'is_topic_message',
  'is_automatic_forward',
  'has_protected_content',
  'author_signature',
  'edit_date',
  'media_group_id',
  'reply_markup',
  'via_bot',
  'link_preview_options',
  'business_connection_id',
  'sender_business_bot',
  'quote',
  'external_reply',
]);

function parseCallback(value: unknown, account: string, receivedAt: number): { id: string; message: InboundMessage } | undefined {
  if (!isRec(value)) return undefined;
  const id = str(value.id);
  const from = isRec(value.from) ? value.from : undefined;
  const userId = int(from?.id);
  if (!id || userId === undefined) return undefined;
  const msg = isRec(value.message) ? value.message : undefined;
  const chatId = int(isRec(msg?.chat) ? msg.chat.id : undefined) ?? userId;
  const data = str(value.data) ?? '';
  // The button's label, from the keyboard of the message it was pressed on.
  const rows = isRec(msg?.reply_markup) && Array.isArray(msg.reply_markup.inline_keyboard) ? msg.reply_markup.inline_keyboard : [];
  const button = rows.flat().find((b: unknown) => isRec(b) && b.callback_data === data) as Rec | undefined;
  const title = str(button?.text) ?? data;
  const quoted = int(msg?.message_id);
  const profileName = fullName(from);
  return {
    id,
    message: {
      channel: 'telegram',
      channelAccountId: account,
      externalId: `cb:${id}`,
      from: String(chatId),
      ...(profileName ? { profileName } : {}),
      sentAt: receivedAt,
      kind: 'interactive_reply',
      providerType: 'callback_query',
      text: title,
      reply: { kind: 'button_reply', id: data, title },
      ...(quoted !== undefined ? { context: { messageId: `${chatId}:${quoted}` } } : {}),
      raw: value,
    },
  };
}
