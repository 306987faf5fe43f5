import type { OutboundContent } from '../channels/channel-types.ts';
import { refuseUnknownFields } from '../auth/body-fields.ts';
import { HttpError } from '../core/http-error.ts';

/**
 * An agent's reply as the API accepts it, checked against WhatsApp's limits before anything is
 * queued: a reply Meta would refuse gets a 422 now, with a code and the offending field, rather
 * than a failed status later. `messageRef`s (reply_to, a reaction's target) are our message ids or
 * wamids, resolved by the caller.
 */
export interface ParsedReply {
  content: OutboundContent;
  /** The message quoted (reply_to), unresolved. */
  replyTo?: string;
  /** For reactions: the message reacted to, unresolved (content.messageId is filled after resolving). */
  reactTo?: string;
}

export const REPLY_TYPES = [
  'text',
  'image',
  'video',
  'audio',
  'document',
  'sticker',
  'location',
  'contacts',
  'buttons',
  'list',
  'cta_url',
  'reaction',
] as const;
type ReplyType = (typeof REPLY_TYPES)[number];
const MEDIA_TYPES = new Set(['image', 'video', 'audio', 'document', 'sticker']);
const MEDIA_FIELDS = ['media_id', 'link', 'caption', 'filename'];
const INTERACTIVE_FIELDS = ['body', 'header', 'footer'];
/** The fields each type reads, besides `type` and `reply_to`: any other is 400 unknown_field. */
const FIELDS: Record<ReplyType, readonly string[]> = {
  text: ['text'],
  image: MEDIA_FIELDS,
  video: MEDIA_FIELDS,
  audio: MEDIA_FIELDS,
  document: MEDIA_FIELDS,
  sticker: MEDIA_FIELDS,
  location: ['latitude', 'longitude', 'name', 'address'],
  contacts: ['contacts'],
  buttons: [...INTERACTIVE_FIELDS, 'buttons'],
  list: [...INTERACTIVE_FIELDS, 'button', 'sections'],
  cta_url: [...INTERACTIVE_FIELDS, 'display_text', 'url'],
  reaction: ['message_id', 'emoji'],
};

export function parseReply(body: unknown): ParsedReply {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new HttpError(400, 'invalid_body', 'Send a JSON object like {"text": "Hello"}.');
  const b = body as Record<string, unknown>;
  const type = b.type ?? 'text';
  if (typeof type !== 'string' || !(REPLY_TYPES as readonly string[]).includes(type)) {
    throw invalid('unsupported_type', 'type', `"type" must be one of: ${REPLY_TYPES.join(', ')}.`);
  }
  refuseUnknownFields(b, ['type', 'reply_to', ...FIELDS[type as ReplyType]], `a ${type} message`);
  const replyTo = optionalRef(b.reply_to, 'reply_to');
  const content = contentOf(type as ReplyType, b);
  if (content.type === 'reaction') {
    if (replyTo !== undefined)
      throw invalid('invalid_reply_to', 'reply_to', 'A reaction names its message in "message_id", not "reply_to".');
    return { content, reactTo: content.messageId };
  }
  return replyTo !== undefined ? { content, replyTo } : { content };
}

function contentOf(type: ReplyType, b: Record<string, unknown>): OutboundContent {
  if (MEDIA_TYPES.has(type)) return media(type as 'image' | 'video' | 'audio' | 'document' | 'sticker', b);
  switch (type) {
    case 'text': {
      const text = b.text;
      if (typeof text !== 'string' || text.trim() === '') throw invalid('text_required', 'text', '"text" must be a non-empty string.');
      if (text.length > 4096) throw invalid('text_too_long', 'text', `"text" is ${text.length} characters; WhatsApp allows 4096.`);
      return { type: 'text', text };
    }
    case 'location': {
      const latitude = b.latitude;
      const longitude = b.longitude;
      if (typeof latitude !== 'number' || !Number.isFinite(latitude) || latitude < -90 || latitude > 90)
        throw invalid('invalid_latitude', 'latitude', '"latitude" must be a number from -90 to 90.');
      if (typeof longitude !== 'number' || !Number.isFinite(longitude) || longitude < -180 || longitude > 180)
        throw invalid('invalid_longitude', 'longitude', '"longitude" must be a number from -180 to 180.');
      const name = optionalString(b.name, 'name', 1000);
      const address = optionalString(b.address, 'address', 1000);
      return {
        type: 'location',
        latitude,
        longitude,
        ...(name !== undefined ? { name } : {}),
        ...(address !== undefined ? { address } : {}),
      };
    }
    case 'buttons': {
      const frame = interactiveFrame(b, 1024);
      const buttons = b.buttons;
      if (!Array.isArray(buttons) || buttons.length < 1 || buttons.length > 3)
        throw invalid('invalid_buttons', 'buttons', '"buttons" must hold 1 to 3 buttons.');
      const ids = new Set<string>();
      const titles = new Set<string>();
      const parsed = buttons.map((raw, i) => {
        const field = `buttons[${i}]`;
        if (typeof raw !== 'object' || raw === null) throw invalid('invalid_buttons', field, `${field} must be {"id", "title"}.`);
        const { id, title } = raw as Record<string, unknown>;
        const t = requiredString(title, `${field}.title`, 20, 'button_title_too_long');
        const bid = id === undefined ? `btn_${i + 1}` : requiredString(id, `${field}.id`, 256, 'button_id_too_long');
        if (ids.has(bid) || titles.has(t)) throw invalid('duplicate_button', field, 'Button ids and titles must be unique.');
        ids.add(bid);
        titles.add(t);
        return { id: bid, title: t };
      });
      return { type: 'buttons', ...frame, buttons: parsed };
    }
    case 'list': {
      const frame = interactiveFrame(b, 4096);
      const button = requiredString(b.button, 'button', 20, 'button_label_too_long');
      const sections = b.sections;
      if (!Array.isArray(sections) || sections.length < 1 || sections.length > 10)
        throw invalid('invalid_sections', 'sections', '"sections" must hold 1 to 10 sections.');
      const rowIds = new Set<string>();
      let rowCount = 0;
      const parsed = sections.map((raw, si) => {
        const field = `sections[${si}]`;
        if (typeof raw !== 'object' || raw === null) throw invalid('invalid_sections', field, `${field} must be {"title", "rows"}.`);
        const s = raw as Record<string, unknown>;
        const title = optionalString(s.title, `${field}.title`, 24, 'section_title_too_long');
        if (title === undefined && sections.length > 1)
          throw invalid('section_title_required', `${field}.title`, 'Every section needs a title when there is more than one.');
        if (!Array.isArray(s.rows) || s.rows.length < 1)
          throw invalid('invalid_rows', `${field}.rows`, `${field}.rows must hold at least one row.`);
        const rows = s.rows.map((rr, ri) => {
          const rf = `${field}.rows[${ri}]`;
          if (typeof rr !== 'object' || rr === null) throw invalid('invalid_rows', rf, `${rf} must be {"id", "title", "description"?}.`);
          const r = rr as Record<string, unknown>;
          const id = requiredString(r.id, `${rf}.id`, 200, 'row_id_too_long');
          if (rowIds.has(id)) throw invalid('duplicate_row', `${rf}.id`, 'Row ids must be unique across the list.');
          rowIds.add(id);
          const rowTitle = requiredString(r.title, `${rf}.title`, 24, 'row_title_too_long');
          const description = optionalString(r.description, `${rf}.description`, 72, 'row_description_too_long');
          return { id, title: rowTitle, ...(description !== undefined ? { description } : {}) };
        });
        rowCount += rows.length;
        return { ...(title !== undefined ? { title } : {}), rows };
      });
      if (rowCount > 10) throw invalid('too_many_rows', 'sections', `A list holds at most 10 rows in all; this one has ${rowCount}.`);
      return { type: 'list', ...frame, button, sections: parsed };
    }
    case 'contacts':
      return { type: 'contacts', contacts: contactCards(b.contacts) };
    case 'cta_url': {
      const frame = interactiveFrame(b, 1024);
      const displayText = requiredString(b.display_text, 'display_text', 20, 'display_text_too_long');
      const url = requiredString(b.url, 'url', 2048, 'url_too_long');
      if (!isHttpUrl(url)) throw invalid('invalid_url', 'url', '"url" must be an absolute http(s) URL.');
      return { type: 'cta_url', ...frame, displayText, url };
    }
    case 'reaction': {
      const messageId = optionalRef(b.message_id, 'message_id');
      if (messageId === undefined)
        throw invalid('message_id_required', 'message_id', 'A reaction needs "message_id": our message id or its wamid.');
      const emoji = b.emoji;
      if (typeof emoji !== 'string' || !isSingleEmoji(emoji))
        throw invalid('invalid_emoji', 'emoji', '"emoji" must be one emoji, or "" to remove the reaction.');
      return { type: 'reaction', messageId, emoji };
    }
    default:
      // Media types were handled above; REPLY_TYPES is checked before this is called.
      throw invalid('unsupported_type', 'type', `Unsupported type ${type}.`);
  }
}

function media(type: 'image' | 'video' | 'audio' | 'document' | 'sticker', b: Record<string, unknown>): OutboundContent {
  const mediaId = optionalString(b.media_id, 'media_id', 256);
  const link = optionalString(b.link, 'link', 2048);
  if ((mediaId === undefined) === (link === undefined))
    throw invalid('media_required', 'media_id', `A ${type} needs exactly one of "media_id" (from POST /api/v1/media) or "link".`);
  if (link !== undefined && !/^https?:\/\/[^\s]+$/i.test(link)) throw invalid('invalid_link', 'link', '"link" must be an http(s) URL.');
  // Meta takes captions on image/video/document only and file names on documents only.
  const caption = optionalString(b.caption, 'caption', 1024, 'caption_too_long');
  if (caption !== undefined && (type === 'audio' || type === 'sticker'))
    throw invalid('caption_not_allowed', 'caption', `WhatsApp does not show captions on ${type} messages.`);
  const filename = optionalString(b.filename, 'filename', 240, 'filename_too_long');
  if (filename !== undefined && type !== 'document') throw invalid('filename_not_allowed', 'filename', 'Only documents have a file name.');
  return {
    type,
    ...(mediaId !== undefined ? { mediaId } : {}),
    ...(link !== undefined ? { link } : {}),
    ...(caption !== undefined ? { caption } : {}),
    ...(filename !== undefined ? { filename } : {}),
  };
}

const CARD_LISTS = ['phones', 'emails', 'urls', 'addresses'] as const;
const CARD_FIELDS = ['name', ...CARD_LISTS, 'org', 'birthday'];
const MAX_CARDS = 20;

/**
 * Contact cards as WhatsApp takes them (the same schema as inbound contacts): `name.formatted_name`
 * is required; `phones`, `emails`, `urls`, `addresses` are lists of objects, `org` an object and
 * `birthday` YYYY-MM-DD. Checked here so Meta never answers #100 on a bad card; passed on as given.
 */
function contactCards(value: unknown): unknown[] {
  if (!Array.isArray(value) || value.length < 1 || value.length > MAX_CARDS)
    throw invalid('invalid_contacts', 'contacts', `"contacts" must hold 1 to ${MAX_CARDS} contact cards.`);
  return value.map((raw, i) => {
    const field = `contacts[${i}]`;
    if (!isObject(raw))
      throw invalid(
        'invalid_contacts',
        field,
        `${field} must be a contact card like {"name": {"formatted_name": "Ana Gómez"}, "phones": [{"phone": "+52 55 1234 5678"}]}.`,
      );
    for (const key of Object.keys(raw))
      if (!CARD_FIELDS.includes(key))
        throw invalid(
          'invalid_contacts',
          `${field}.${key}`,
          `${field} has an unknown field "${key}"; a card has ${CARD_FIELDS.join(', ')}.`,
        );
    if (!isObject(raw.name))
      throw invalid('contact_name_required', `${field}.name`, `${field}.name must be an object with "formatted_name".`);
    const formatted = raw.name.formatted_name;
    if (typeof formatted !== 'string' || formatted.trim() === '')
      throw invalid(
        'formatted_name_required',
        `${field}.name.formatted_name`,
        `${field}.name.formatted_name must be a non-empty string: WhatsApp shows it as the card's title.`,
      );
    for (const [k, v] of Object.entries(raw.name))
      if (typeof v !== 'string') throw invalid('invalid_contacts', `${field}.name.${k}`, `${field}.name.${k} must be a string.`);
    for (const list of CARD_LISTS) {
      const v = raw[list];
      if (v !== undefined && (!Array.isArray(v) || !v.every(isObject)))
        throw invalid('invalid_contacts', `${field}.${list}`, `${field}.${list} must be a list of objects.`);
    }
    if (raw.org !== undefined && !isObject(raw.org)) throw invalid('invalid_contacts', `${field}.org`, `${field}.org must be an object.`);
    if (raw.birthday !== undefined && (typeof raw.birthday !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(raw.birthday)))
      throw invalid('invalid_contacts', `${field}.birthday`, `${field}.birthday must be a date like 1990-05-31.`);
    return raw;
  });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isHttpUrl(s: string): boolean {
  if (!/^https?:\/\/[^\s]+$/i.test(s)) return false;
  try {
    return new URL(s).hostname !== '';
  } catch {
    return false;
  }
}

function interactiveFrame(b: Record<string, unknown>, bodyMax: number): { body: string; header?: string; footer?: string } {
  const body = requiredString(b.body, 'body', bodyMax, 'body_too_long');
  const header = optionalString(b.header, 'header', 60, 'header_too_long');
  const footer = optionalString(b.footer, 'footer', 60, 'footer_too_long');
  return { body, ...(header !== undefined ? { header } : {}), ...(footer !== undefined ? { footer } : {}) };
}

function requiredString(value: unknown, field: string, max: number, tooLongCode: string): string {
  if (typeof value !== 'string' || value.trim() === '')
    throw invalid(`${field.replace(/\[\d+\]/g, '').replace(/\./g, '_')}_required`, field, `"${field}" must be a non-empty string.`);
  if ([...value].length > max) throw invalid(tooLongCode, field, `"${field}" is ${[...value].length} characters; WhatsApp allows ${max}.`);
  return value;
}

function optionalString(value: unknown, field: string, max: number, tooLongCode = `invalid_${field}`): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string')
    throw invalid(`invalid_${field.replace(/\[\d+\]/g, '').replace(/\./g, '_')}`, field, `"${field}" must be a string.`);
  if ([...value].length > max) throw invalid(tooLongCode, field, `"${field}" is ${[...value].length} characters; WhatsApp allows ${max}.`);
  return value;
}

function optionalRef(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value.trim() === '' || value.length > 512)
    throw invalid(`invalid_${field}`, field, `"${field}" must be one of our message ids or a wamid.`);
  return value;
}

/** One emoji grapheme (flags, skin tones and ZWJ sequences included), or "" to remove. */
function isSingleEmoji(s: string): boolean {
  if (s === '') return true;
  const segments = [...new Intl.Segmenter('en', { granularity: 'grapheme' }).segment(s)];
  return segments.length === 1 && /\p{Extended_Pictographic}|\p{Regional_Indicator}|[#*0-9]\uFE0F?\u20E3/u.test(s);
}

function invalid(code: string, field: string, message: string): HttpError {
  return new HttpError(422, code, message, { field });
}
