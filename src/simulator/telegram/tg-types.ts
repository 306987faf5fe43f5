/** The Bot API objects the simulator produces (https://core.telegram.org/bots/api#available-types), as plain JSON. */
export interface TgUser {
  id: number;
  is_bot: boolean;
  first_name: string;
  last_name?: string;
  username?: string;
  language_code?: string;
}

export interface TgChat {
  id: number;
  type: 'private' | 'group' | 'supergroup';
  first_name?: string;
  last_name?: string;
  username?: string;
  title?: string;
}

export type TgMessage = Record<string, unknown> & { message_id: number; date: number; chat: TgChat };

/** One update; exactly one of the optional fields is present. */
export type TgUpdate = Record<string, unknown> & { update_id: number };

/** A file the simulator holds: uploaded by a bot, or sent by a simulated user. */
export interface TgFile {
  file_id: string;
  file_unique_id: string;
  file_path: string;
  file_size: number;
  mime_type?: string;
  file_name?: string;
  data: Buffer;
}

/** What a bot sent, as the simulator received it: the method, its parameters, and the result. */
export interface TgSent {
  method: string;
  params: Record<string, unknown>;
  at: number;
  message?: TgMessage;
  /** A file part of the request (multipart/form-data), as received: the parameter, its name, type and size, and the file_id given. */
  upload?: { field: string; file_id: string; filename?: string; mime_type?: string; size: number };
}

export interface TelegramSimulatorOptions {
  port?: number;
  host?: string;
  /** The bot's token: `<bot id>:<secret>`. Generated when absent. */
  botToken?: string;
  botUsername?: string;
  /** Guards the test API (/_sim) and the phone page, like the WhatsApp simulator's. */
  testToken?: string;
  /** Rate limits (429 with retry_after past them). Telegram's documented figures by default. */
  limits?: Partial<TgLimits>;
  /** Webhook retry delays in ms (after a non-2xx answer or a failed connection); then it keeps the last. */
  retryDelaysMs?: number[];
  now?: () => number;
}

/**
 * https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this: "avoid sending
 * more than one message per second" in one chat, "not more than 20 messages per minute" in a group,
 * "not more than about 30 messages per second" overall.
 */
export interface TgLimits {
  perBotPerSecond: number;
  /** Messages one private chat may take in `perChatWindowMs` (a short burst is tolerated, as Telegram does). */
  perChat: number;
  perChatWindowMs: number;
  perGroupPerMinute: number;
}

export const DEFAULT_LIMITS: TgLimits = { perBotPerSecond: 30, perChat: 1, perChatWindowMs: 1000, perGroupPerMinute: 20 };
