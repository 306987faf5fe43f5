import type { SendResult } from '../channel-types.ts';
import { finiteNum, isRecord, str } from './json-guards.ts';

/** The failing half of SendResult: what the job runner reads to decide on a retry. */
export type SendFailure = Extract<SendResult, { ok: false }>;

/**
 * Graph error codes worth another attempt (Meta's error table, /work/shared/whatsapp-cloud-api.md
 * section 6): server-side trouble (1, 2, 131000, 131016), rate limits (4, 80007, 130429, 131056),
 * maintenance (131057), registration throttling (133016) and Flow throttling (132069).
 * Everything else (bad parameters, closed window 131047, unknown template 132001, bad token 190,
 * ...) fails the same way every time.
 */
const RETRYABLE_CODES: ReadonlySet<number> = new Set([1, 2, 4, 80007, 130429, 131000, 131016, 131056, 131057, 132069, 133016]);

/**
 * How long to wait before retrying, where Meta's guidance gives a scale: the per-number
 * throughput limit (130429) clears within about a second; the business->user pair limit
 * (131056) allows one message per 6 s once the burst is spent.
 */
const RETRY_AFTER_MS: ReadonlyMap<number, number> = new Map([
  [130429, 1_000],
  [131056, 6_000],
]);

/**
 * A non-2xx Graph response -> SendFailure. Pure.
 * Meta advises keying on `error.code`, not the HTTP status, so the code decides; any 5xx is
 * retryable regardless (server trouble is transient whatever the body says). A body that is not
 * a Graph error (a proxy's HTML page, an empty body) is classified by status alone.
 */
export function classifyGraphError(httpStatus: number, body: unknown): SendFailure {
  const err = isRecord(body) ? body.error : undefined;
  const code = isRecord(err) ? finiteNum(err.code) : undefined;
  if (isRecord(err) && code !== undefined) {
    const title = str(err.message) ?? `Graph error ${code}`;
    const data = err.error_data;
    const details = isRecord(data) ? str(data.details) : undefined;
    const failure: SendFailure = {
      ok: false,
      retryable: RETRYABLE_CODES.has(code) || httpStatus >= 500,
      code: `whatsapp_${code}`,
      message: details !== undefined && details.length > 0 ? `${title}: ${details}` : title,
      httpStatus,
    };
    const hint = RETRY_AFTER_MS.get(code);
    if (hint !== undefined) failure.retryAfterMs = hint;
    return failure;
  }
  const snippet = typeof body === 'string' ? body.slice(0, 200).trim() : '';
  return {
    ok: false,
    retryable: httpStatus >= 500 || httpStatus === 429 || httpStatus === 408,
    code: `http_${httpStatus}`,
    message: snippet.length > 0 ? `HTTP ${httpStatus}: ${snippet}` : `HTTP ${httpStatus}`,
    httpStatus,
  };
}

// The request may have reached Meta: no answer in time, or the connection dropped after it was
// written. Sending again could deliver the message twice (src/messaging/send-outbound.ts).
const TIMEOUT_CODES: ReadonlySet<string> = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);
const CONNECTION_LOST_CODES: ReadonlySet<string> = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET']);

/**
 * A thrown transport error (no HTTP response) -> SendFailure, always retryable as far as the
 * number is concerned. The code says whether the request could have reached Meta:
 * `network_error` (refused, unreachable, DNS, connect timeout: it never left, so a retry is safe),
 * `timeout` (sent, no answer) or `connection_lost` (dropped after sending): the send path leaves
 * those two unconfirmed instead of sending again.
 */
export function classifyTransportError(error: unknown): SendFailure {
  const code = isRecord(error) ? str(error.code) : undefined;
  const name = error instanceof Error ? error.name : 'Error';
  const detail = error instanceof Error ? error.message : String(error);
  const timedOut = (code !== undefined && TIMEOUT_CODES.has(code)) || (name === 'TimeoutError' && code !== 'UND_ERR_CONNECT_TIMEOUT');
  const lost = code !== undefined && CONNECTION_LOST_CODES.has(code);
  return {
    ok: false,
    retryable: true,
    code: timedOut ? 'timeout' : lost ? 'connection_lost' : 'network_error',
    message: code !== undefined ? `${code}: ${detail}` : `${name}: ${detail}`,
  };
}

/** Did the request perhaps reach Meta (so resending could deliver it twice)? */
export function outcomeUnknown(failure: { code: string }): boolean {
  return failure.code === 'timeout' || failure.code === 'connection_lost';
}
