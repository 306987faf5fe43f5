import { type FormData, Pool } from 'undici';

export interface BotApiClientOptions {
  /** Bot API origin, optionally with a path prefix: 'https://api.telegram.org', the simulator's URL. */
  apiUrl: string;
  botToken: string;
  timeoutMs: number;
  connections: number;
}

/** A Bot API answer: the HTTP status and the parsed `{ok, result | error_code, description, parameters}`. */
export interface BotApiResponse {
  status: number;
  body: unknown;
}

/**
 * The HTTP layer under the Telegram adapter: one undici Pool (keep-alive) per bot, like the
 * WhatsApp adapter's GraphClient, so a send costs a request on a warm connection. The token is
 * part of every path (https://core.telegram.org/bots/api#making-requests): it lives in a private
 * field and is never put into errors or logs.
 */
export class BotApiClient {
  readonly #pool: Pool;
  readonly #prefix: string;
  readonly #filePrefix: string;

  constructor(opts: BotApiClientOptions) {
    if (!/^\d{1,20}:[A-Za-z0-9_-]{20,100}$/.test(opts.botToken))
      throw new Error('the Telegram bot token must look like "<bot id>:<secret>" (BotFather gives it)');
    const url = new URL(opts.apiUrl);
    const base = url.pathname.replace(/\/+$/, '');
    this.#prefix = `${base}/bot${opts.botToken}/`;
    this.#filePrefix = `${base}/file/bot${opts.botToken}/`;
    this.#pool = new Pool(url.origin, {
      connections: opts.connections,
      pipelining: 1,
      headersTimeout: opts.timeoutMs,
      bodyTimeout: opts.timeoutMs,
      connect: { timeout: opts.timeoutMs },
    });
  }

  async call(method: string, params: Record<string, unknown>, opts: { timeoutMs?: number } = {}): Promise<BotApiResponse> {
    const res = await this.#pool.request({
      method: 'POST',
      path: this.#prefix + method,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(params),
      ...(opts.timeoutMs ? { headersTimeout: opts.timeoutMs, bodyTimeout: opts.timeoutMs } : {}),
    });
    return read(res.statusCode, await res.body.text());
  }

  async callForm(method: string, form: FormData): Promise<BotApiResponse> {
    const res = await this.#pool.request({ method: 'POST', path: this.#prefix + method, body: form });
    return read(res.statusCode, await res.body.text());
  }

  /** GET /file/bot<token>/<file_path>, refused past maxBytes. */
  async download(
    filePath: string,
    maxBytes: number,
  ): Promise<{ ok: true; data: Buffer; contentType?: string } | { ok: false; status: number } | { ok: false; reason: 'too_large' }> {
    const res = await this.#pool.request({ method: 'GET', path: this.#filePrefix + filePath.split('/').map(encodeURIComponent).join('/') });
    if (res.statusCode !== 200) {
      await res.body.dump();
      return { ok: false, status: res.statusCode };
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body) {
      size += (chunk as Buffer).length;
      if (size > maxBytes) {
        res.body.destroy();
        return { ok: false, reason: 'too_large' };
      }
      chunks.push(chunk as Buffer);
    }
    const type = res.headers['content-type'];
    return { ok: true, data: Buffer.concat(chunks), ...(typeof type === 'string' ? { contentType: type } : {}) };
  }

  close(): Promise<void> {
    return this.#pool.close();
  }
}

function read(status: number, text: string): BotApiResponse {
  try {
    return { status, body: JSON.parse(text) };
  } catch {
    return { status, body: text };
  }
}
