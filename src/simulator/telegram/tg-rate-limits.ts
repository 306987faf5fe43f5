import { tooManyRequests, type BotApiError } from './bot-api-error.ts';
import type { TgLimits } from './tg-types.ts';

/** Sliding windows of send times: per bot, per private chat, per group (negative chat ids). */
export class TgRateLimits {
  private readonly bot: number[] = [];
  private readonly chats = new Map<number, number[]>();

  constructor(
    readonly limits: TgLimits,
    private readonly now: () => number,
  ) {}

  /** Takes a slot for one message to `chatId`, or the 429 Telegram would answer (retry_after in whole seconds, at least 1). */
  take(chatId: number): BotApiError | undefined {
    const t = this.now();
    const botWait = waitFor(this.bot, this.limits.perBotPerSecond, 1000, t);
    const group = chatId < 0;
    const chatTimes = this.chats.get(chatId) ?? [];
    const chatWait = group
      ? waitFor(chatTimes, this.limits.perGroupPerMinute, 60_000, t)
      : waitFor(chatTimes, this.limits.perChat, this.limits.perChatWindowMs, t);
    const wait = Math.max(botWait, chatWait);
    if (wait > 0) return tooManyRequests(Math.max(1, Math.ceil(wait / 1000)));
    this.bot.push(t);
    chatTimes.push(t);
    this.chats.set(chatId, chatTimes);
    return undefined;
  }
}

/** Drops times outside the window; ms until one more fits (0: now). */
function waitFor(times: number[], limit: number, windowMs: number, now: number): number {
  while (times.length > 0 && now - times[0]! >= windowMs) times.shift();
  if (times.length < limit) return 0;
  return times[times.length - limit]! + windowMs - now;
}
