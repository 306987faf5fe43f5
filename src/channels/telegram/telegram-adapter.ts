import { FormData } from 'undici';
import type { ChannelAdapter } from '../channel-adapter.ts';
import { CHANNEL_CAPABILITIES } from '../channel-capabilities.ts';
import type { OutboundRequest, SendResult } from '../channel-types.ts';
import { BotApiClient } from './bot-api-client.ts';
import { botApiResult, transportFailure } from './bot-api-result.ts';
import { type BotApiCall, toBotApiCall, UnsupportedOnTelegram } from './outbound-call.ts';
import { telegramMessageId } from './outbound-call.ts';

export interface TelegramAdapterOptions {
  /** The bot's numeric id (the token's part before ':'): our channel account id. */
  apiUrl: string;
  botToken: string;
  timeoutMs?: number;
  connections?: number;
  /** Spacing between two messages to one private chat, and to one group (Telegram: 1/s and 20/min). */
  perChatGapMs?: number;
  perGroupGapMs?: number;
  /** Files uploaded through POST /api/v1/media for this bot; without it a media id is always Telegram's file_id. */
  uploads?: TelegramUploadStore;
}

/**
 * Uploads kept by Switchboard (Telegram has no upload-only endpoint: a file goes with its first
 * message). Implemented over the database and DATA_DIR (src/media/channel-uploads.ts).
 */
export interface TelegramUploadStore {
  /** The upload our media id names, or undefined when it is not one (then the id is Telegram's own file_id). */
  find(mediaId: string): Promise<{ fileId?: string; mimeType: string; filename?: string } | undefined>;
  /** Its bytes, or undefined when they are no longer kept. */
  read(mediaId: string): Promise<Buffer | undefined>;
  /** The file_id Telegram gave the uploaded file: later sends use it instead of uploading again. */
  remember(mediaId: string, fileId: string): Promise<void>;
}

type Failure = Extract<SendResult, { ok: false }>;

/** What Telegram can and cannot do, named for the features that branch on it (never on `channel`). */
export const TELEGRAM_CAPABILITIES = CHANNEL_CAPABILITIES.telegram;

/**
 * A Telegram bot behind the ChannelAdapter contract, over the raw Bot API on a pooled keep-alive
 * client (bot-api-client.ts). One attempt per send; the answer says what to do next: 429 with
 * retry_after is retryable after that long, 403 "blocked by the user" is `telegram_blocked`.
 *
 * Telegram's per-chat limits (https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this)
 * are kept here, where the chat is known: a send to a chat that got a message less than
 * perChatGapMs ago (perGroupGapMs for groups) waits that long first. The per-bot limit
 * (30 messages/s) is the channel registry's throughput window.
 */
export class TelegramAdapter implements ChannelAdapter {
  readonly channel = 'telegram' as const;
  readonly accountId: string;
  readonly capabilities = TELEGRAM_CAPABILITIES;
  readonly #client: BotApiClient;
  readonly #lastSend = new Map<string, number>();
  readonly #chatGap: number;
  readonly #groupGap: number;
  readonly #uploads: TelegramUploadStore | undefined;
  /** Uploads whose first send (the multipart one) is in flight in this process, until it is answered. */
  readonly #firstSends = new Map<string, Promise<void>>();
  #closed = false;

  constructor(opts: TelegramAdapterOptions) {
    this.accountId = opts.botToken.split(':')[0] ?? '';
    this.#client = new BotApiClient({
      apiUrl: opts.apiUrl,
      botToken: opts.botToken,
      timeoutMs: opts.timeoutMs ?? 15_000,
      connections: opts.connections ?? 8,
    });
    this.#chatGap = opts.perChatGapMs ?? 1050;
    this.#groupGap = opts.perGroupGapMs ?? 3100;
    this.#uploads = opts.uploads;
  }

  async send(req: OutboundRequest): Promise<SendResult> {
    if (this.#closed) return { ok: false, retryable: true, code: 'adapter_closed', message: 'the channel is closing' };
    let call: ReturnType<typeof toBotApiCall>;
    try {
      call = toBotApiCall(req);
    } catch (err) {
      if (err instanceof UnsupportedOnTelegram)
        return { ok: false, retryable: false, code: 'unsupported_on_channel', message: err.message };
      throw err;
    }
    const upload = await this.#uploadFor(req, call);
    if (upload && !upload.ok) return upload;
    try {
      return await this.#sendCall(req, call, upload);
    } finally {
      upload?.release?.();
    }
  }

  async #sendCall(
    req: OutboundRequest,
    call: BotApiCall,
    upload: { mediaId: string; call: BotApiCall; form?: FormData } | undefined,
  ): Promise<SendResult> {
    const sending = upload?.call ?? call;
    await this.#pace(req.to);
    const r = upload?.form ? await this.#callForm(sending.method, upload.form) : await this.#call(sending.method, sending.params);
    if (!r.ok) return r;
    if (upload?.form && upload.call.fileField) {
      const fileId = sentFileId(r.result, upload.call.fileField);
      if (fileId) await this.#uploads?.remember(upload.mediaId, fileId);
    }
    const result = r.result as { message_id?: unknown; chat?: { id?: unknown } } | true;
    // setMessageReaction answers `true`: the reaction has no message id of its own.
    if (result === true) return { ok: true, externalId: `${req.to}:reaction:${Date.now()}` };
    if (typeof result?.message_id !== 'number')
      return { ok: false, retryable: false, code: 'invalid_response', message: 'Telegram answered without a message_id' };
    return { ok: true, externalId: `${result.chat?.id ?? req.to}:${result.message_id}`, recipientId: req.to };
  }

  /** Telegram has no read receipts; `typing` shows "typing..." for ~5 s (sendChatAction). */
  async markRead(externalMessageId: string, opts?: { typing?: boolean }): Promise<SendResult | { ok: true }> {
    // Only a message id names its chat (`<chat>:<message_id>`); a button press (`cb:...`) does not.
    const chat = /^(-?\d+):/.exec(externalMessageId)?.[1];
    if (!opts?.typing || chat === undefined) return { ok: true };
    return this.sendTyping(chat);
  }

  async sendTyping(chatId: string): Promise<{ ok: true } | Failure> {
    const r = await this.#call('sendChatAction', { chat_id: Number(chatId), action: 'typing' });
    return r.ok ? { ok: true } : r;
  }

  /** Stops the spinner on the pressed button (https://core.telegram.org/bots/api#answercallbackquery). */
  async answerCallbackQuery(id: string, text?: string): Promise<{ ok: true } | Failure> {
    const r = await this.#call('answerCallbackQuery', { callback_query_id: id, ...(text ? { text } : {}) });
    return r.ok ? { ok: true } : r;
  }

  /** getMe: the token works, and whose bot it is. */
  async getMe(): Promise<{ ok: true; id: number; username?: string } | Failure> {
    const r = await this.#call('getMe', {});
    if (!r.ok) return r;
    const me = r.result as { id?: unknown; username?: unknown };
    return typeof me?.id === 'number'
      ? { ok: true, id: me.id, ...(typeof me.username === 'string' ? { username: me.username } : {}) }
      : { ok: false, retryable: false, code: 'invalid_response', message: 'getMe answered without an id' };
  }

  async setWebhook(url: string, secretToken: string): Promise<{ ok: true } | Failure> {
    const r = await this.#call('setWebhook', {
      url,
      secret_token: secretToken,
      allowed_updates: ['message', 'edited_message', 'callback_query', 'my_chat_member'],
    });
    return r.ok ? { ok: true } : r;
  }

  async deleteWebhook(): Promise<{ ok: true } | Failure> {
    const r = await this.#call('deleteWebhook', {});
    return r.ok ? { ok: true } : r;
  }

  /** getUpdates (long polling), for machines that cannot receive webhooks. */
  async getUpdates(offset: number | undefined, timeoutS: number): Promise<{ ok: true; updates: unknown[] } | Failure> {
    const r = await this.#call('getUpdates', { ...(offset !== undefined ? { offset } : {}), timeout: timeoutS }, (timeoutS + 10) * 1000);
    if (!r.ok) return r;
    return { ok: true, updates: Array.isArray(r.result) ? r.result : [] };
  }

  /**
   * A customer's file: getFile, then the download (bots may download up to 20 MB). Same shape as
   * the WhatsApp adapter's. One of our uploads is read from where it is kept, or (bytes gone)
   * fetched back by the file_id its first send got.
   */
  async downloadMedia(
    source: { mediaId: string },
    opts?: { maxBytes?: number },
  ): Promise<{ ok: true; data: Buffer; mimeType?: string } | Failure> {
    let fileId = source.mediaId;
    const kept = await this.#uploads?.find(source.mediaId);
    if (kept) {
      const data = await this.#uploads?.read(source.mediaId);
      if (data) return { ok: true, data, mimeType: kept.mimeType };
      if (!kept.fileId)
        return { ok: false, retryable: false, code: 'http_410', message: 'the upload is no longer kept and was never sent' };
      fileId = kept.fileId;
    }
    const r = await this.#call('getFile', { file_id: fileId });
    if (!r.ok) return r;
    const path = (r.result as { file_path?: unknown })?.file_path;
    if (typeof path !== 'string')
      return { ok: false, retryable: false, code: 'telegram_no_file_path', message: 'getFile answered without a file_path' };
    try {
      const d = await this.#client.download(path, opts?.maxBytes ?? 20 * 1024 * 1024);
      if (d.ok) return { ok: true, data: d.data, ...(d.contentType ? { mimeType: d.contentType } : {}) };
      if ('reason' in d) return { ok: false, retryable: false, code: 'too_large', message: 'the file is larger than the media limit' };
      return {
        ok: false,
        retryable: d.status >= 500,
        code: `http_${d.status}`,
        message: `file download answered ${d.status}`,
        httpStatus: d.status,
      };
    } catch (err) {
      return transportFailure(err);
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#client.close();
  }

  async #call(method: string, params: Record<string, unknown>, timeoutMs?: number): Promise<{ ok: true; result: unknown } | Failure> {
    try {
      return botApiResult(await this.#client.call(method, params, timeoutMs ? { timeoutMs } : {}));
    } catch (err) {
      return transportFailure(err);
    }
  }

  async #callForm(method: string, form: FormData): Promise<{ ok: true; result: unknown } | Failure> {
    try {
      return botApiResult(await this.#client.callForm(method, form));
    } catch (err) {
      return transportFailure(err);
    }
  }

  /**
   * A media send whose id names one of our uploads: by the file_id an earlier send got, else the
   * bytes as multipart/form-data (https://core.telegram.org/bots/api#sending-files), the other
   * parameters as form fields (objects JSON-encoded). An OGG upload sent as audio goes as a voice note.
   */
  async #uploadFor(
    req: OutboundRequest,
    call: BotApiCall,
  ): Promise<{ ok: true; mediaId: string; call: BotApiCall; form?: FormData; release?: () => void } | Failure | undefined> {
    const c = req.content;
    if (!this.#uploads || !call.fileField || !('mediaId' in c) || !c.mediaId) return undefined;
    const mediaId = c.mediaId;
    let kept: Awaited<ReturnType<TelegramUploadStore['find']>>;
    for (;;) {
      // A first send of this upload in flight here: wait for it, then its file_id is known (no second upload).
      const inFlight = this.#firstSends.get(mediaId);
      if (inFlight) await inFlight;
      kept = await this.#uploads.find(mediaId);
      if (!kept || kept.fileId || !this.#firstSends.has(mediaId)) break;
    }
    if (!kept) return undefined;
    let sent = call;
    if (c.type === 'audio' && kept.mimeType === 'audio/ogg' && call.method === 'sendAudio') {
      const { audio, ...rest } = call.params;
      sent = { method: 'sendVoice', fileField: 'voice', params: { ...rest, voice: audio } };
    }
    const field = sent.fileField ?? call.fileField;
    if (kept.fileId) return { ok: true, mediaId, call: { ...sent, params: { ...sent.params, [field]: kept.fileId } } };
    // The first send: claimed before the next await, so a concurrent send of the same upload waits for it.
    let release!: () => void;
    this.#firstSends.set(
      mediaId,
      new Promise<void>((r) => {
        release = () => {
          this.#firstSends.delete(mediaId);
          r();
        };
      }),
    );
    const data = await this.#uploads.read(mediaId);
    if (!data) {
      release();
      return {
        ok: false,
        retryable: false,
        code: 'upload_missing',
        message: `the upload ${mediaId} is no longer kept; upload the file again`,
      };
    }
    const form = new FormData();
    for (const [k, v] of Object.entries(sent.params)) {
      if (k === field || v === undefined) continue;
      form.set(k, typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v));
    }
    const name = (c.type === 'document' && 'filename' in c && c.filename) || kept.filename || 'file';
    // Copied into a plain ArrayBuffer-backed view: Blob does not take SharedArrayBuffer views.
    form.set(field, new Blob([new Uint8Array(data)], { type: kept.mimeType }), name);
    return { ok: true, mediaId, call: sent, form, release };
  }

  /** Waits out the chat's spacing (at most one gap) and books this send. */
  async #pace(chatId: string): Promise<void> {
    const gap = chatId.startsWith('-') ? this.#groupGap : this.#chatGap;
    const now = Date.now();
    const next = (this.#lastSend.get(chatId) ?? 0) + gap;
    const at = Math.max(now, next);
    this.#lastSend.set(chatId, at);
    if (this.#lastSend.size > 10_000) for (const [k, t] of this.#lastSend) if (t + gap < now) this.#lastSend.delete(k);
    if (at > now) await new Promise((r) => setTimeout(r, at - now));
  }
}

/** The file_id in a media send's answer: the message's `photo` (its largest size) or `document`, `video`... */
function sentFileId(result: unknown, field: string): string | undefined {
  if (typeof result !== 'object' || result === null) return undefined;
  let f = (result as Record<string, unknown>)[field];
  if (Array.isArray(f)) f = f[f.length - 1];
  const id = typeof f === 'object' && f !== null ? (f as { file_id?: unknown }).file_id : undefined;
  return typeof id === 'string' && id !== '' ? id : undefined;
}

export { telegramMessageId };
