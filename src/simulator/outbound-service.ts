import type { Clock } from '../core/clock.ts';
import { graphError, GraphError } from './errors.ts';
import { newConversationId, newWamid } from './ids.ts';
import type { MediaStore } from './media-store.ts';
import { validateSendRequest, type ValidatedSend } from './message-validation.ts';
import type { ResolvedOptions } from './options.ts';
import { callingCodeOf, normalizeRecipient } from './phone-numbers.ts';
import { pricingFor } from './pricing.ts';
import type { RateLimits } from './rate-limits.ts';
import type { Scheduler, ScheduledTask } from './scheduler.ts';
import type { OutboundEntry, SimulatorState } from './simulator-state.ts';
import type { StatusScheduler } from './status-scheduler.ts';
import type { TemplateStore } from './template-store.ts';

export interface SendAnswer {
  status: number;
  body: unknown;
}

const DAY = 24 * 60 * 60 * 1000;

/**
 * POST /{phone-number-id}/messages: validate, apply the synchronous limits (131021, 130429,
 * 131056), accept (200 + wamid), and decide the message's fate the way Meta does — policy
 * failures (24 h window 131047, not on WhatsApp 131026, marketing limit 131049) are accepted first and fail later by a
 * status callback.
 */
export class OutboundService {
  private readonly callingCode: string;
  private readonly typingTimers = new Map<string, ScheduledTask>();

  constructor(
    private readonly opts: ResolvedOptions,
    private readonly clock: Clock,
    private readonly scheduler: Scheduler,
    private readonly state: SimulatorState,
    private readonly media: MediaStore,
    private readonly templates: TemplateStore,
    private readonly limits: RateLimits,
    private readonly statuses: StatusScheduler,
  ) {
    this.callingCode = callingCodeOf(opts.displayPhoneNumber);
  }

  handle(body: unknown): SendAnswer {
    const v = validateSendRequest(body, {
      mediaMime: (id) => {
        const m = this.media.get(id);
        return m && m.phoneNumberId === this.opts.phoneNumberId ? m.mimeType : undefined;
      },
      isInboundMessage: (wamid) => this.state.inboundMessage(wamid) !== undefined,
      findTemplates: (name) => this.templates.findTemplates(name),
    });
    if (!v.ok) return fail(v.error);
    if (v.value.kind === 'read') return this.markRead(v.value.messageId, v.value.typing);
    try {
      return this.accept(v.value);
    } catch (e) {
      if (e instanceof GraphError) return fail(e);
      throw e;
    }
  }

  private accept(msg: Extract<ValidatedSend, { kind: 'message' }>): SendAnswer {
    const { input, waId } = this.recipient(msg);
    if (waId === this.opts.displayPhoneNumber)
      throw graphError(131021, 'Recipient phone number cannot be the same as the sender phone number.');
    if (!this.limits.takeThroughput(this.opts.phoneNumberId)) throw graphError(130429, 'Cloud API message throughput has been reached.');
    if (!this.limits.takePair(this.opts.phoneNumberId, waId)) {
      throw graphError(
        131056,
        'Message failed to send because there were too many messages sent from this phone number to the same phone number in a short period of time.',
      );
    }
    const now = this.clock.now();
    const windowOpen = this.state.windowOpen(waId, now);
    const digits = input.replace(/\D/g, '');
    const unregistered = digits.startsWith('999') || this.opts.unregisteredNumbers.has(waId) || this.opts.unregisteredNumbers.has(digits);
    const marketingLimited =
      msg.template?.record.category === 'MARKETING' &&
      (this.opts.marketingLimitedNumbers.has(waId) || this.opts.marketingLimitedNumbers.has(digits));
    const failCode = unregistered ? 131026 : marketingLimited ? 131049 : !msg.template && !windowOpen ? 131047 : undefined;
    const pricing = pricingFor(msg.template?.record.category, windowOpen);
    const wamid = newWamid(waId);
    const customer = this.state.customer(waId);
    // Sending to the phone number is what lets Meta keep sharing it (the 30-day rule).
    if (!msg.byUserId && failCode === undefined) customer.lastSentToPhoneAt = now;
    const entry: OutboundEntry = {
      rec: {
        wamid,
        to: input,
        waId,
        type: msg.type,
        body: msg.body,
        text: msg.text,
        acceptedAt: now,
        status: 'accepted',
        category: pricing.category,
      },
      userId: customer.userId,
      delivers: failCode === undefined,
      pricing,
      conversationId: newConversationId(),
      seq: 0,
      emitted: new Set(),
    };
    if (failCode !== undefined) entry.failCode = failCode;
    if (msg.byUserId) entry.rec.recipientUserId = input;
    if (msg.template) entry.rec.template = msg.template.rendered;
    if (msg.contextId !== undefined) entry.rec.contextId = msg.contextId;
    if (msg.bizOpaque !== undefined) entry.bizOpaque = msg.bizOpaque;
    this.clearTyping(waId);
    this.state.addOutbound(entry);
    this.statuses.schedule(entry);
    const message: Record<string, string> = { id: wamid };
    if (msg.template) message.message_status = 'accepted';
    // contacts[]: wa_id for a phone send, user_id for a BSUID send (never both).
    const contact = msg.byUserId ? { input, user_id: input } : { input, wa_id: waId };
    return { status: 200, body: { messaging_product: 'whatsapp', contacts: [contact], messages: [message] } };
  }

  /**
   * `to` is a phone number (reference §10); `recipient` a BSUID of a customer this business knows.
   * An unknown BSUID is refused at once (131009, our choice: Meta's answer is UNCONFIRMED), and
   * authentication templates cannot go to a BSUID (131062).
   */
  private recipient(msg: Extract<ValidatedSend, { kind: 'message' }>): { input: string; waId: string } {
    if (!msg.byUserId) return normalizeRecipient(msg.to, this.callingCode, (d) => this.state.isKnownUser(d));
    if (msg.template?.record.category === 'AUTHENTICATION')
      throw graphError(131062, 'Authentication templates cannot be sent to a business-scoped user ID; send them to the phone number.');
    const c = this.state.customerByUserId(msg.to);
    if (!c)
      throw graphError(131009, `Invalid recipient '${msg.to}': no WhatsApp user with this business-scoped user ID for this business.`);
    return { input: msg.to, waId: c.waId };
  }

  /** Mark-as-read: that message and every earlier one from the customer; optional typing indicator. */
  private markRead(messageId: string, typing: boolean): SendAnswer {
    const m = this.state.inboundMessage(messageId);
    if (!m) return fail(graphError(131009, `Invalid message_id: ${messageId} is not a message received by this phone number.`));
    if (this.clock.now() - m.at > 30 * DAY)
      return fail(graphError(131009, 'Messages can only be marked as read up to 30 days after receipt.'));
    const read: string[] = [];
    for (const h of this.state.customer(m.waId).inHistory.toArray()) {
      if (h.readByBusiness || h.at > m.at) continue;
      h.readByBusiness = true;
      read.push(h.wamid);
    }
    if (!m.readByBusiness) {
      m.readByBusiness = true;
      read.push(m.wamid);
    }
    this.state.events.emit('business_read', { waId: m.waId, wamids: read });
    if (typing) this.setTyping(m.waId);
    return { status: 200, body: { success: true } };
  }

  /** Typing shows until the business replies or 25 s pass (reference §5.3). */
  private setTyping(waId: string): void {
    this.typingTimers.get(waId)?.cancel();
    this.typingTimers.set(
      waId,
      this.scheduler.schedule(25_000, () => this.clearTyping(waId)),
    );
    this.state.events.emit('typing', { waId, typing: true });
  }

  private clearTyping(waId: string): void {
    const t = this.typingTimers.get(waId);
    if (!t) return;
    t.cancel();
    this.typingTimers.delete(waId);
    this.state.events.emit('typing', { waId, typing: false });
  }
}

function fail(e: GraphError): SendAnswer {
  return { status: e.httpStatus, body: e.toBody() };
}
