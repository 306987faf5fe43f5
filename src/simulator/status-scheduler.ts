import type { Clock } from '../core/clock.ts';
import { errorTitles, statusErrorItem } from './errors.ts';
import type { ResolvedOptions } from './options.ts';
import type { Scheduler } from './scheduler.ts';
import type { OutboundEntry, SimulatorState } from './simulator-state.ts';
import { phoneShared } from './identity.ts';
import { unixSeconds, type StatusItem, type WebhookContact } from './webhook-payloads.ts';

type Status = 'sent' | 'delivered' | 'read' | 'failed';

/**
 * Turns every accepted message into its status callbacks: sent → delivered → read (read with
 * `readProbability`), or a single `failed` for policy failures (131047, 131026, 131049). With
 * `outOfOrder` the same delay slots carry the statuses in reverse (read first), because Meta
 * does not guarantee order. Each status is emitted at most once per message, so a customer
 * reading on the phone page and the automatic read never both fire. Not simulated: a blocked
 * user's message staying at `sent` (UNCONFIRMED), `played` for voice notes.
 */
export class StatusScheduler {
  pending = 0;

  constructor(
    private readonly opts: ResolvedOptions,
    private readonly clock: Clock,
    private readonly scheduler: Scheduler,
    private readonly state: SimulatorState,
    private readonly sink: (item: StatusItem, contact?: WebhookContact) => void,
    private readonly onChange: () => void,
  ) {}

  schedule(e: OutboundEntry): void {
    const d = this.opts.statusDelaysMs;
    if (!e.delivers) {
      this.at(d.sent, e, 'failed');
      return;
    }
    const statuses: Status[] = ['sent', 'delivered'];
    if (this.opts.readProbability >= 1 || Math.random() < this.opts.readProbability) statuses.push('read');
    const slots = [d.sent, d.delivered, d.read].slice(0, statuses.length);
    if (this.opts.outOfOrder) statuses.reverse();
    statuses.forEach((s, i) => this.at(slots[i]!, e, s));
  }

  /**
   * The customer read it (phone page or SimCustomer.read). A phone cannot read what has not
   * arrived: before delivery the read is remembered and replaces the `delivered` callback —
   * Meta skips `delivered` when a message is delivered and read at once.
   */
  customerRead(e: OutboundEntry): void {
    if (!e.delivers) return;
    if (this.opts.outOfOrder || e.emitted.has('delivered') || e.emitted.has('read')) this.emit(e, 'read');
    else e.readRequested = true;
  }

  private at(delay: number, e: OutboundEntry, status: Status): void {
    this.pending += 1;
    this.scheduler.schedule(delay, () => {
      this.pending -= 1;
      this.emit(e, status);
      this.onChange();
    });
  }

  private emit(e: OutboundEntry, s: Status): void {
    const status: Status = s === 'delivered' && e.readRequested ? 'read' : s;
    if (e.emitted.has(status)) return;
    // Read is final for a delivered message: a late "delivered" after "read" is still sent when
    // outOfOrder asks for it, but nothing follows a failure.
    if (e.emitted.has('failed')) return;
    e.emitted.add(status);
    const now = this.clock.now();
    // BSUID fields (docs/whatsapp-identity.md): the phone only when sent to it or shareable.
    const byUserId = e.rec.recipientUserId !== undefined;
    const customer = this.state.customers.get(e.rec.waId);
    const showPhone = !byUserId || (customer !== undefined && phoneShared(customer, now));
    const item: StatusItem = { id: e.rec.wamid, status, timestamp: unixSeconds(now) };
    if (showPhone) item.recipient_id = e.rec.waId;
    // On `failed`, recipient_user_id is omitted when the message was sent to a phone number.
    if (status !== 'failed' || byUserId) item.recipient_user_id = e.userId;
    if (item.recipient_user_id !== undefined && customer?.parentUserId) item.recipient_parent_user_id = customer.parentUserId;
    if (e.bizOpaque !== undefined) item.biz_opaque_callback_data = e.bizOpaque;
    if (status === 'failed') {
      const code = e.failCode ?? 131026;
      item.errors = [statusErrorItem(code)];
      this.state.applyStatus(e, 'failed', { code, title: errorTitles[code] ?? 'Unknown error' });
      this.sink(item);
      return;
    }
    const contact: WebhookContact = { user_id: e.userId, ...(customer?.parentUserId ? { parent_user_id: customer.parentUserId } : {}) };
    // The username rides on delivered and read, never on sent.
    if (status !== 'sent' && customer?.username) contact.profile = { username: customer.username };
    if (showPhone) contact.wa_id = e.rec.waId;
    const priced = status === 'sent' || !(e.emitted.has('delivered') && e.emitted.has('read'));
    if (this.opts.includeConversation) {
      item.conversation = { id: e.conversationId, origin: { type: e.pricing.category } };
      if (status === 'sent') item.conversation.expiration_timestamp = unixSeconds(e.rec.acceptedAt + 24 * 60 * 60 * 1000);
    }
    // Pricing rides on `sent` and on the first of delivered/read, never both (reference §3).
    if (priced) item.pricing = e.pricing;
    this.state.applyStatus(e, status);
    this.sink(item, orderedContact(contact));
  }
}

/** Meta's key order: profile, wa_id, user_id, parent_user_id. */
function orderedContact(c: WebhookContact): WebhookContact {
  const out: Partial<WebhookContact> = {};
  if (c.profile) out.profile = c.profile;
  if (c.wa_id !== undefined) out.wa_id = c.wa_id;
  return { ...out, user_id: c.user_id, ...(c.parent_user_id !== undefined ? { parent_user_id: c.parent_user_id } : {}) };
}
