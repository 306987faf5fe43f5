import type { InboundMedia, InboundMessage } from '../channel-types.ts';
import { bool, finiteNum, isRecord, nonEmptyStr, str, unixSecondsToMs, type JsonRecord } from './json-guards.ts';
import { parseProviderErrors } from './provider-errors.ts';

type Reply = NonNullable<InboundMessage['reply']>;
type Context = NonNullable<InboundMessage['context']>;

/**
 * One `value.messages[]` item -> InboundMessage, or undefined when it cannot be stored at all (no
 * id, no sender or no type); the caller files those under `invalid_item`. Types we do not know,
 * and known types whose body object is missing or unusable, become kind 'unsupported' with the
 * provider's type string, so a new Meta type or a broken body never loses a message.
 *
 * Written with plain loops and no intermediate objects: it runs once per inbound message.
 */
export function parseInboundMessage(item: unknown, accountId: string, contacts: unknown, fallbackAt: number): InboundMessage | undefined {
  if (!isRecord(item)) return undefined;
  const id = nonEmptyStr(item.id);
  // Users who hide their number (2026 usernames) arrive with from_user_id instead of from.
  const from = nonEmptyStr(item.from) ?? nonEmptyStr(item.from_user_id);
  const type = nonEmptyStr(item.type);
  if (id === undefined || from === undefined || type === undefined) return undefined;

  const msg: InboundMessage = {
    channel: 'whatsapp',
    channelAccountId: accountId,
    externalId: id,
    from,
    sentAt: unixSecondsToMs(item.timestamp) ?? fallbackAt,
    kind: 'unsupported',
    providerType: type,
    raw: item,
  };
  const profileName = findProfileName(contacts, item.from, item.from_user_id);
  if (profileName !== undefined) msg.profileName = profileName;
  // Only when it says more than `from` (a wa_id): pre-2026 payloads parse as they always did.
  const sender = findSender(contacts, item);
  if (sender.userId !== undefined || sender.parentUserId !== undefined || sender.username !== undefined || sender.waId !== from)
    msg.sender = sender;

  const c = item.context;
  if (isRecord(c)) msg.context = parseContext(c);
  // A known type with an unusable body is kept as 'unsupported' (providerType says which type):
  // the webhook was acknowledged, so the message must not vanish.
  if (!fillContent(msg, type, item)) msg.kind = 'unsupported';
  if (isRecord(item.referral)) msg.referral = item.referral;
  const errors = parseProviderErrors(item.errors);
  if (errors !== undefined) msg.errors = errors;
  return msg;
}

/** Sets kind and the kind's fields. False = a known type with an unusable body. */
function fillContent(msg: InboundMessage, type: string, item: JsonRecord): boolean {
  switch (type) {
    case 'text': {
      const t = item.text;
      const body = isRecord(t) ? str(t.body) : undefined;
      if (body === undefined) return false;
      msg.kind = 'text';
      msg.text = body;
      return true;
    }
    case 'image':
    case 'audio':
    case 'video':
    case 'document':
    case 'sticker': {
      const media = parseMedia(item[type]);
      if (media === undefined) return false;
      msg.kind = type;
      msg.media = media;
      if (media.caption !== undefined) msg.text = media.caption;
      return true;
    }
    case 'location': {
      const l = item.location;
      if (!isRecord(l)) return false;
      const latitude = finiteNum(l.latitude);
      const longitude = finiteNum(l.longitude);
      if (latitude === undefined || longitude === undefined) return false;
      const location: NonNullable<InboundMessage['location']> = { latitude, longitude };
      const name = str(l.name);
      if (name !== undefined) location.name = name;
      const address = str(l.address);
      if (address !== undefined) location.address = address;
      const url = str(l.url);
      if (url !== undefined) location.url = url;
      msg.kind = 'location';
      msg.location = location;
      return true;
    }
    case 'contacts': {
      const list = item.contacts;
      if (!Array.isArray(list)) return false;
      msg.kind = 'contacts';
      msg.contacts = list;
      return true;
    }
    case 'interactive':
      return fillInteractive(msg, item.interactive);
    case 'button': {
      // Quick-reply button of a template: `payload` is what the business put on the button.
      const b = item.button;
      if (!isRecord(b)) return false;
      const title = str(b.text);
      if (title === undefined) return false;
      msg.kind = 'button';
      msg.reply = { kind: 'button', id: str(b.payload) ?? title, title };
      msg.text = title;
      return true;
    }
    case 'reaction': {
      const r = item.reaction;
      if (!isRecord(r)) return false;
      const messageId = nonEmptyStr(r.message_id);
      if (messageId === undefined) return false;
      msg.kind = 'reaction';
      // An empty or missing emoji means the customer removed their reaction.
      msg.reaction = { messageId, emoji: str(r.emoji) ?? '' };
      return true;
    }
    case 'order': {
      const o = item.order;
      if (!isRecord(o)) return false;
      msg.kind = 'order';
      const order: NonNullable<InboundMessage['order']> = { items: Array.isArray(o.product_items) ? o.product_items : [] };
      const catalogId = str(o.catalog_id);
      if (catalogId !== undefined) order.catalogId = catalogId;
      msg.order = order;
      const text = str(o.text);
      if (text !== undefined && text.length > 0) msg.text = text;
      return true;
    }
    case 'system': {
      const s = item.system;
      if (!isRecord(s)) return false;
      msg.kind = 'system';
      const system: NonNullable<InboundMessage['system']> = {};
      const systemType = str(s.type);
      if (systemType !== undefined) system.type = systemType;
      const waId = str(s.wa_id);
      if (waId !== undefined) system.waId = waId;
      msg.system = system;
      const body = str(s.body);
      if (body !== undefined) msg.text = body;
      return true;
    }
    case 'request_welcome':
      msg.kind = 'request_welcome';
      return true;
    case 'edit':
    case 'revoke':
      return fillEditOrRevoke(msg, type, item[type]);
    case 'unsupported': {
      // Meta names the real type inside, e.g. {"type":"unsupported","unsupported":{"type":"pool"}}.
      const u = item.unsupported;
      const inner = isRecord(u) ? nonEmptyStr(u.type) : undefined;
      if (inner !== undefined) msg.providerType = inner;
      return true;
    }
    default:
      // "unknown" (older payloads) and any type invented after this was written.
      return true;
  }
}

function fillInteractive(msg: InboundMessage, i: unknown): boolean {
  if (!isRecord(i)) return false;
  const sub = nonEmptyStr(i.type);
  if (sub === 'button_reply' || sub === 'list_reply') {
    const r = i[sub];
    if (!isRecord(r)) return false;
    const id = str(r.id);
    const title = str(r.title);
    if (id === undefined || title === undefined) return false;
    const reply: Reply = { kind: sub, id, title };
    const description = str(r.description);
    if (description !== undefined) reply.description = description;
    msg.kind = 'interactive_reply';
    msg.reply = reply;
    msg.text = title;
    return true;
  }
  if (sub === 'nfm_reply') {
    // Flow / address-message completion: no id of ours comes back, `name` says which kind.
    const r = i.nfm_reply;
    if (!isRecord(r)) return false;
    const body = str(r.body);
    const reply: Reply = { kind: 'nfm_reply', id: str(r.name) ?? '', title: body ?? '' };
    const responseJson = str(r.response_json);
    if (responseJson !== undefined) reply.responseJson = responseJson;
    msg.kind = 'interactive_reply';
    msg.reply = reply;
    if (body !== undefined) msg.text = body;
    return true;
  }
  if (sub === 'call_permission_reply') {
    const r = i.call_permission_reply;
    if (!isRecord(r)) return false;
    const response = nonEmptyStr(r.response);
    if (response === undefined) return false;
    const permission: NonNullable<InboundMessage['callPermission']> = { response };
    const permanent = bool(r.is_permanent);
    if (permanent !== undefined) permission.permanent = permanent;
    const expiresAt = unixSecondsToMs(r.expiration_timestamp);
    if (expiresAt !== undefined) permission.expiresAt = expiresAt;
    const source = str(r.response_source);
    if (source !== undefined) permission.source = source;
    msg.kind = 'call_permission_reply';
    msg.providerType = sub;
    msg.callPermission = permission;
    return true;
  }
  // Any other interactive type: keep it, labelled with the most specific type we were given.
  if (sub !== undefined) msg.providerType = sub;
  return true;
}

/**
 * The edited/deleted message's id has no dedicated field in InboundMessage, so it goes into
 * `context.messageId` (the message this one refers to); an edit's new text goes into `text`.
 */
function fillEditOrRevoke(msg: InboundMessage, type: 'edit' | 'revoke', body: unknown): boolean {
  if (!isRecord(body)) return false;
  const original = nonEmptyStr(body.original_message_id);
  if (original === undefined) return false;
  msg.kind = type;
  if (msg.context === undefined) msg.context = { messageId: original };
  else msg.context.messageId = original;
  if (type === 'edit') {
    const inner = body.message;
    const text = isRecord(inner) ? innerText(inner) : undefined;
    if (text !== undefined) msg.text = text;
  }
  return true;
}

/** Text of an edited message: a text body, or the caption of a media message. */
function innerText(inner: JsonRecord): string | undefined {
  const t = inner.text;
  if (isRecord(t)) return str(t.body);
  const type = str(inner.type);
  if (type === undefined) return undefined;
  const m = inner[type];
  return isRecord(m) ? str(m.caption) : undefined;
}

function parseMedia(v: unknown): InboundMedia | undefined {
  if (!isRecord(v)) return undefined;
  const id = nonEmptyStr(v.id);
  if (id === undefined) return undefined;
  const media: InboundMedia = { id };
  const mimeType = str(v.mime_type);
  if (mimeType !== undefined) media.mimeType = mimeType;
  const sha256 = str(v.sha256);
  if (sha256 !== undefined) media.sha256 = sha256;
  const caption = str(v.caption);
  if (caption !== undefined) media.caption = caption;
  const filename = str(v.filename);
  if (filename !== undefined) media.filename = filename;
  const voice = bool(v.voice);
  if (voice !== undefined) media.voice = voice;
  const animated = bool(v.animated);
  if (animated !== undefined) media.animated = animated;
  const url = str(v.url);
  if (url !== undefined) media.url = url;
  return media;
}

function parseContext(c: JsonRecord): Context {
  const ctx: Context = {};
  const id = nonEmptyStr(c.id);
  if (id !== undefined) ctx.messageId = id;
  const from = str(c.from);
  if (from !== undefined) ctx.from = from;
  if (c.forwarded === true) ctx.forwarded = true;
  if (c.frequently_forwarded === true) ctx.frequentlyForwarded = true;
  if (isRecord(c.referred_product)) ctx.referredProduct = c.referred_product;
  return ctx;
}

/** contacts[].profile.name of the sender, matched by wa_id (or BSUID when there is no number). */
function findProfileName(contacts: unknown, from: unknown, fromUserId: unknown): string | undefined {
  if (!Array.isArray(contacts)) return undefined;
  for (let i = 0; i < contacts.length; i++) {
    const c: unknown = contacts[i];
    if (!isRecord(c)) continue;
    const byNumber = typeof from === 'string' && c.wa_id === from;
    const byUserId = typeof fromUserId === 'string' && c.user_id === fromUserId;
    if (!byNumber && !byUserId) continue;
    const profile = c.profile;
    return isRecord(profile) ? str(profile.name) : undefined;
  }
  return undefined;
}

/** The sender's identifiers from the message and its `contacts[]` entry (docs/whatsapp-identity.md). */
function findSender(contacts: unknown, item: JsonRecord): NonNullable<InboundMessage['sender']> {
  const sender: NonNullable<InboundMessage['sender']> = {};
  const waId = nonEmptyStr(item.from);
  const userId = nonEmptyStr(item.from_user_id);
  const parentUserId = nonEmptyStr(item.from_parent_user_id);
  if (Array.isArray(contacts)) {
    for (let i = 0; i < contacts.length; i++) {
      const c: unknown = contacts[i];
      if (!isRecord(c)) continue;
      const byNumber = waId !== undefined && c.wa_id === waId;
      const byUserId = userId !== undefined && c.user_id === userId;
      // A message without from and from_user_id (a contacts reply) belongs to the only entry.
      if (!byNumber && !byUserId && !(waId === undefined && userId === undefined && contacts.length === 1)) continue;
      sender.waId = waId ?? nonEmptyStr(c.wa_id);
      sender.userId = userId ?? nonEmptyStr(c.user_id);
      sender.parentUserId = parentUserId ?? nonEmptyStr(c.parent_user_id);
      const profile = c.profile;
      const username = isRecord(profile) ? nonEmptyStr(profile.username) : undefined;
      if (username !== undefined) sender.username = username;
      break;
    }
  }
  if (sender.waId === undefined && waId !== undefined) sender.waId = waId;
  if (sender.userId === undefined && userId !== undefined) sender.userId = userId;
  if (sender.parentUserId === undefined && parentUserId !== undefined) sender.parentUserId = parentUserId;
  for (const k of ['waId', 'userId', 'parentUserId'] as const) if (sender[k] === undefined) delete sender[k];
  return sender;
}
