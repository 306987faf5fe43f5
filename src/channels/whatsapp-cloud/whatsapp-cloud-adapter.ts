import { FormData } from 'undici';
import type { ChannelAdapter } from '../channel-adapter.ts';
import { CHANNEL_CAPABILITIES } from '../channel-capabilities.ts';
import type { OutboundRequest, SendResult } from '../channel-types.ts';
import { GraphClient, type GraphResponse } from './graph-client.ts';
import { classifyGraphError, classifyTransportError, type SendFailure } from './graph-errors.ts';
import { isRecord, nonEmptyStr, str } from './json-guards.ts';
import { OutboundPayloadError, toGraphMessage } from './outbound-payload.ts';

export interface WhatsAppCloudAdapterOptions {
  /** 'https://graph.facebook.com', or the simulator, e.g. 'http://127.0.0.1:4010'. */
  graphUrl: string;
  /** e.g. 'v21.0'. */
  apiVersion: string;
  phoneNumberId: string;
  accessToken: string;
  /** Per-request timeout (connect, headers, body gaps). Default 15000. */
  timeoutMs?: number;
  /** Keep-alive connections to Graph for this number. Default 16. */
  connections?: number;
}

export interface MediaInfo {
  ok: true;
  id: string;
  /** Short-lived (5 minutes); download it with `downloadMedia`, which adds the token. */
  url: string;
  mimeType?: string;
  sha256?: string;
  fileSize?: number;
}

/** Meta's largest media type (documents) is 100 MB. */
const DEFAULT_MAX_DOWNLOAD_BYTES = 100 * 1024 * 1024;

/**
 * ChannelAdapter for one WhatsApp Cloud API business number, plus the media calls feature code
 * will need (upload, look-up, download), which are outside the channel contract.
 * Every method returns a result; none throws for HTTP, Graph or network failures.
 */
export class WhatsAppCloudAdapter implements ChannelAdapter {
  readonly channel = 'whatsapp';
  readonly accountId: string;
  readonly capabilities: ChannelAdapter['capabilities'] = CHANNEL_CAPABILITIES.whatsapp;
  readonly #client: GraphClient;
  readonly #messagesPath: string;
  readonly #mediaPath: string;
  #closed = false;

  constructor(opts: WhatsAppCloudAdapterOptions) {
    if (!/^\d+$/.test(opts.phoneNumberId)) throw new Error(`phoneNumberId must be digits, got "${opts.phoneNumberId}"`);
    this.accountId = opts.phoneNumberId;
    this.#client = new GraphClient({
      graphUrl: opts.graphUrl,
      apiVersion: opts.apiVersion,
      accessToken: opts.accessToken,
      timeoutMs: opts.timeoutMs ?? 15_000,
      connections: opts.connections ?? 16,
    });
    this.#messagesPath = this.#client.path(`/${opts.phoneNumberId}/messages`);
    this.#mediaPath = this.#client.path(`/${opts.phoneNumberId}/media`);
  }

  async send(req: OutboundRequest): Promise<SendResult> {
    let payload: object;
    try {
      payload = toGraphMessage(req);
    } catch (error) {
      if (error instanceof OutboundPayloadError) return { ok: false, retryable: false, code: 'invalid_request', message: error.message };
      throw error;
    }
    const res = await this.#call((c) => c.postJson(this.#messagesPath, payload));
    if ('retryable' in res) return res;
    if (!isSuccess(res)) return failureFrom(res);
    // Success = accepted by Meta: {messages:[{id}], contacts:[{input, wa_id}]}.
    const body = res.body;
    const messages = isRecord(body) ? body.messages : undefined;
    const first: unknown = Array.isArray(messages) ? messages[0] : undefined;
    const externalId = isRecord(first) ? nonEmptyStr(first.id) : undefined;
    // Not retryable: a 2xx may mean Meta accepted it, and a retry could deliver it twice.
    if (externalId === undefined) return invalidResponse(res.status);
    const contacts = isRecord(body) ? body.contacts : undefined;
    const contact: unknown = Array.isArray(contacts) ? contacts[0] : undefined;
    const recipientId = isRecord(contact) ? nonEmptyStr(contact.wa_id) : undefined;
    return recipientId !== undefined ? { ok: true, externalId, recipientId } : { ok: true, externalId };
  }

  async markRead(externalMessageId: string, opts?: { typing?: boolean }): Promise<SendResult | { ok: true }> {
    const payload: Record<string, unknown> = { messaging_product: 'whatsapp', status: 'read', message_id: externalMessageId };
    if (opts?.typing === true) payload.typing_indicator = { type: 'text' };
    const res = await this.#call((c) => c.postJson(this.#messagesPath, payload));
    if ('retryable' in res) return res;
    if (!isSuccess(res)) return failureFrom(res);
    return isRecord(res.body) && res.body.success === true ? { ok: true } : invalidResponse(res.status);
  }

  /** Upload bytes for later sends by id (valid 30 days). */
  async uploadMedia(input: { data: Uint8Array; mimeType: string; filename?: string }): Promise<{ ok: true; id: string } | SendFailure> {
    const form = new FormData();
    form.set('messaging_product', 'whatsapp');
    form.set('type', input.mimeType);
    // Copied into a plain ArrayBuffer-backed view: Blob does not take SharedArrayBuffer views.
    form.set('file', new Blob([new Uint8Array(input.data)], { type: input.mimeType }), input.filename ?? 'file');
    const res = await this.#call((c) => c.postForm(this.#mediaPath, form));
    if ('retryable' in res) return res;
    if (!isSuccess(res)) return failureFrom(res);
    const id = isRecord(res.body) ? nonEmptyStr(res.body.id) : undefined;
    return id !== undefined ? { ok: true, id } : invalidResponse(res.status);
  }

  /** Look up a media id (ours or from a webhook) -> a 5-minute download URL and metadata. */
  async getMediaUrl(mediaId: string): Promise<MediaInfo | SendFailure> {
    const path = this.#client.path(`/${encodeURIComponent(mediaId)}?phone_number_id=${this.accountId}`);
    const res = await this.#call((c) => c.getJson(path));
    if ('retryable' in res) return res;
    if (!isSuccess(res)) return failureFrom(res);
    const body = res.body;
    const url = isRecord(body) ? nonEmptyStr(body.url) : undefined;
    if (!isRecord(body) || url === undefined) return invalidResponse(res.status);
    const info: MediaInfo = { ok: true, id: nonEmptyStr(body.id) ?? mediaId, url };
    const mimeType = str(body.mime_type);
    if (mimeType !== undefined) info.mimeType = mimeType;
    const sha256 = str(body.sha256);
    if (sha256 !== undefined) info.sha256 = sha256;
    // file_size is a string in Meta's examples; accept either.
    const fileSize = Number(body.file_size);
    if (body.file_size !== undefined && Number.isFinite(fileSize)) info.fileSize = fileSize;
    return info;
  }

  /**
   * Download media bytes (the token is required). From a media id, the URL is looked up first;
   * a URL from a webhook or `getMediaUrl` is used as is. Refuses to send the token to a
   * non-https URL on another origin.
   */
  async downloadMedia(
    source: { mediaId: string } | { url: string },
    opts?: { maxBytes?: number },
  ): Promise<{ ok: true; data: Buffer; mimeType?: string } | SendFailure> {
    let url: string;
    if ('url' in source) {
      url = source.url;
    } else {
      const info = await this.getMediaUrl(source.mediaId);
      if (!info.ok) return info;
      url = info.url;
    }
    const maxBytes = opts?.maxBytes ?? DEFAULT_MAX_DOWNLOAD_BYTES;
    const res = await this.#call((c) => c.download(url, maxBytes));
    if ('retryable' in res) return res;
    if (res.ok)
      return res.contentType !== undefined ? { ok: true, data: res.data, mimeType: res.contentType } : { ok: true, data: res.data };
    if (res.reason === 'http') return classifyGraphError(res.status, res.body);
    if (res.reason === 'too_large')
      return { ok: false, retryable: false, code: 'media_too_large', message: `media is larger than ${maxBytes} bytes` };
    return { ok: false, retryable: false, code: 'insecure_media_url', message: 'media URL is neither https nor the Graph origin' };
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#client.close();
  }

  /** Runs one client call, turning "closed" and transport errors into failures. */
  async #call<T extends object>(fn: (client: GraphClient) => Promise<T>): Promise<T | SendFailure> {
    // Retryable: the message was never handed over, another worker (or a restart) can send it.
    if (this.#closed) return { ok: false, retryable: true, code: 'adapter_closed', message: 'adapter is closed' };
    try {
      return await fn(this.#client);
    } catch (error) {
      return classifyTransportError(error);
    }
  }
}

export function createWhatsAppCloudAdapter(opts: WhatsAppCloudAdapterOptions): WhatsAppCloudAdapter {
  return new WhatsAppCloudAdapter(opts);
}

function isSuccess(res: GraphResponse): boolean {
  return res.status >= 200 && res.status < 300;
}

function failureFrom(res: GraphResponse): SendFailure {
  const failure = classifyGraphError(res.status, res.body);
  // An explicit Retry-After from the server beats our per-code guess.
  if (failure.retryable && res.retryAfterMs !== undefined) failure.retryAfterMs = res.retryAfterMs;
  return failure;
}

function invalidResponse(status: number): SendFailure {
  return { ok: false, retryable: false, code: 'invalid_response', message: `HTTP ${status} without the expected body`, httpStatus: status };
}
