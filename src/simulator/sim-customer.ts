import type { SimulatorCore } from './simulator-core.ts';
import type { OutboundEntry } from './simulator-state.ts';
import type { InboundSpec, MediaSendOptions, SimConversationEntry, SimCustomer, SimOutbound } from './types.ts';
import { isObject } from './validation-helpers.ts';

/**
 * A simulated WhatsApp user talking to the business, for tests. Helpers that answer a business
 * message (buttons, list rows, template quick replies) look the message up and echo its ids and
 * titles exactly as WhatsApp would, with context.id = the business message's wamid.
 */
export class SimCustomerImpl implements SimCustomer {
  constructor(
    private readonly core: SimulatorCore,
    readonly waId: string,
  ) {}

  get profileName(): string {
    return this.core.state.customer(this.waId).profileName;
  }

  get userId(): string {
    return this.core.state.customer(this.waId).userId;
  }

  get username(): string | undefined {
    return this.core.state.customer(this.waId).username;
  }

  send(message: InboundSpec): Promise<string> {
    return this.core.inbound.send(this.waId, undefined, message);
  }

  sendText(body: string, opts: { replyTo?: string } = {}): Promise<string> {
    return this.send({ type: 'text', text: { body }, ...(opts.replyTo ? { context: { id: opts.replyTo } } : {}) });
  }

  private media(
    type: 'image' | 'audio' | 'video' | 'document' | 'sticker',
    data: Uint8Array,
    o: MediaSendOptions & { voice?: boolean; animated?: boolean },
  ): Promise<string> {
    const m: Record<string, unknown> = { data };
    if (o.mimeType) m.mime_type = o.mimeType;
    if (o.caption !== undefined) m.caption = o.caption;
    if (o.filename !== undefined) m.filename = o.filename;
    if (o.voice !== undefined) m.voice = o.voice;
    if (o.animated !== undefined) m.animated = o.animated;
    const spec = { type, [type]: m, ...(o.replyTo ? { context: { id: o.replyTo } } : {}) } as unknown as InboundSpec;
    return this.send(spec);
  }

  sendImage(data: Uint8Array, opts: MediaSendOptions = {}): Promise<string> {
    return this.media('image', data, opts);
  }
  sendAudio(data: Uint8Array, opts: MediaSendOptions & { voice?: boolean } = {}): Promise<string> {
    return this.media('audio', data, opts);
  }
  sendVideo(data: Uint8Array, opts: MediaSendOptions = {}): Promise<string> {
    return this.media('video', data, opts);
  }
  sendDocument(data: Uint8Array, opts: MediaSendOptions = {}): Promise<string> {
    return this.media('document', data, opts);
  }
  sendSticker(data: Uint8Array, opts: MediaSendOptions & { animated?: boolean } = {}): Promise<string> {
    return this.media('sticker', data, opts);
  }

  sendLocation(location: { latitude: number; longitude: number; name?: string; address?: string; url?: string }): Promise<string> {
    return this.send({ type: 'location', location });
  }

  sendContacts(contacts: Array<Record<string, unknown>>): Promise<string> {
    return this.send({ type: 'contacts', contacts });
  }

  replyButton(businessWamid: string, buttonId: string): Promise<string> {
    const reply = findButtonReply(this.businessMessage(businessWamid), buttonId);
    return this.send({ type: 'interactive', interactive: { type: 'button_reply', button_reply: reply }, context: { id: businessWamid } });
  }

  replyList(businessWamid: string, rowId: string): Promise<string> {
    const row = findListRow(this.businessMessage(businessWamid), rowId);
    return this.send({ type: 'interactive', interactive: { type: 'list_reply', list_reply: row }, context: { id: businessWamid } });
  }

  tapTemplateButton(businessWamid: string, payloadOrText: string): Promise<string> {
    const m = this.businessMessage(businessWamid);
    const qr = (m.template?.buttons ?? []).filter((b) => b.type === 'QUICK_REPLY');
    const b = qr.find((x) => x.payload === payloadOrText) ?? qr.find((x) => x.text === payloadOrText);
    if (!b)
      throw new Error(
        `message ${businessWamid} has no quick-reply button "${payloadOrText}" (has: ${qr.map((x) => x.payload ?? x.text).join(', ') || 'none'})`,
      );
    // Without a payload at send time WhatsApp reports the button text as the payload.
    return this.send({ type: 'button', button: { payload: b.payload ?? b.text, text: b.text }, context: { id: businessWamid } });
  }

  react(wamid: string, emoji: string): Promise<string> {
    return this.send({ type: 'reaction', reaction: { message_id: wamid, emoji } });
  }

  received(): SimOutbound[] {
    return this.entries().map((e) => e.rec);
  }

  conversation(): SimConversationEntry[] {
    return this.core.state.conversation(this.waId);
  }

  waitForMessage(pred: (m: SimOutbound) => boolean = () => true, timeoutMs = 5000): Promise<SimOutbound> {
    const consumed = this.core.state.customer(this.waId).consumed;
    const take = (e: OutboundEntry): boolean => e.delivers && e.rec.waId === this.waId && !consumed.has(e.rec.wamid) && pred(e.rec);
    const existing = this.entries().find(take);
    if (existing) {
      consumed.add(existing.rec.wamid);
      return Promise.resolve(existing.rec);
    }
    const events = this.core.state.events;
    return new Promise((resolve, reject) => {
      const on = (e: OutboundEntry) => {
        if (!take(e)) return;
        cleanup();
        consumed.add(e.rec.wamid);
        resolve(e.rec);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(
          new Error(
            `waitForMessage: customer ${this.waId} got no matching business message within ${timeoutMs} ms (received ${this.received().length})`,
          ),
        );
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        events.off('outbound', on);
      };
      events.on('outbound', on);
    });
  }

  read(wamid?: string): void {
    for (const e of this.entries()) {
      if (wamid === undefined || e.rec.wamid === wamid) this.core.statuses.customerRead(e);
    }
  }

  private entries(): OutboundEntry[] {
    return this.core.state
      .customer(this.waId)
      .outHistory.toArray()
      .filter((e) => e.delivers);
  }

  private businessMessage(wamid: string): SimOutbound {
    const e = this.core.state.outboundEntry(wamid);
    if (!e || e.rec.waId !== this.waId) throw new Error(`no business message ${wamid} to customer ${this.waId}`);
    return e.rec;
  }
}

export function findButtonReply(m: SimOutbound, buttonId: string): { id: string; title: string } {
  const buttons: unknown[] = m.body?.interactive?.type === 'button' ? (m.body.interactive.action?.buttons ?? []) : [];
  const replies = buttons.map((b) => (isObject(b) && isObject(b.reply) ? b.reply : {})) as Array<{ id?: string; title?: string }>;
  const r = replies.find((x) => x.id === buttonId);
  if (!r || typeof r.title !== 'string')
    throw new Error(`message ${m.wamid} has no reply button "${buttonId}" (has: ${replies.map((x) => x.id).join(', ') || 'none'})`);
  return { id: buttonId, title: r.title };
}

export function findListRow(m: SimOutbound, rowId: string): { id: string; title: string; description?: string } {
  const sections: unknown[] = m.body?.interactive?.type === 'list' ? (m.body.interactive.action?.sections ?? []) : [];
  const rows = sections.flatMap((s) => (isObject(s) && Array.isArray(s.rows) ? s.rows : [])) as Array<{
    id?: string;
    title?: string;
    description?: string;
  }>;
  const r = rows.find((x) => x.id === rowId);
  if (!r || typeof r.title !== 'string')
    throw new Error(`message ${m.wamid} has no list row "${rowId}" (has: ${rows.map((x) => x.id).join(', ') || 'none'})`);
  return r.description !== undefined ? { id: rowId, title: r.title, description: r.description } : { id: rowId, title: r.title };
}
