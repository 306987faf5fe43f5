import type { ChannelAdapter } from '../channels/channel-adapter.ts';
import type { Clock } from '../core/clock.ts';
import { RateWindow } from '../core/rate-window.ts';
import { CircuitBreaker } from './circuit-breaker.ts';
import { DEFAULT_SEND_POLICY, type SendPolicy } from './send-policy.ts';

export interface RegisteredChannel {
  /** Our id (channels.id). */
  id: string;
  kind: 'whatsapp' | 'telegram';
  accountId: string; // phone_number_id; Telegram: the bot's id
  businessAccountId?: string;
  displayPhoneNumber?: string;
  appSecret: string;
  verifyToken: string;
  /** Telegram: the X-Telegram-Bot-Api-Secret-Token its webhook requests must carry. */
  webhookSecret?: string;
  adapter: ChannelAdapter;
  /** Per-number outbound throughput (per process; see docs/configuration.md). */
  throughput: RateWindow;
  /** Stops calling a Graph API that keeps failing for this number (per process; README, "When WhatsApp is down"). */
  breaker: CircuitBreaker;
}

/**
 * The numbers and bots this deployment serves, looked up by our id or by the provider's account id.
 * `all()` and `byAccount()` are the WhatsApp numbers (what webhook signatures, templates and the
 * defaults of older routes mean); Telegram bots are found by `byId()` and `telegramBots()`.
 */
export class ChannelRegistry {
  private readonly byIdMap = new Map<string, RegisteredChannel>();
  private readonly byAccountMap = new Map<string, RegisteredChannel>();
  private readonly telegramMap = new Map<string, RegisteredChannel>();

  add(
    input: Omit<RegisteredChannel, 'throughput' | 'breaker'> & { throughputPerSecond: number },
    clock: Clock,
    policy: SendPolicy = DEFAULT_SEND_POLICY,
  ): RegisteredChannel {
    const { throughputPerSecond, ...rest } = input;
    const breaker = new CircuitBreaker(
      { failures: policy.breakerFailures, cooldownMs: policy.breakerCooldownMs, maxCooldownMs: policy.breakerMaxCooldownMs },
      clock,
    );
    // Meta's second and 1% more. A slot is stamped when Graph answers (RateWindow), after the
    // request arrived, so two sends a window apart arrive at least a second apart. A 10% margin
    // (1,100 ms) capped the default 80 msg/s at 72 (issue #17: 80 +- 2); with none, one benchmark
    // run of three saw 81 sends in one second at 80 (cause not found), so 10 ms stay.
    const channel: RegisteredChannel = { ...rest, throughput: new RateWindow(throughputPerSecond, 1010, clock), breaker };
    this.byIdMap.set(channel.id, channel);
    if (channel.kind === 'telegram') this.telegramMap.set(channel.accountId, channel);
    else this.byAccountMap.set(channel.accountId, channel);
    return channel;
  }

  byId(id: string): RegisteredChannel | undefined {
    return this.byIdMap.get(id);
  }

  byAccount(accountId: string): RegisteredChannel | undefined {
    return this.byAccountMap.get(accountId);
  }

  all(): RegisteredChannel[] {
    return [...this.byAccountMap.values()];
  }

  /** The Telegram bots, and one by its bot id. */
  telegramBots(): RegisteredChannel[] {
    return [...this.telegramMap.values()];
  }

  telegramBot(botId: string): RegisteredChannel | undefined {
    return this.telegramMap.get(botId);
  }

  appSecrets(): string[] {
    return [...new Set(this.all().map((c) => c.appSecret))];
  }

  async close(): Promise<void> {
    await Promise.all([...this.byIdMap.values()].map((c) => c.adapter.close()));
  }
}
