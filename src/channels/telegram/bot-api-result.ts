import type { SendResult } from '../channel-types.ts';
import type { BotApiResponse } from './bot-api-client.ts';

type Failure = Extract<SendResult, { ok: false }>;
type Rec = Record<string, unknown>;
const isRec = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The `result` of a successful call, or the failure as a SendResult (https://core.telegram.org/bots/api#making-requests). */
export function botApiResult(res: BotApiResponse): { ok: true; result: unknown } | Failure {
  const body = isRec(res.body) ? res.body : {};
  if (res.status === 200 && body.ok === true) return { ok: true, result: body.result };
  const description = typeof body.description === 'string' ? body.description : `HTTP ${res.status}`;
  const code = typeof body.error_code === 'number' ? body.error_code : res.status;
  const params = isRec(body.parameters) ? body.parameters : {};
  if (code === 429) {
    const s = typeof params.retry_after === 'number' ? params.retry_after : 1;
    return { ok: false, retryable: true, code: 'telegram_429', message: description, httpStatus: 429, retryAfterMs: s * 1000 };
  }
  // "Forbidden: bot was blocked by the user" (and "user is deactivated"): never retried.
  if (code === 403)
    return {
      ok: false,
      retryable: false,
      code: /blocked by the user/i.test(description) ? 'telegram_blocked' : 'telegram_403',
      message: description,
      httpStatus: 403,
    };
  // 401 (token revoked), 404 (wrong token or URL), 5xx: the bot or Telegram is failing, not this message.
  if (code === 401 || code === 404 || code >= 500)
    return { ok: false, retryable: true, code: `telegram_${code}`, message: description, httpStatus: res.status };
  return { ok: false, retryable: false, code: `telegram_${code}`, message: description, httpStatus: res.status };
}

const TIMEOUT = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);
const LOST = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET']);

/**
 * A transport error. Codes as the WhatsApp adapter's, which the send path reads: `timeout` and
 * `connection_lost` (the request may have arrived: left unconfirmed, not resent), else `network_error`.
 */
export function transportFailure(error: unknown): Failure {
  const code = isRec(error) && typeof error.code === 'string' ? error.code : undefined;
  const detail = error instanceof Error ? error.message : String(error);
  if (code === 'UND_ERR_CLOSED' || code === 'UND_ERR_DESTROYED')
    return { ok: false, retryable: true, code: 'adapter_closed', message: 'the channel is closing' };
  return {
    ok: false,
    retryable: true,
    code: code && TIMEOUT.has(code) ? 'timeout' : code && LOST.has(code) ? 'connection_lost' : 'network_error',
    message: code ? `${code}: ${detail}` : detail,
  };
}
