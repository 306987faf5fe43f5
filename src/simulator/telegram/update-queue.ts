import { request } from 'undici';
import type { TgUpdate } from './tg-types.ts';

export interface WebhookSettings {
  url: string;
  secretToken?: string;
  allowedUpdates?: string[];
  maxConnections: number;
}

/** One delivery attempt as the simulator made it (tests and the phone page read these). */
export interface TgDelivery {
  updateId: number;
  url: string;
  status: number | 'error';
  secretHeader?: string;
  at: number;
}

/**
 * Pending updates of the bot, handed out either by webhook (POST with the secret header, in
 * update_id order, one at a time, retried until answered 2xx) or by getUpdates, never both —
 * as Telegram does (https://core.telegram.org/bots/api#getting-updates). Telegram keeps
 * undelivered updates for 24 hours; the simulator keeps them until delivered or dropped.
 */
export class UpdateQueue {
  private pending: TgUpdate[] = [];
  private nextUpdateId = 100_000_001;
  webhook: WebhookSettings | undefined;
  lastError: { date: number; message: string } | undefined;
  readonly deliveries: TgDelivery[] = [];
  private delivering = false;
  private timer: NodeJS.Timeout | undefined;
  private waiters: Array<() => void> = [];
  private closed = false;
  private failures = 0;

  constructor(
    private readonly retryDelaysMs: number[],
    private readonly now: () => number,
  ) {}

  push(fields: Record<string, unknown>): TgUpdate {
    const update: TgUpdate = { update_id: this.nextUpdateId++, ...fields };
    this.pending.push(update);
    for (const w of this.waiters.splice(0)) w();
    this.kick();
    return update;
  }

  get pendingCount(): number {
    return this.pending.length;
  }

  setWebhook(settings: WebhookSettings | undefined, dropPending: boolean): void {
    this.webhook = settings;
    this.lastError = undefined;
    this.failures = 0;
    if (dropPending) this.pending = [];
    this.kick();
  }

  /** getUpdates: confirms every update below `offset`, then returns up to `limit`, waiting up to `timeoutS` for one. */
  async take(offset: number | undefined, limit: number, timeoutS: number, allowed?: string[]): Promise<TgUpdate[]> {
    if (offset !== undefined) {
      // A negative offset keeps the last -offset updates (Bot API semantics).
      if (offset < 0) this.pending = this.pending.slice(offset);
      else this.pending = this.pending.filter((u) => u.update_id >= offset);
    }
    const pick = () => this.pending.filter((u) => allowedUpdate(u, allowed)).slice(0, limit);
    let out = pick();
    if (out.length === 0 && timeoutS > 0 && !this.closed) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(timeoutS, 50) * 1000);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
      out = pick();
    }
    return out;
  }

  /** Resolves when every pending update was delivered (webhook mode), or after timeoutMs. */
  async drain(timeoutMs = 5000): Promise<boolean> {
    const until = Date.now() + timeoutMs;
    while (this.pending.length > 0 || this.delivering) {
      if (Date.now() > until) return false;
      await new Promise((r) => setTimeout(r, 5));
    }
    return true;
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    for (const w of this.waiters.splice(0)) w();
  }

  private kick(delayMs = 0): void {
    if (!this.webhook || this.delivering || this.closed || this.pending.length === 0) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.deliverNext(), delayMs);
  }

  private async deliverNext(): Promise<void> {
    const hook = this.webhook;
    const update = this.pending[0];
    if (!hook || !update || this.delivering || this.closed) return;
    if (!allowedUpdate(update, hook.allowedUpdates)) {
      this.pending.shift(); // an update the bot did not ask for is never sent
      return this.kick();
    }
    this.delivering = true;
    let status: number | 'error' = 'error';
    let message = '';
    try {
      const res = await request(hook.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(hook.secretToken ? { 'x-telegram-bot-api-secret-token': hook.secretToken } : {}),
        },
        body: JSON.stringify(update),
        headersTimeout: 10_000,
        bodyTimeout: 10_000,
      });
      status = res.statusCode;
      await res.body.dump();
      message = `Wrong response from the webhook: ${status}`;
    } catch (err) {
      message = `Connection refused${err instanceof Error ? ` (${err.message})` : ''}`;
    }
    this.deliveries.push({
      updateId: update.update_id,
      url: hook.url,
      status,
      ...(hook.secretToken ? { secretHeader: hook.secretToken } : {}),
      at: this.now(),
    });
    this.delivering = false;
    if (typeof status === 'number' && status >= 200 && status < 300) {
      if (this.pending[0] === update) this.pending.shift();
      this.failures = 0;
      return this.kick();
    }
    this.lastError = { date: Math.floor(this.now() / 1000), message };
    const delay = this.retryDelaysMs[Math.min(this.failures, this.retryDelaysMs.length - 1)] ?? 1000;
    this.failures += 1;
    this.kick(delay);
  }
}

function allowedUpdate(u: TgUpdate, allowed: string[] | undefined): boolean {
  if (!allowed || allowed.length === 0) return true;
  return Object.keys(u).some((k) => k !== 'update_id' && allowed.includes(k));
}
