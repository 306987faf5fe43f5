import { performance } from 'node:perf_hooks';
import { Agent, request } from 'undici';
import type { Clock } from '../core/clock.ts';
import { asciiJson, signBody } from './ascii-json.ts';
import type { ResolvedOptions } from './options.ts';
import { retryDelayMs } from './retry-schedule.ts';
import { RingLog } from './ring-log.ts';
import type { ScheduledTask, Scheduler } from './scheduler.ts';
import type { SimDelivery } from './types.ts';
import { errorText } from './webhook-verifier.ts';

interface Pending {
  id: number;
  field: string;
  itemCount: number;
  body: string;
  signature: string;
  attempts: number;
  firstVirtual: number;
  firstSim: number;
  onFirstAttempt?: () => void;
}

/**
 * Delivers webhooks the way Meta does: ASCII-escaped JSON signed with the app secret, POSTed
 * with a keep-alive pool, success only on HTTP 200, anything else (status, error, timeout)
 * retried with exponential backoff + jitter until maxAttempts or maxAge of simulated time.
 * The body and signature are computed once, so every retry carries identical bytes.
 * UNCONFIRMED in Meta's docs, our choices: the response timeout (10 s default), 200 as the only
 * success (a 204 is retried), and no legacy `X-Hub-Signature` (sha1) header.
 */
export class WebhookEmitter {
  readonly log: RingLog<SimDelivery>;
  readonly agent: Agent;
  private queue: Pending[] = [];
  private head = 0;
  private inflight = 0;
  private retries = new Map<number, { task: ScheduledTask; d: Pending }>();
  private nextId = 1;
  private closed = false;
  private warnedNoUrl = false;

  constructor(
    private readonly opts: ResolvedOptions,
    private readonly clock: Clock,
    private readonly scheduler: Scheduler,
    private readonly getUrl: () => string | undefined,
    private readonly onChange: () => void,
  ) {
    this.log = new RingLog<SimDelivery>(opts.maxLogEntries);
    this.agent = new Agent({ connections: opts.webhookConcurrency, keepAliveTimeout: 30_000, keepAliveMaxTimeout: 600_000 });
  }

  /** Queue one delivery; the promise (only built when asked for) settles after its first attempt. */
  enqueue(payload: unknown, field: string, itemCount: number, awaitFirstAttempt = false): Promise<void> | undefined {
    if (this.closed) return awaitFirstAttempt ? Promise.resolve() : undefined;
    const body = asciiJson(payload);
    const d: Pending = {
      id: this.nextId++,
      field,
      itemCount,
      body,
      signature: signBody(this.opts.appSecret, body),
      attempts: 0,
      firstVirtual: this.scheduler.now(),
      firstSim: this.clock.now(),
    };
    let promise: Promise<void> | undefined;
    if (awaitFirstAttempt) promise = new Promise<void>((resolve) => (d.onFirstAttempt = resolve));
    this.queue.push(d);
    this.pump();
    return promise;
  }

  /** Deliveries still to make before `deadline` (virtual ms): queued, in flight, retries due by then. */
  pendingBefore(deadline: number): number {
    let n = this.queue.length - this.head + this.inflight;
    for (const r of this.retries.values()) if (r.task.due <= deadline) n += 1;
    return n;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const r of this.retries.values()) r.task.cancel();
    this.retries.clear();
    for (let i = this.head; i < this.queue.length; i++) this.queue[i]!.onFirstAttempt?.();
    this.queue = [];
    this.head = 0;
    await this.agent.destroy().catch(() => {});
  }

  private pump(): void {
    while (this.inflight < this.opts.webhookConcurrency && this.head < this.queue.length) {
      const d = this.queue[this.head]!;
      this.queue[this.head] = undefined as unknown as Pending;
      this.head += 1;
      if (this.head > 1024 && this.head * 2 > this.queue.length) {
        this.queue = this.queue.slice(this.head);
        this.head = 0;
      }
      this.inflight += 1;
      void this.attempt(d).finally(() => {
        this.inflight -= 1;
        this.pump();
        this.onChange();
      });
    }
  }

  private async attempt(d: Pending): Promise<void> {
    const url = this.getUrl();
    if (!url) {
      if (!this.warnedNoUrl) this.opts.logger.warn({ field: d.field }, 'simulator: no webhook URL configured; webhooks are dropped');
      this.warnedNoUrl = true;
      d.onFirstAttempt?.();
      return;
    }
    d.attempts += 1;
    const at = this.clock.now();
    const t0 = performance.now();
    const { timeoutMs } = this.opts.webhookRetry;
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(), timeoutMs);
    let status: number | undefined;
    let error: string | undefined;
    let responseBody: string | undefined;
    try {
      const res = await request(url, {
        method: 'POST',
        dispatcher: this.agent,
        signal: ac.signal,
        headers: { 'content-type': 'application/json', 'x-hub-signature-256': d.signature, 'user-agent': 'facebookexternalua' },
        body: d.body,
      });
      status = res.statusCode;
      const text = await res.body.text();
      if (status !== 200) responseBody = text.slice(0, 500);
    } catch (e) {
      error = ac.signal.aborted ? `timeout after ${timeoutMs} ms` : errorText(e);
    } finally {
      clearTimeout(timer);
    }
    const ok = status === 200;
    const entry: SimDelivery = {
      deliveryId: d.id,
      attempt: d.attempts,
      field: d.field,
      itemCount: d.itemCount,
      url,
      at,
      body: d.body,
      signature: d.signature,
      status,
      error,
      durationMs: Math.round((performance.now() - t0) * 10) / 10,
      ok,
      outcome: 'delivered',
    };
    if (responseBody !== undefined) entry.responseBody = responseBody;
    if (!ok && !this.closed) entry.outcome = this.scheduleRetry(d) ? 'retry_scheduled' : 'gave_up';
    if (!ok && entry.outcome === 'gave_up')
      this.opts.logger.warn({ deliveryId: d.id, attempts: d.attempts, status, error }, 'simulator: webhook delivery given up');
    this.log.push(entry);
    const first = d.onFirstAttempt;
    d.onFirstAttempt = undefined;
    first?.();
  }

  private scheduleRetry(d: Pending): boolean {
    const cfg = this.opts.webhookRetry;
    const delay = retryDelayMs(d.attempts, cfg);
    const age = Math.max(this.scheduler.now() - d.firstVirtual, this.clock.now() - d.firstSim);
    if (d.attempts >= cfg.maxAttempts || age + delay > cfg.maxAgeMs) return false;
    const task = this.scheduler.schedule(delay, () => {
      this.retries.delete(d.id);
      if (this.closed) return;
      this.queue.push(d);
      this.pump();
    });
    this.retries.set(d.id, { task, d });
    return true;
  }
}
