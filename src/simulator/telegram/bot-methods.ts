import { BotApiError, badRequest, blockedByUser, chatNotFound } from './bot-api-error.ts';
import { checkEntities } from './parse-entities.ts';
import type { TgRateLimits } from './tg-rate-limits.ts';
import type { TgState } from './tg-state.ts';
import type { TgFile, TgMessage } from './tg-types.ts';
import type { UpdateQueue } from './update-queue.ts';

/** A file part of a multipart request: what `attach://` or a direct InputFile field carries. */
export interface UploadedFile {
  data: Buffer;
  filename?: string;
  mimeType?: string;
}

export interface MethodContext {
  state: TgState;
  queue: UpdateQueue;
  limits: TgRateLimits;
  now: () => number;
  baseUrl: () => string;
}

type Params = Record<string, unknown>;
type Method = (ctx: MethodContext, p: Params, files: Map<string, UploadedFile>) => unknown | Promise<unknown>;

// https://core.telegram.org/bots/api#sendchataction
const CHAT_ACTIONS = new Set([
  'typing',
  'upload_photo',
  'record_video',
  'upload_video',
  'record_voice',
  'upload_voice',
  'upload_document',
  'choose_sticker',
  'find_location',
  'record_video_note',
  'upload_video_note',
]);

const MEDIA_SENDS: Record<string, { field: string; kind: string }> = {
  sendphoto: { field: 'photo', kind: 'photo' },
  sendvideo: { field: 'video', kind: 'video' },
  sendaudio: { field: 'audio', kind: 'audio' },
  sendvoice: { field: 'voice', kind: 'voice' },
  senddocument: { field: 'document', kind: 'document' },
  sendsticker: { field: 'sticker', kind: 'sticker' },
  sendanimation: { field: 'animation', kind: 'animation' },
};

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined);
const num = (v: unknown): number | undefined => {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : undefined;
};

/** Parameters arrive as JSON values, or as strings (query, form, multipart): objects then come JSON-encoded. */
function objectParam(v: unknown, name: string): unknown {
  if (typeof v !== 'string') return v;
  try {
    return JSON.parse(v);
  } catch {
    throw badRequest(`can't parse ${name} JSON object`);
  }
}

function target(ctx: MethodContext, p: Params) {
  if (p.chat_id === undefined || p.chat_id === '') throw badRequest('chat_id is empty');
  const found = ctx.state.chat(p.chat_id);
  if (!found) throw chatNotFound();
  if (found.user?.blocked) throw blockedByUser();
  return found;
}

/** reply_markup: an inline keyboard is checked as Telegram does (text required, callback_data 1-64 bytes). */
function replyMarkup(p: Params): Record<string, unknown> | undefined {
  if (p.reply_markup === undefined) return undefined;
  const m = objectParam(p.reply_markup, 'reply_markup');
  if (typeof m !== 'object' || m === null) throw badRequest('object expected as reply markup');
  const kb = (m as Params).inline_keyboard;
  if (kb !== undefined) {
    if (!Array.isArray(kb)) throw badRequest('field "inline_keyboard" of the InlineKeyboardMarkup must be an Array');
    for (const row of kb) {
      if (!Array.isArray(row)) throw badRequest('field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays');
      for (const b of row) {
        const button = b as Params;
        if (typeof button?.text !== 'string' || button.text === '')
          throw badRequest("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard");
        const data = button.callback_data;
        if (data !== undefined && (typeof data !== 'string' || Buffer.byteLength(data) < 1 || Buffer.byteLength(data) > 64))
          throw badRequest('BUTTON_DATA_INVALID');
        if (data === undefined && button.url === undefined)
          throw badRequest("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard");
      }
    }
  }
  return m as Params;
}

function replyTo(p: Params, store: { messages: Map<number, TgMessage> }): TgMessage | undefined {
  let id = num(p.reply_to_message_id);
  if (p.reply_parameters !== undefined) id = num((objectParam(p.reply_parameters, 'reply_parameters') as Params)?.message_id);
  if (id === undefined) return undefined;
  const m = store.messages.get(id);
  if (!m) throw badRequest('message to be replied not found');
  return m;
}

/** Runs checks common to every send, takes a rate-limit slot, records the message and the call. */
function deliver(ctx: MethodContext, method: string, p: Params, fields: Params): TgMessage {
  const t = target(ctx, p);
  const markup = replyMarkup(p);
  const quoted = replyTo(p, t.store);
  const limited = ctx.limits.take(t.chat.id);
  if (limited) throw limited;
  const message = ctx.state.addMessage(t.store, t.chat, ctx.state.bot, ctx.now(), {
    ...fields,
    ...(quoted ? { reply_to_message: quoted } : {}),
    ...(markup ? { reply_markup: markup } : {}),
  });
  ctx.state.sent.push({ method, params: p, at: ctx.now(), message });
  return message;
}

function textEntitiesChecked(text: string, parseMode: unknown, what: 'text' | 'caption'): void {
  const err = checkEntities(text, parseMode);
  if (err) throw err;
  if (what === 'text' && text.length > 4096) throw badRequest('message is too long');
  if (what === 'caption' && text.length > 1024) throw badRequest('message caption is too long');
}

/** A file given as an upload (multipart, directly or via attach://name), a known file_id, or an HTTP URL. */
function inputFile(ctx: MethodContext, v: unknown, files: Map<string, UploadedFile>, field: string, kind: string): TgFile {
  const upload = files.get(field) ?? (typeof v === 'string' && v.startsWith('attach://') ? files.get(v.slice(9)) : undefined);
  if (upload) {
    if (upload.data.length === 0) throw badRequest('file must be non-empty');
    // https://core.telegram.org/bots/api#sending-files: photos up to 10 MB (other files 50 MB: the multipart limit).
    if (kind === 'photo' && upload.data.length > 10 * 1024 * 1024) throw new BotApiError(413, 'Request Entity Too Large');
    return ctx.state.storeFile(upload.data, kind, {
      ...(upload.mimeType ? { mime_type: upload.mimeType } : {}),
      ...(upload.filename ? { file_name: upload.filename } : {}),
    });
  }
  if (typeof v !== 'string' || v === '') throw badRequest(`there is no ${field} in the request`);
  const known = ctx.state.files.get(v);
  if (known) return known;
  if (/^https?:\/\//i.test(v)) {
    // Telegram downloads the URL itself; the simulator does not fetch it and stands in a small file.
    return ctx.state.storeFile(Buffer.from(`downloaded from ${v}`), kind, { file_name: v.split('/').pop() || 'file' });
  }
  throw badRequest('wrong file identifier/HTTP URL specified');
}

function fileObject(f: TgFile, kind: string): unknown {
  const base = { file_id: f.file_id, file_unique_id: f.file_unique_id, file_size: f.file_size };
  if (kind === 'photo') return [{ ...base, width: 320, height: 240 }];
  return {
    ...base,
    ...(f.mime_type ? { mime_type: f.mime_type } : {}),
    ...(f.file_name && kind === 'document' ? { file_name: f.file_name } : {}),
    ...(kind === 'voice' || kind === 'audio' || kind === 'video' ? { duration: 1 } : {}),
    ...(kind === 'sticker' ? { width: 512, height: 512, is_animated: false, is_video: false, type: 'regular' } : {}),
  };
}

export const METHODS: Record<string, Method> = {
  getme: (ctx) => ({ ...ctx.state.bot, can_join_groups: true, can_read_all_group_messages: false, supports_inline_queries: false }),

  setwebhook: (ctx, p) => {
    const url = str(p.url) ?? '';
    const secret = str(p.secret_token);
    if (secret !== undefined && !/^[A-Za-z0-9_-]{1,256}$/.test(secret)) throw badRequest('secret token contains unallowed characters');
    const drop = p.drop_pending_updates === true || p.drop_pending_updates === 'true';
    if (url === '') {
      ctx.queue.setWebhook(undefined, drop);
      return true;
    }
    // Telegram requires HTTPS on ports 443, 80, 88 or 8443; the simulator also takes http:// on any port (loopback development).
    if (!/^https?:\/\/[^\s/]+/i.test(url)) throw badRequest('bad webhook: An HTTPS URL must be provided for webhook');
    const allowed = p.allowed_updates === undefined ? undefined : objectParam(p.allowed_updates, 'allowed_updates');
    ctx.queue.setWebhook(
      {
        url,
        ...(secret ? { secretToken: secret } : {}),
        ...(Array.isArray(allowed) ? { allowedUpdates: allowed.map(String) } : {}),
        maxConnections: num(p.max_connections) ?? 40,
      },
      drop,
    );
    return true;
  },

  deletewebhook: (ctx, p) => {
    ctx.queue.setWebhook(undefined, p.drop_pending_updates === true || p.drop_pending_updates === 'true');
    return true;
  },

  getwebhookinfo: (ctx) => {
    const w = ctx.queue.webhook;
    return {
      url: w?.url ?? '',
      has_custom_certificate: false,
      pending_update_count: ctx.queue.pendingCount,
      ...(w ? { max_connections: w.maxConnections } : {}),
      ...(w?.allowedUpdates ? { allowed_updates: w.allowedUpdates } : {}),
      ...(ctx.queue.lastError ? { last_error_date: ctx.queue.lastError.date, last_error_message: ctx.queue.lastError.message } : {}),
    };
  },

  getupdates: async (ctx, p) => {
    if (ctx.queue.webhook)
      throw new BotApiError(
        409,
        "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
      );
    const limit = Math.min(100, Math.max(1, num(p.limit) ?? 100));
    const allowed = p.allowed_updates === undefined ? undefined : objectParam(p.allowed_updates, 'allowed_updates');
    return ctx.queue.take(num(p.offset), limit, num(p.timeout) ?? 0, Array.isArray(allowed) ? allowed.map(String) : undefined);
  },

  sendmessage: (ctx, p) => {
    const text = str(p.text);
    if (text === undefined || text.trim() === '') throw badRequest('message text is empty');
    textEntitiesChecked(text, p.parse_mode, 'text');
    return deliver(ctx, 'sendMessage', p, { text });
  },

  sendlocation: (ctx, p) => {
    const latitude = num(p.latitude);
    const longitude = num(p.longitude);
    if (latitude === undefined || longitude === undefined || Math.abs(latitude) > 90 || Math.abs(longitude) > 180)
      throw badRequest('wrong latitude or longitude');
    return deliver(ctx, 'sendLocation', p, { location: { latitude, longitude } });
  },

  sendvenue: (ctx, p) => {
    const latitude = num(p.latitude);
    const longitude = num(p.longitude);
    if (latitude === undefined || longitude === undefined) throw badRequest('wrong latitude or longitude');
    const title = str(p.title);
    const address = str(p.address);
    if (!title) throw badRequest('venue title is empty');
    if (!address) throw badRequest('venue address is empty');
    const location = { latitude, longitude };
    return deliver(ctx, 'sendVenue', p, { location, venue: { location, title, address } });
  },

  sendcontact: (ctx, p) => {
    const phone = str(p.phone_number);
    const first = str(p.first_name);
    if (!phone) throw badRequest('phone number is empty');
    if (!first) throw badRequest('contact first name is empty');
    const last = str(p.last_name);
    return deliver(ctx, 'sendContact', p, { contact: { phone_number: phone, first_name: first, ...(last ? { last_name: last } : {}) } });
  },

  sendchataction: (ctx, p) => {
    const t = target(ctx, p);
    const action = str(p.action);
    if (!action || !CHAT_ACTIONS.has(action)) throw badRequest('wrong parameter action in request');
    ctx.state.chatActions.push({ chat_id: t.chat.id, action, at: ctx.now() });
    ctx.state.sent.push({ method: 'sendChatAction', params: p, at: ctx.now() });
    return true;
  },

  answercallbackquery: (ctx, p) => {
    const id = str(p.callback_query_id);
    const q = id === undefined ? undefined : ctx.state.callbackQueries.get(id);
    // Telegram expects an answer within seconds; an unknown, repeated or late one is refused with this description.
    if (!q || q.answered || ctx.now() - q.at > 15 * 60_000)
      throw badRequest('query is too old and response timeout expired or query ID is invalid');
    const text = str(p.text);
    if (text !== undefined && text.length > 200) throw badRequest('MESSAGE_TOO_LONG');
    q.answered = true;
    q.answer = p;
    ctx.state.sent.push({ method: 'answerCallbackQuery', params: p, at: ctx.now() });
    return true;
  },

  getfile: (ctx, p) => {
    const f = ctx.state.files.get(str(p.file_id) ?? '');
    if (!f) throw badRequest('invalid file_id');
    // https://core.telegram.org/bots/api#getfile: bots can download files of up to 20 MB.
    if (f.file_size > 20 * 1024 * 1024) throw badRequest('file is too big');
    return { file_id: f.file_id, file_unique_id: f.file_unique_id, file_size: f.file_size, file_path: f.file_path };
  },

  editmessagetext: (ctx, p) => {
    const t = target(ctx, p);
    const m = t.store.messages.get(num(p.message_id) ?? -1);
    if (!m) throw badRequest('message to edit not found');
    const text = str(p.text);
    if (!text) throw badRequest('message text is empty');
    textEntitiesChecked(text, p.parse_mode, 'text');
    if (m.text === text)
      throw badRequest(
        'message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message',
      );
    Object.assign(m, { text, edit_date: Math.floor(ctx.now() / 1000) });
    ctx.state.sent.push({ method: 'editMessageText', params: p, at: ctx.now(), message: m });
    return m;
  },
};

for (const [method, spec] of Object.entries(MEDIA_SENDS)) {
  METHODS[method] = (ctx, p, files) => {
    target(ctx, p); // chat and block checks come before the file's
    const caption = str(p.caption);
    if (caption !== undefined) textEntitiesChecked(caption, p.parse_mode, 'caption');
    const uploaded = files.size > 0;
    const f = inputFile(ctx, p[spec.field], files, spec.field, spec.kind);
    const name = `send${spec.field[0]!.toUpperCase()}${spec.field.slice(1)}`;
    const message = deliver(ctx, name, p, { [spec.field]: fileObject(f, spec.kind), ...(caption ? { caption } : {}) });
    const sent = ctx.state.sent[ctx.state.sent.length - 1];
    if (uploaded && sent?.message === message)
      sent.upload = {
        field: spec.field,
        file_id: f.file_id,
        ...(f.file_name ? { filename: f.file_name } : {}),
        ...(f.mime_type ? { mime_type: f.mime_type } : {}),
        size: f.file_size,
      };
    return message;
  };
}
