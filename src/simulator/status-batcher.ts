import type { Scheduler, ScheduledTask } from './scheduler.ts';
import type { StatusItem, WebhookContact } from './webhook-payloads.ts';

/**
 * Meta may group statuses of one WABA into a single delivery (`statuses[]` with several items).
 * With `batch: {maxItems, windowMs}` statuses wait up to windowMs (or until maxItems) and go out
 * together; with `batch: false` each status is its own delivery. How often Meta batches is
 * UNCONFIRMED (usually one item per delivery), so batching is off unless asked for.
 */
export class StatusBatcher {
  private items: StatusItem[] = [];
  private contacts: WebhookContact[] = [];
  private task: ScheduledTask | undefined;

  constructor(
    private readonly batch: { maxItems: number; windowMs: number } | false,
    private readonly scheduler: Scheduler,
    private readonly deliver: (items: StatusItem[], contacts: WebhookContact[]) => void,
  ) {}

  get pending(): number {
    return this.items.length;
  }

  /** contact: the recipient's contacts[] entry (one per user in a batch). */
  add(item: StatusItem, contact?: WebhookContact): void {
    if (!this.batch) {
      this.deliver([item], contact ? [contact] : []);
      return;
    }
    this.items.push(item);
    if (contact && !this.contacts.some((c) => c.user_id === contact.user_id)) this.contacts.push(contact);
    if (this.items.length >= this.batch.maxItems) this.flush();
    else if (!this.task) this.task = this.scheduler.schedule(this.batch.windowMs, () => this.flush());
  }

  flush(): void {
    this.task?.cancel();
    this.task = undefined;
    if (this.items.length === 0) return;
    const items = this.items;
    const contacts = this.contacts;
    this.items = [];
    this.contacts = [];
    this.deliver(items, contacts);
  }
}
