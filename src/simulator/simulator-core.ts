import type { Clock } from '../core/clock.ts';
import { systemClock } from '../core/clock.ts';
import { InboundService } from './inbound-service.ts';
import { MediaStore } from './media-store.ts';
import type { ResolvedOptions } from './options.ts';
import { OutboundService } from './outbound-service.ts';
import { RateLimits } from './rate-limits.ts';
import { Scheduler } from './scheduler.ts';
import { SimClock } from './sim-clock.ts';
import { SimulatorState, type OutboundEntry } from './simulator-state.ts';
import { StatusBatcher } from './status-batcher.ts';
import { StatusScheduler } from './status-scheduler.ts';
import { TemplateStore } from './template-store.ts';
import type { SimOutbound, SimTemplate, VerifyResult } from './types.ts';
import { WebhookEmitter } from './webhook-emitter.ts';
import { IdentityChanges } from './identity-changes.ts';
import { envelope, statusesChange } from './webhook-payloads.ts';
import { verifyCallback } from './webhook-verifier.ts';

/**
 * Wires the simulator's parts together (no HTTP here): the routes and the public Simulator
 * object both drive this.
 */
export class SimulatorCore {
  readonly clock: SimClock;
  readonly scheduler = new Scheduler();
  readonly state: SimulatorState;
  readonly media: MediaStore;
  readonly templates: TemplateStore;
  readonly emitter: WebhookEmitter;
  readonly statuses: StatusScheduler;
  readonly batcher: StatusBatcher;
  readonly outbound: OutboundService;
  readonly inbound: InboundService;
  readonly identity: IdentityChanges;
  webhookUrl: string | undefined;
  webhookVerified = false;
  baseUrl = '';

  constructor(
    readonly opts: ResolvedOptions,
    clock: Clock = systemClock,
  ) {
    this.clock = new SimClock(clock);
    this.state = new SimulatorState(opts.maxLogEntries, opts.wabaId);
    this.media = new MediaStore(this.clock);
    this.webhookUrl = opts.webhookUrl;
    const changed = () => this.state.events.emit('change');
    this.emitter = new WebhookEmitter(opts, this.clock, this.scheduler, () => this.webhookUrl, changed);
    const metadata = { display_phone_number: opts.displayPhoneNumber, phone_number_id: opts.phoneNumberId };
    this.batcher = new StatusBatcher(opts.batch, this.scheduler, (items, contacts) => {
      this.emitter.enqueue(envelope(opts.wabaId, [statusesChange(metadata, items, contacts)]), 'messages', items.length);
    });
    this.statuses = new StatusScheduler(
      opts,
      this.clock,
      this.scheduler,
      this.state,
      (item, contact) => this.batcher.add(item, contact),
      changed,
    );
    this.templates = new TemplateStore(
      this.clock,
      this.scheduler,
      opts.templateReviewDelayMs,
      (t, event, extra) => this.emitTemplateEvent(t, event, extra),
      changed,
    );
    for (const seed of opts.seedTemplates) this.templates.create(seed);
    const limits = new RateLimits(opts.throughputPerSecond, opts.pairRateLimit, () => this.scheduler.now());
    this.outbound = new OutboundService(opts, this.clock, this.scheduler, this.state, this.media, this.templates, limits, this.statuses);
    this.inbound = new InboundService(opts, this.clock, this.state, this.media, this.emitter);
    this.identity = new IdentityChanges(opts, this.clock, this.state, this.emitter);
  }

  private async emitTemplateEvent(t: SimTemplate, event: string, extra: Record<string, unknown>): Promise<void> {
    const value: Record<string, unknown> = {
      event,
      message_template_id: Number(t.id),
      message_template_name: t.name,
      message_template_language: t.language,
      reason: event === 'PENDING_DELETION' ? null : (t.reason ?? 'NONE'),
      message_template_category: t.category,
      ...extra,
    };
    const payload = envelope(this.opts.wabaId, [{ field: 'message_template_status_update', value }], Math.floor(this.clock.now() / 1000));
    this.state.events.emit('template', t);
    await this.emitter.enqueue(payload, 'message_template_status_update', 1, true);
  }

  async verifyWebhook(): Promise<VerifyResult> {
    if (!this.webhookUrl) return { ok: false, error: 'no webhook URL configured' };
    const r = await verifyCallback(this.webhookUrl, this.opts.verifyToken, this.emitter.agent, this.opts.webhookRetry.timeoutMs);
    this.webhookVerified = r.ok;
    return r;
  }

  /** Like the App Dashboard: the callback is saved only when the handshake succeeds. */
  async setWebhookUrl(url: string): Promise<VerifyResult> {
    const r = await verifyCallback(url, this.opts.verifyToken, this.emitter.agent, this.opts.webhookRetry.timeoutMs);
    if (r.ok) {
      this.webhookUrl = url;
      this.webhookVerified = true;
    }
    return r;
  }

  advanceTime(ms: number): void {
    if (!(ms >= 0)) throw new Error(`advanceTime needs a non-negative number of ms, got ${ms}`);
    this.clock.advance(ms);
    this.scheduler.advance(ms);
  }

  /** Work that will still produce webhooks before `deadline` (virtual ms). */
  private pendingWork(deadline: number): number {
    return this.statuses.pending + this.batcher.pending + this.templates.pendingReviews + this.emitter.pendingBefore(deadline);
  }

  drainWebhooks(timeoutMs = 5000): Promise<void> {
    const deadline = this.scheduler.now() + timeoutMs;
    if (this.batcher.pending > 0) this.batcher.flush();
    if (this.pendingWork(deadline) === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = () => {
        if (this.batcher.pending > 0 && this.statuses.pending === 0) this.batcher.flush();
        if (this.pendingWork(deadline) > 0) return;
        cleanup();
        resolve();
      };
      const timer = setTimeout(() => {
        cleanup();
        const n = this.pendingWork(deadline);
        if (n === 0) resolve();
        else reject(new Error(`drainWebhooks: ${n} webhook(s) or status(es) still pending after ${timeoutMs} ms (see sim.deliveries())`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.state.events.off('change', check);
      };
      this.state.events.on('change', check);
    });
  }

  waitForOutbound(pred: (m: SimOutbound) => boolean, timeoutMs = 5000): Promise<SimOutbound> {
    const found = this.state.outboundLog.find((e) => pred(e.rec));
    if (found) return Promise.resolve(found.rec);
    return new Promise((resolve, reject) => {
      const on = (e: OutboundEntry) => {
        if (!pred(e.rec)) return;
        cleanup();
        resolve(e.rec);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(
          new Error(
            `waitForOutbound: no matching outbound message within ${timeoutMs} ms (${this.state.outboundLog.size} outbound so far)`,
          ),
        );
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.state.events.off('outbound', on);
      };
      this.state.events.on('outbound', on);
    });
  }

  async close(): Promise<void> {
    this.scheduler.close();
    await this.emitter.close();
    this.state.events.removeAllListeners();
  }
}
