import { newFbtraceId } from './ids.ts';

/**
 * A Graph API error as Meta returns it. `httpStatus` is 400 for parameter/policy errors (the
 * commonly observed status; Meta's per-code mapping is UNCONFIRMED and clients should key on
 * `code`), 401 for token errors.
 */
export class GraphError extends Error {
  constructor(
    readonly code: number,
    readonly title: string,
    readonly details: string,
    readonly httpStatus = 400,
    readonly extra: { error_subcode?: number; error_user_title?: string; error_user_msg?: string; is_transient?: boolean } = {},
  ) {
    super(`(#${code}) ${title}`);
    this.name = 'GraphError';
  }

  toBody(): { error: Record<string, unknown> } {
    return {
      error: {
        message: this.message,
        type: 'OAuthException',
        code: this.code,
        error_data: { messaging_product: 'whatsapp', details: this.details },
        ...this.extra,
        fbtrace_id: newFbtraceId(),
      },
    };
  }
}

/** Titles as Meta's error-code table words them; the `message` is "(#code) title". */
export const errorTitles: Record<number, string> = {
  100: 'Invalid parameter',
  190: 'Invalid OAuth access token - Cannot parse access token',
  130429: 'Rate limit hit',
  131008: 'Required parameter is missing',
  131009: 'Parameter value is not valid',
  131021: 'Recipient cannot be sender',
  131026: 'Message undeliverable',
  131047: 'Re-engagement message',
  131049: 'This message was not delivered to maintain healthy ecosystem engagement.',
  131051: 'Unsupported message type',
  131053: 'Media upload error',
  131056: '(Business Account, Consumer Account) pair rate limit hit',
  131062: 'Business-scoped User ID recipients are not supported for this message.',
  132000: 'Number of parameters does not match the expected number of params',
  132001: 'Template name does not exist in the translation',
  132012: 'Parameter format does not match format in the created template',
  132015: 'Template is Paused',
  132016: 'Template is Disabled',
  132018: 'There was an issue with the parameters in your template.',
};

export function graphError(code: number, details: string, httpStatus = 400): GraphError {
  return new GraphError(code, errorTitles[code] ?? 'Invalid parameter', details, httpStatus);
}

/**
 * Code 100 is Graph's generic parameter error; its message carries the specifics. Callers may
 * write the message with or without the "(#100) " prefix: it appears once in `message`
 * ("(#100) Param ...") and never in `error_data.details`.
 */
export function invalidParam(message: string, extra: GraphError['extra'] = {}): GraphError {
  const text = message.replace(/^\(#100\)\s*/, '');
  return new GraphError(100, text, text, 400, extra);
}

export const missing = (details: string): GraphError => graphError(131008, details);
export const invalid = (details: string): GraphError => graphError(131009, details);

/** The 190 token error (HTTP 401). */
export function tokenError(): GraphError {
  return graphError(190, 'The access token could not be decrypted or is missing.', 401);
}

/** Errors that arrive asynchronously in a `failed` status: the full `errors[]` item. */
const asyncDetails: Record<number, string> = {
  131047: 'Message failed to send because more than 24 hours have passed since the customer last replied to this number.',
  131026: 'Message Undeliverable.',
  131049: 'In order to maintain a healthy ecosystem engagement, the message failed to be delivered.',
  131053: 'Unable to download the media sent by the business.',
};

export interface StatusErrorItem {
  code: number;
  title: string;
  message: string;
  error_data: { details: string };
  href: string;
}

export function statusErrorItem(code: number, details?: string): StatusErrorItem {
  const title = errorTitles[code] ?? 'Unknown error';
  return {
    code,
    title,
    message: title,
    error_data: { details: details ?? asyncDetails[code] ?? title },
    href: '/documentation/business-messaging/whatsapp/support/error-codes',
  };
}
