import type { ChannelAdapter } from '../channels/channel-adapter.ts';
import type { Clock } from '../core/clock.ts';
import { RateWindow } from '../core/rate-window.ts';
import { CircuitBreaker } from './circuit-breaker.ts';
import { DEFAULT_SEND_POLICY, type SendPolicy } from './send-policy.ts';

export interface RegisteredChannel {
  /** Our id (channels.id). */
  id: string;
  kind: 'whatsapp';
  accountId: string; // phone_number_id
  businessAccountId?: string;
  displayPhoneNumber?: string;
  appSecret: string;
  verifyToken: string;
  adapter: ChannelAdapter;
  /** Per-number outbound throughput (per process; see docs/configuration.md). */
  throughput: RateWindow;
  /** Stops calling a Graph API that keeps failing for this number (per process; README, "When WhatsApp is down"). */
  breaker: CircuitBreaker;
}

/** The numbers this deployment serves, looked up by our id or by the provider's account id. */
export class ChannelRegistry {
  private readonly byIdMap = new Map<string, RegisteredChannel>();
  private readonly byAccountMap = new Map<string, RegisteredChannel>();

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
    // A 10% longer window than Meta's second: the network between us and Meta shifts arrival
    // times, and Meta counts on arrival, so a send spaced exactly 1000 ms apart could land early.
    const channel: RegisteredChannel = { ...rest, throughput: new RateWindow(throughputPerSecond, 1100, clock), breaker };
    this.byIdMap.set(channel.id, channel);
    this.byAccountMap.set(channel.accountId, channel);
    return channel;
  }

  byId(id: string): RegisteredChannel | undefined {
    return this.byIdMap.get(id);
  }

  byAccount(accountId: string): RegisteredChannel | undefined {
    return this.byAccountMap.get(accountId);
  }

  all(): RegisteredChannel[] {
    return [...this.byIdMap.values()];
  }

  appSecrets(): string[] {
    return [...new Set(this.all().map((c) => c.appSecret))];
  }

  async close(): Promise<void> {
    await Promise.all(this.all().map((c) => c.adapter.close()));
  }
}
