import { createHash, timingSafeEqual } from 'node:crypto';

/** What Telegram accepts as `secret_token` (https://core.telegram.org/bots/api#setwebhook): 1-256 of A-Z a-z 0-9 _ -. */
export const WEBHOOK_SECRET_PATTERN = /^[A-Za-z0-9_-]{1,256}$/;

/**
 * Checks `X-Telegram-Bot-Api-Secret-Token` against the bot's secret in constant time: both sides
 * are hashed first, so neither the comparison nor an early length mismatch says how much matched.
 */
export function telegramSecretMatches(header: string | undefined, secret: string): boolean {
  if (header === undefined) return false;
  const a = createHash('sha256').update(header).digest();
  const b = createHash('sha256').update(secret).digest();
  return timingSafeEqual(a, b);
}
