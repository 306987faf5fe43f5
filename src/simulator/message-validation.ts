import { graphError, invalid, invalidParam, missing, GraphError } from './errors.ts';
import { isBsuid } from './identity.ts';
import { validateInteractive } from './interactive-validation.ts';
import { mimeFitsKind, type MediaKind } from './media-types.ts';
import { validateTemplateSend, type TemplateLookup } from './template-send-validation.ts';
import type { RenderedTemplate, SimTemplate } from './types.ts';
import {
  isHttpUrl,
  isObject,
  optionalBoolean,
  optionalString,
  rejectUnknownKeys,
  requireObject,
  requireString,
  type Json,
} from './validation-helpers.ts';

export interface ValidationDeps extends TemplateLookup {
  /** MIME type of a stored media id, if it exists and belongs to this number. */
  mediaMime(id: string): string | undefined;
  /** Is this a message the business received (for reactions)? */
  isInboundMessage(wamid: string): boolean;
}

export type ValidatedSend =
  | { kind: 'read'; messageId: string; typing: boolean }
  | {
      kind: 'message';
      type: string;
      /** `to`, or the BSUID in `recipient` when `to` is absent (then `byUserId`). */
      to: string;
      byUserId: boolean;
      body: Json;
      text?: string;
      contextId?: string;
      bizOpaque?: string;
      template?: { record: SimTemplate; rendered: RenderedTemplate };
    };

export const sendTypes = [
  'text',
  'image',
  'audio',
  'video',
  'document',
  'sticker',
  'location',
  'contacts',
  'interactive',
  'template',
  'reaction',
] as const;

/**
 * Validates a POST /messages body the way Meta does, in the order Meta reports problems
 * (envelope first, then the type's object). Throws nothing: returns the GraphError to answer.
 */
export function validateSendRequest(
  body: unknown,
  deps: ValidationDeps,
): { ok: true; value: ValidatedSend } | { ok: false; error: GraphError } {
  try {
    return { ok: true, value: validate(body, deps) };
  } catch (e) {
    if (e instanceof GraphError) return { ok: false, error: e };
    throw e;
  }
}

function validate(body: unknown, deps: ValidationDeps): ValidatedSend {
  if (!isObject(body)) throw invalidParam('(#100) The request body must be a JSON object.');
  const mp = body.messaging_product;
  if (mp === undefined) throw invalidParam('(#100) The parameter messaging_product is required.');
  if (mp !== 'whatsapp') throw invalidParam(`(#100) Param messaging_product must be one of {WHATSAPP} - got "${String(mp)}".`);

  if (body.status !== undefined) return validateReadReceipt(body);

  const recipientType = body.recipient_type ?? 'individual';
  if (recipientType !== 'individual') {
    if (recipientType === 'group') throw invalid('recipient_type "group" is not supported by the simulator (no Groups API).');
    throw invalidParam(`(#100) Param recipient_type must be one of {INDIVIDUAL, GROUP} - got "${String(recipientType)}".`);
  }
  // Send to a BSUID with `recipient`; when both are present `to` wins (docs/whatsapp-identity.md).
  const byUserId = body.to === undefined && body.recipient !== undefined;
  const to = byUserId ? requireString(body, 'recipient') : requireString(body, 'to');
  if (byUserId && !isBsuid(to))
    throw invalid(
      `Invalid recipient '${to}': a business-scoped user ID is a two-letter country code, '.', then up to 128 letters and digits.`,
    );

  // Meta defaults a missing type to text.
  const type = body.type === undefined ? 'text' : body.type;
  if (typeof type !== 'string' || !(sendTypes as readonly string[]).includes(type)) {
    throw graphError(131051, `Message type "${String(type)}" is not supported. Supported: ${sendTypes.join(', ')}.`);
  }

  let contextId: string | undefined;
  if (body.context !== undefined) {
    const ctx = requireObject(body, 'context');
    contextId = requireString(ctx, 'message_id', 'context');
  }
  const bizOpaque = optionalString(body, 'biz_opaque_callback_data');
  if (bizOpaque !== undefined && Buffer.byteLength(bizOpaque, 'utf8') > 512) {
    throw invalidParam('(#100) Param biz_opaque_callback_data must be at most 512 bytes long.');
  }

  const content = requireContent(body, type);
  const base = { kind: 'message' as const, type, to, byUserId, body, contextId, bizOpaque };
  switch (type) {
    case 'text':
      return { ...base, text: validateText(content) };
    case 'image':
    case 'audio':
    case 'video':
    case 'document':
    case 'sticker':
      return { ...base, text: validateMedia(content, type, deps) };
    case 'location':
      return { ...base, text: validateLocation(content) };
    case 'contacts':
      return { ...base, text: validateContacts(body.contacts) };
    case 'reaction':
      return { ...base, text: validateReaction(content, deps) };
    case 'interactive':
      return { ...base, text: validateInteractive(content, (o, path, kinds) => validateMediaObject(o, path, kinds, deps)) };
    case 'template': {
      const t = validateTemplateSend(content, deps, (o, path, kind) => validateMediaObject(o, path, [kind], deps));
      return { ...base, text: t.rendered.body, template: t };
    }
    default:
      throw graphError(131051, `Message type "${type}" is not supported.`);
  }
}

function requireContent(body: Json, type: string): Json {
  if (type === 'contacts') {
    if (body.contacts === undefined) throw missing('The parameter contacts is required.');
    return {};
  }
  return requireObject(body, type);
}

function validateReadReceipt(body: Json): ValidatedSend {
  if (body.status !== 'read') throw invalidParam(`(#100) Param status must be one of {READ} - got "${String(body.status)}".`);
  const messageId = requireString(body, 'message_id');
  let typing = false;
  if (body.typing_indicator !== undefined) {
    const ti = requireObject(body, 'typing_indicator');
    if (ti.type !== 'text') throw invalid(`typing_indicator['type'] must be "text".`);
    typing = true;
  }
  return { kind: 'read', messageId, typing };
}

function validateText(text: Json): string {
  rejectUnknownKeys(text, ['body', 'preview_url'], 'text');
  const body = requireString(text, 'body', 'text', { max: 4096 });
  optionalBoolean(text, 'preview_url', 'text');
  return body;
}

const mediaKeys: Record<MediaKind, readonly string[]> = {
  image: ['id', 'link', 'caption'],
  video: ['id', 'link', 'caption'],
  document: ['id', 'link', 'caption', 'filename'],
  audio: ['id', 'link', 'voice'],
  sticker: ['id', 'link'],
};

function validateMedia(media: Json, kind: MediaKind, deps: ValidationDeps): string {
  rejectUnknownKeys(media, mediaKeys[kind], kind);
  validateMediaObject(media, kind, [kind], deps);
  const caption = optionalString(media, 'caption', kind, { max: 1024 });
  optionalString(media, 'filename', kind, { max: 240 });
  optionalBoolean(media, 'voice', kind);
  return caption ?? `[${kind}]`;
}

/**
 * id XOR link. A link is not fetched (the simulator is offline); an id must be in the media store
 * and fit the type — a mismatch is 131053, answered synchronously (our choice: Meta may also
 * report it as a failed status).
 */
export function validateMediaObject(media: Json, path: string, kinds: readonly MediaKind[], deps: ValidationDeps): void {
  const id = media.id;
  const link = media.link;
  if (id !== undefined && link !== undefined) throw invalid(`${path}: specify exactly one of 'id' or 'link', not both.`);
  if (id === undefined && link === undefined) throw missing(`The parameter ${path}['id'] or ${path}['link'] is required.`);
  if (link !== undefined) {
    if (typeof link !== 'string' || !isHttpUrl(link)) throw invalid(`${path}['link'] must be an absolute http(s) URL.`);
    return;
  }
  if (typeof id !== 'string' || id.length === 0) throw invalid(`${path}['id'] must be a non-empty string.`);
  const mime = deps.mediaMime(id);
  if (mime === undefined) throw graphError(131053, `Media id ${id} does not exist, has expired or belongs to another phone number.`);
  if (!kinds.some((k) => mimeFitsKind(mime, k)))
    throw graphError(131053, `Media ${id} has MIME type ${mime}, which cannot be sent as ${kinds.join('/')}.`);
}

function validateLocation(loc: Json): string {
  const lat = loc.latitude;
  const lng = loc.longitude;
  if (lat === undefined) throw missing(`The parameter location['latitude'] is required.`);
  if (lng === undefined) throw missing(`The parameter location['longitude'] is required.`);
  if (typeof lat !== 'number' || !Number.isFinite(lat) || lat < -90 || lat > 90)
    throw invalid(`location['latitude'] must be a number between -90 and 90.`);
  if (typeof lng !== 'number' || !Number.isFinite(lng) || lng < -180 || lng > 180)
    throw invalid(`location['longitude'] must be a number between -180 and 180.`);
  const name = optionalString(loc, 'name', 'location', { max: 1000 });
  const address = optionalString(loc, 'address', 'location', { max: 1000 });
  return name ?? address ?? `[location ${lat},${lng}]`;
}

function validateContacts(contacts: unknown): string {
  if (!Array.isArray(contacts) || contacts.length === 0) throw missing('The parameter contacts must be a non-empty array.');
  const names: string[] = [];
  contacts.forEach((c, i) => {
    if (!isObject(c)) throw invalidParam(`(#100) Param contacts[${i}] must be a JSON object.`);
    const name = requireObject(c, 'name', `contacts[${i}]`);
    names.push(requireString(name, 'formatted_name', `contacts[${i}]['name']`));
    for (const list of ['phones', 'emails', 'urls', 'addresses']) {
      const v = c[list];
      if (v !== undefined && (!Array.isArray(v) || !v.every(isObject)))
        throw invalidParam(`(#100) Param contacts[${i}]['${list}'] must be an array of objects.`);
    }
  });
  return names.join(', ');
}

/** One emoji grapheme (flags, skin tones and ZWJ sequences included), or "" to remove. */
export function isSingleEmoji(s: string): boolean {
  if (s === '') return true;
  const segments = [...new Intl.Segmenter('en', { granularity: 'grapheme' }).segment(s)];
  if (segments.length !== 1) return false;
  return /\p{Extended_Pictographic}|\p{Regional_Indicator}|[#*0-9]\uFE0F?\u20E3/u.test(s);
}

function validateReaction(r: Json, deps: ValidationDeps): string {
  const messageId = requireString(r, 'message_id', 'reaction');
  const emoji = r.emoji;
  if (emoji === undefined || emoji === null) throw missing(`The parameter reaction['emoji'] is required.`);
  if (typeof emoji !== 'string' || !isSingleEmoji(emoji))
    throw invalid(`reaction['emoji'] must be a single emoji (or "" to remove the reaction).`);
  // Meta: "only to a message you received" (our choice: unknown ids are refused synchronously).
  if (!deps.isInboundMessage(messageId)) throw invalid(`reaction['message_id'] ${messageId} is not a message this number received.`);
  return emoji === '' ? '[reaction removed]' : emoji;
}
