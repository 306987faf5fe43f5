import { EventEmitter } from 'node:events';
import type { Pricing } from './pricing.ts';
import { bsuidFor, type IdentityState } from './identity.ts';
import { RingLog } from './ring-log.ts';
import type { SimConversationEntry, SimInbound, SimOutbound, SimOutboundStatus } from './types.ts';

/** Internal bookkeeping beside a public outbound record. */
export interface OutboundEntry {
  rec: SimOutbound;
  /** The recipient's BSUID when the message was accepted. */
  userId: string;
  /** False when policy makes it fail (131047, 131026): it never reaches the phone. */
  delivers: boolean;
  failCode?: number;
  pricing: Pricing;
  conversationId: string;
  bizOpaque?: string;
  /** The customer read it before it was delivered: deliver it as read (no separate delivered). */
  readRequested?: boolean;
  /** Position in the simulator's arrival order (set when recorded). */
  seq: number;
  /** Statuses already emitted (each at most once). */
  emitted: Set<string>;
}

export interface CustomerState extends IdentityState {
  /** The phone number (digits), the simulator's key for the customer even when it is withheld. */
  waId: string;
  /** Business-scoped user ID (BSUID), derived from waId and the business; new on a number change. */
  userId: string;
  profileName: string;
  lastInboundAt?: number;
  /** Created by the test/library API or has written: its wa_id is "known" for `to` matching. */
  registered: boolean;
  /** Each direction bounded; entries also leave when the global logs evict them. */
  outHistory: RingLog<OutboundEntry>;
  inHistory: RingLog<SimInbound>;
  /** Wamids already handed out by waitForMessage(). */
  consumed: Set<string>;
}

const rank: Record<SimOutboundStatus, number> = { accepted: 0, sent: 1, delivered: 2, read: 3, failed: 4 };
const CUSTOMER_HISTORY = 500;

/**
 * In-memory state of one simulated business number: customers (24 h windows), outbound records
 * and inbound messages, all bounded, plus an event bus that the page's SSE stream and the
 * test helpers (waitForOutbound, waitForMessage) listen to.
 */
export class SimulatorState {
  readonly events = new EventEmitter();
  readonly customers = new Map<string, CustomerState>();
  /** BSUID -> wa_id. */
  private readonly byUserId = new Map<string, string>();
  readonly outboundLog: RingLog<OutboundEntry>;
  readonly inboundLog: RingLog<SimInbound>;
  private readonly outboundById = new Map<string, OutboundEntry>();
  private readonly inboundById = new Map<string, SimInbound>();
  /** Arrival order across both directions, to interleave a conversation. */
  private seq = 0;
  private readonly inboundSeq = new WeakMap<SimInbound, number>();

  constructor(
    maxEntries: number,
    private readonly businessId = '',
  ) {
    this.events.setMaxListeners(0);
    // Evictions from the global logs also leave the customer's history, so memory stays bounded
    // by maxEntries however many customers there are.
    this.outboundLog = new RingLog(maxEntries, (e) => {
      this.outboundById.delete(e.rec.wamid);
      this.customers.get(e.rec.waId)?.outHistory.shiftIf(e);
    });
    this.inboundLog = new RingLog(maxEntries, (m) => {
      this.inboundById.delete(m.wamid);
      this.customers.get(m.waId)?.inHistory.shiftIf(m);
    });
  }

  customer(waId: string, profileName?: string): CustomerState {
    let c = this.customers.get(waId);
    if (!c) {
      c = {
        waId,
        userId: bsuidFor(waId, this.businessId),
        profileName: profileName || defaultName(waId),
        hidePhone: false,
        registered: false,
        outHistory: new RingLog(CUSTOMER_HISTORY),
        inHistory: new RingLog(CUSTOMER_HISTORY),
        consumed: new Set(),
      };
      this.customers.set(waId, c);
      this.byUserId.set(c.userId, waId);
    } else if (profileName) {
      c.profileName = profileName;
    }
    return c;
  }

  /** The customer with this BSUID, if the simulator knows one. */
  customerByUserId(userId: string): CustomerState | undefined {
    const waId = this.byUserId.get(userId);
    return waId === undefined ? undefined : this.customers.get(waId);
  }

  /**
   * The user moved to a new phone number: same person (name, username, history), new wa_id and a
   * new BSUID, as Meta generates one on a number change. The old number and BSUID are forgotten.
   */
  changeNumber(c: CustomerState, newWaId: string): { previousWaId: string; previousUserId: string } {
    const previous = { previousWaId: c.waId, previousUserId: c.userId };
    this.customers.delete(c.waId);
    this.byUserId.delete(c.userId);
    c.waId = newWaId;
    c.userId = bsuidFor(newWaId, this.businessId);
    delete c.lastSentToPhoneAt;
    this.customers.set(newWaId, c);
    this.byUserId.set(c.userId, newWaId);
    return previous;
  }

  /** A wa_id the simulator knows as a real user (not merely someone the business wrote to). */
  isKnownUser(waId: string): boolean {
    return this.customers.get(waId)?.registered === true;
  }

  /** The 24 h customer-service window: open while the last inbound message is younger than 24 h. */
  windowOpen(waId: string, now: number): boolean {
    const last = this.customers.get(waId)?.lastInboundAt;
    return last !== undefined && now - last < 24 * 60 * 60 * 1000;
  }

  addOutbound(e: OutboundEntry): void {
    this.outboundLog.push(e);
    this.outboundById.set(e.rec.wamid, e);
    e.seq = ++this.seq;
    this.customer(e.rec.waId).outHistory.push(e);
    this.events.emit('outbound', e);
  }

  addInbound(m: SimInbound): void {
    this.inboundLog.push(m);
    this.inboundById.set(m.wamid, m);
    const c = this.customer(m.waId, m.profileName);
    c.lastInboundAt = m.at;
    c.registered = true;
    this.inboundSeq.set(m, ++this.seq);
    c.inHistory.push(m);
    this.events.emit('inbound', m);
  }

  outboundEntry(wamid: string): OutboundEntry | undefined {
    return this.outboundById.get(wamid);
  }

  inboundMessage(wamid: string): SimInbound | undefined {
    return this.inboundById.get(wamid);
  }

  /** Record a status on the public record (keeping the highest state; `failed` is final). */
  applyStatus(e: OutboundEntry, status: SimOutboundStatus, error?: { code: number; title: string }): void {
    if (e.rec.status !== 'failed' && rank[status] > rank[e.rec.status]) e.rec.status = status;
    if (error) e.rec.error = error;
    this.events.emit('status', e, status);
  }

  conversation(waId: string): SimConversationEntry[] {
    const c = this.customers.get(waId);
    if (!c) return [];
    const outs = c.outHistory.toArray();
    const ins = c.inHistory.toArray();
    const result: SimConversationEntry[] = [];
    let i = 0;
    let j = 0;
    while (i < outs.length || j < ins.length) {
      const o = outs[i];
      const m = ins[j];
      if (o && (!m || o.seq < (this.inboundSeq.get(m) ?? 0))) {
        result.push({ direction: 'out', ...o.rec });
        i += 1;
      } else if (m) {
        result.push({ direction: 'in', ...m });
        j += 1;
      }
    }
    return result;
  }
}

function defaultName(waId: string): string {
  return `Customer ${waId.slice(-4)}`;
}
