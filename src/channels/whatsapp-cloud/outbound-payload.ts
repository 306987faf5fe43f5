import type { OutboundContent, OutboundRequest } from '../channel-types.ts';
import { assertNever } from '../../core/assert-never.ts';
import { isBsuidAddress } from '../../core/whatsapp-ids.ts';

/** The JSON body of `POST /{version}/{phone_number_id}/messages`. */
export interface GraphMessage {
  messaging_product: 'whatsapp';
  recipient_type: 'individual';
  /** A phone number (wa_id or E.164). */
  to?: string;
  /** A business-scoped user ID (or parent BSUID), for users whose number we do not have. */
  recipient?: string;
  context?: { message_id: string };
  biz_opaque_callback_data?: string;
  type: string;
  [typeObject: string]: unknown;
}

/** A request that cannot be expressed in the Cloud API at all (not a length/limit problem). */
export class OutboundPayloadError extends Error {
  override readonly name = 'OutboundPayloadError';
}

/**
 * OutboundRequest -> the exact Cloud API message JSON. Pure. Limits (button counts, title
 * lengths) are left to Meta, whose error codes come back to the caller; only requests that have
 * no Cloud API form at all (media with neither id nor link) throw OutboundPayloadError.
 */
export function toGraphMessage(req: OutboundRequest): GraphMessage {
  const c = req.content;
  const type = c.type === 'buttons' || c.type === 'list' || c.type === 'cta_url' ? 'interactive' : c.type;
  // Key order (envelope, optional context and tracking data, `type`, the type object) follows
  // Meta's examples so logged bodies read like the documentation.
  return {
    messaging_product: 'whatsapp',
    recipient_type: 'individual',
    // A BSUID goes in `recipient` (docs/whatsapp-identity.md, "Sending to a BSUID"); Meta
    // prefers `to` whenever the number is known, so a contact with a phone is sent to by number.
    ...(isBsuidAddress(req.to) ? { recipient: req.to } : { to: req.to }),
    ...(req.replyTo !== undefined ? { context: { message_id: req.replyTo } } : undefined),
    ...(req.bizOpaqueCallbackData !== undefined ? { biz_opaque_callback_data: req.bizOpaqueCallbackData } : undefined),
    type,
    [type]: typeObject(c),
  };
}

function typeObject(c: OutboundContent): unknown {
  switch (c.type) {
    case 'text':
      return { preview_url: c.previewUrl === true, body: c.text };
    case 'image':
    case 'video':
    case 'document':
    case 'audio':
    case 'sticker':
      return media(c);
    case 'location': {
      const o: Record<string, unknown> = { latitude: c.latitude, longitude: c.longitude };
      if (c.name !== undefined) o.name = c.name;
      if (c.address !== undefined) o.address = c.address;
      return o;
    }
    case 'contacts':
      return c.contacts;
    case 'reaction':
      // An empty emoji removes a reaction: pass it through unchanged.
      return { message_id: c.messageId, emoji: c.emoji };
    case 'buttons':
      return interactive('button', c, {
        buttons: c.buttons.map((b) => ({ type: 'reply', reply: { id: b.id, title: b.title } })),
      });
    case 'list':
      return interactive('list', c, {
        button: c.button,
        sections: c.sections.map((s) => {
          const rows = s.rows.map((r) => {
            const row: Record<string, unknown> = { id: r.id, title: r.title };
            if (r.description !== undefined) row.description = r.description;
            return row;
          });
          return s.title !== undefined ? { title: s.title, rows } : { rows };
        }),
      });
    case 'cta_url':
      return interactive('cta_url', c, { name: 'cta_url', parameters: { display_text: c.displayText, url: c.url } });
    case 'template': {
      const o: Record<string, unknown> = { name: c.name, language: { code: c.language } };
      if (c.components !== undefined) o.components = c.components;
      return o;
    }
    default:
      return assertNever(c, 'outbound content type');
  }
}

type MediaContent = Extract<OutboundContent, { type: 'image' | 'video' | 'document' | 'audio' | 'sticker' }>;

function media(c: MediaContent): Record<string, unknown> {
  // An uploaded id wins over a link: it is already on Meta's side and never goes stale mid-send.
  let o: Record<string, unknown>;
  if (c.mediaId !== undefined && c.mediaId !== '') o = { id: c.mediaId };
  else if (c.link !== undefined && c.link !== '') o = { link: c.link };
  else throw new OutboundPayloadError(`${c.type} message needs mediaId or link`);
  // Meta accepts captions on image/video/document only, filename on documents, voice on audio.
  if (c.caption !== undefined && (c.type === 'image' || c.type === 'video' || c.type === 'document')) o.caption = c.caption;
  if (c.filename !== undefined && c.type === 'document') o.filename = c.filename;
  if (c.voice === true && c.type === 'audio') o.voice = true;
  return o;
}

function interactive(
  kind: 'button' | 'list' | 'cta_url',
  c: { body: string; header?: string; footer?: string },
  action: Record<string, unknown>,
): Record<string, unknown> {
  const o: Record<string, unknown> = { type: kind };
  if (c.header !== undefined) o.header = { type: 'text', text: c.header };
  o.body = { text: c.body };
  if (c.footer !== undefined) o.footer = { text: c.footer };
  o.action = action;
  return o;
}
