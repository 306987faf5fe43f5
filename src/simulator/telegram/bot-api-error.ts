/**
 * A Bot API failure as Telegram answers it: HTTP status = `error_code`, body
 * `{ok: false, error_code, description, parameters?}` (https://core.telegram.org/bots/api#making-requests).
 */
export class BotApiError extends Error {
  constructor(
    readonly errorCode: number,
    readonly description: string,
    readonly parameters?: { retry_after?: number; migrate_to_chat_id?: number },
  ) {
    super(description);
  }

  toBody(): Record<string, unknown> {
    return {
      ok: false,
      error_code: this.errorCode,
      description: this.description,
      ...(this.parameters ? { parameters: this.parameters } : {}),
    };
  }
}

export const badRequest = (what: string) => new BotApiError(400, `Bad Request: ${what}`);
export const chatNotFound = () => badRequest('chat not found');
export const blockedByUser = () => new BotApiError(403, 'Forbidden: bot was blocked by the user');
export const tooManyRequests = (retryAfterS: number) =>
  new BotApiError(429, `Too Many Requests: retry after ${retryAfterS}`, { retry_after: retryAfterS });
