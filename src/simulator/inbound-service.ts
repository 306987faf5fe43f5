import type { Clock } from '../core/clock.ts';
import { statusErrorItem } from './errors.ts';
import { newWamid } from './ids.ts';
import { InboundError, validateInboundContent, validateInboundMedia } from './inbound-validation.ts';
import type { MediaStore } from './media-store.ts';
import { baseMime, extensionOf, mediaKinds, mimeFitsKind, type MediaKind } from './media-types.ts';
import type { ResolvedOptions } from './options.ts';
import type { SimulatorState } from './simulator-state.ts';
import type { InboundMediaSpec, InboundSpec, SimInbound } from './types.ts';
import { bsuidFor, phoneShared } from './identity.ts';
import { isObject, type Json } from './validation-helpers.ts';
import type { WebhookEmitter } from './webhook-emitter.ts';
import { envelope, messagesChange, unixSeconds, type WebhookContact } from './webhook-payloads.ts';

export { InboundError };

// Customer edits/revokes (UNCONFIRMED in Meta's reference) are not produced.
const inboundTypes = [
  'text',
  'image',
  'audio',
  'video',
  'document',
  'sticker',
  'location',
  'contacts',
  'interactive',
  'button',
  'reaction',
  'order',
  'request_welcome',
  'unsupported',
];

const defaultMime: Record<MediaKind, string> = {
  image: 'image/jpeg',
  audio: 'audio/ogg; codecs=opus',
  video: 'video/mp4',
  document: 'application/pdf',
  sticker: 'image/webp',
};

/**
 * Simulated customers' messages: builds Meta's inbound `messages[]` item (wamid, simulator-clock
 * timestamp, media stored so the business can download it, context.from filled in), opens the
 * 24 h window and delivers the standard envelope with contacts[{profile:{name, username?}, wa_id?, user_id}].
 */
export class InboundService {
  constructor(
    private readonly opts: ResolvedOptions,
    private readonly clock: Clock,
    private readonly state: SimulatorState,
    private readonly media: MediaStore,
    private readonly emitter: WebhookEmitter,
  ) {}

  async send(waId: string, profileName: string | undefined, spec: InboundSpec): Promise<string> {
    if (!/^\d{6,15}$/.test(waId)) throw new InboundError(`customer wa_id must be 6-15 digits, got "${waId}"`);
    if (!isObject(spec) || typeof spec.type !== 'string' || !inboundTypes.includes(spec.type)) {
      throw new InboundError(`inbound message type must be one of ${inboundTypes.join(', ')}`);
    }
    const now = this.clock.now();
    const wamid = newWamid(waId);
    const item: Json = {};
    const src: Json = spec as unknown as Json;
    if (src.context !== undefined && !isObject(src.context)) throw new InboundError('context must be an object {id}');
    if (isObject(src.context)) {
      const id = src.context.id;
      if (typeof id !== 'string' || id === '') throw new InboundError('context.id must be a wamid');
      // A reply quotes the business's message (from = business number) or the customer's own.
      const own = this.state.inboundMessage(id)?.waId === waId;
      item.context = { ...src.context, from: own ? waId : this.opts.displayPhoneNumber, id };
    }
    // BSUID fields (docs/whatsapp-identity.md): `from` only when the phone may be shared.
    const existing = this.state.customers.get(waId);
    const shared = existing ? phoneShared(existing, now) : true;
    if (shared) item.from = waId;
    item.from_user_id = existing?.userId ?? bsuidFor(waId, this.opts.wabaId);
    if (existing?.parentUserId) item.from_parent_user_id = existing.parentUserId;
    item.id = wamid;
    item.timestamp = unixSeconds(now);
    item.type = spec.type;
    const kind = (mediaKinds as readonly string[]).includes(spec.type) ? (spec.type as MediaKind) : undefined;
    if (kind) item[kind] = this.storeMedia(kind, (src[kind] ?? {}) as InboundMediaSpec);
    else if (spec.type === 'unsupported') {
      item.unsupported = isObject(src.unsupported) ? src.unsupported : { type: 'unknown' };
      item.errors = [
        {
          ...statusErrorItem(131051, 'Message type is currently not supported.'),
          title: 'Message type unknown',
          message: 'Message type unknown',
        },
      ];
    } else if (spec.type !== 'request_welcome') {
      const content = src[spec.type];
      validateInboundContent(spec.type, content, (id) => this.inChat(waId, id));
      item[spec.type] = content;
    }
    if (isObject(src.referral)) item.referral = src.referral;

    const customer = this.state.customer(waId, profileName);
    const inbound: SimInbound = { wamid, waId, type: spec.type, item, at: now, profileName: customer.profileName, readByBusiness: false };
    this.state.addInbound(inbound);
    const payload = envelope(this.opts.wabaId, [
      messagesChange(
        { display_phone_number: this.opts.displayPhoneNumber, phone_number_id: this.opts.phoneNumberId },
        [contactOf(customer.profileName, customer.username, shared ? waId : undefined, customer.userId, customer.parentUserId)],
        [item],
      ),
    ]);
    await this.emitter.enqueue(payload, 'messages', 1, true);
    return wamid;
  }

  /** A reaction targets a message of this chat, from either side. */
  private inChat(waId: string, wamid: string): boolean {
    return this.state.inboundMessage(wamid)?.waId === waId || this.state.outboundEntry(wamid)?.rec.waId === waId;
  }

  /** Customer media goes into the media store (7-day lifetime) so the business can download it. */
  private storeMedia(kind: MediaKind, m: InboundMediaSpec): Json {
    validateInboundMedia(kind, m);
    let stored: ReturnType<MediaStore['get']>;
    if (typeof m.id === 'string') {
      stored = this.media.get(m.id);
      if (!stored) throw new InboundError(`media id ${m.id} is not in the simulator's media store`);
      // Customers may send any file as a document; other kinds must fit (a PDF is no image).
      if (kind !== 'document' && !mimeFitsKind(stored.mimeType, kind))
        throw new InboundError(`media ${m.id} is ${stored.mimeType}, which cannot be sent as ${kind}`);
    } else {
      const mime = m.mime_type ?? defaultMime[kind];
      if (kind !== 'document' && !mimeFitsKind(mime, kind)) throw new InboundError(`${mime} cannot be sent as ${kind}`);
      const bytes = m.data ? Buffer.from(m.data) : m.data_base64 ? Buffer.from(m.data_base64, 'base64') : placeholderBytes(kind);
      const filename = kind === 'document' ? (m.filename ?? `file.${extensionOf[baseMime(mime)] ?? 'bin'}`) : undefined;
      stored = this.media.put(bytes, mime, this.opts.phoneNumberId, 'inbound', filename);
    }
    const out: Json = {};
    if (m.caption !== undefined && (kind === 'image' || kind === 'video' || kind === 'document')) out.caption = m.caption;
    if (kind === 'document') out.filename = m.filename ?? stored.filename ?? 'file';
    out.mime_type = stored.mimeType;
    out.sha256 = stored.sha256Base64;
    out.id = stored.id;
    if (kind === 'audio') out.voice = m.voice ?? false;
    if (kind === 'sticker') out.animated = m.animated ?? false;
    return out;
  }
}

/** Tests may send media without bytes; they get a tiny stand-in file. */
function placeholderBytes(kind: MediaKind): Buffer {
  return Buffer.from(`simulated ${kind} ${Date.now()}`);
}

function contactOf(
  name: string,
  username: string | undefined,
  waId: string | undefined,
  userId: string,
  parentUserId: string | undefined,
): WebhookContact {
  const c: WebhookContact = {
    profile: username ? { name, username } : { name },
    ...(waId === undefined ? {} : { wa_id: waId }),
    user_id: userId,
  };
  return parentUserId === undefined ? c : { ...c, parent_user_id: parentUserId };
}
