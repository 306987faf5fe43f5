/**
 * The Telegram channel's public surface: the adapter, the update parser and the webhook secret
 * check. Outside this folder only this file may be imported (.dependency-cruiser.cjs).
 */
export { TELEGRAM_CAPABILITIES, TelegramAdapter, type TelegramAdapterOptions, type TelegramUploadStore } from './telegram-adapter.ts';
export { TELEGRAM_MAX_UPLOAD_BYTES, TELEGRAM_UPLOAD_LIMITS } from './upload-limits.ts';
export { parseTelegramUpdate, type ParsedTelegramUpdate } from './parse-update.ts';
export { telegramSecretMatches, WEBHOOK_SECRET_PATTERN } from './webhook-secret.ts';
export { escapeHtml, toBotApiCall, type BotApiCall } from './outbound-call.ts';
