import { isSingleEmoji } from './message-validation.ts';
import { isObject, type Json } from './validation-helpers.ts';

/** A bad inbound spec from a test or the page (answered 400 by the test API). */
export class InboundError extends Error {}

const str = (v: unknown): v is string => typeof v === 'string';
const optStr = (v: unknown): boolean => v === undefined || str(v);

function need(ok: boolean, message: string): void {
  if (!ok) throw new InboundError(message);
}

/**
 * Checks what a simulated customer sends is something WhatsApp could put in a webhook, so a
 * typo in a test is a clear 400 instead of a malformed webhook (or a crash). Media objects are
 * checked where they are stored (inbound-service).
 */
export function validateInboundContent(type: string, content: unknown, isKnownMessage: (wamid: string) => boolean): void {
  if (type === 'request_welcome' || type === 'unsupported') return;
  if (type === 'contacts') return validateContacts(content);
  need(isObject(content), `a ${type} message needs a "${type}" object`);
  const c = content as Json;
  switch (type) {
    case 'text':
      return need(str(c.body) && c.body.trim() !== '', 'text.body must be a non-empty string');
    case 'location':
      need(typeof c.latitude === 'number' && Math.abs(c.latitude) <= 90, 'location.latitude must be a number between -90 and 90');
      need(typeof c.longitude === 'number' && Math.abs(c.longitude) <= 180, 'location.longitude must be a number between -180 and 180');
      return need(optStr(c.name) && optStr(c.address) && optStr(c.url), 'location.name, address and url must be strings');
    case 'interactive':
      return validateInteractiveReply(c);
    case 'button':
      return need(str(c.payload) && str(c.text) && c.text !== '', 'button needs "payload" and "text" strings (a template quick-reply tap)');
    case 'reaction':
      need(str(c.message_id) && isKnownMessage(c.message_id), 'reaction.message_id must be a message of this chat');
      return need(str(c.emoji) && isSingleEmoji(c.emoji), 'reaction.emoji must be one emoji, or "" to remove the reaction');
    case 'order':
      return need(Array.isArray(c.product_items), 'order.product_items must be an array');
  }
}

function validateContacts(v: unknown): void {
  need(Array.isArray(v) && v.length > 0, 'contacts must be a non-empty array');
  for (const c of v as unknown[]) {
    need(
      isObject(c) && isObject(c.name) && str(c.name.formatted_name) && c.name.formatted_name !== '',
      'each contact needs name.formatted_name',
    );
  }
}

function validateInteractiveReply(i: Json): void {
  const reply = (key: string, fields: string[]) => {
    const r = i[key];
    need(isObject(r) && fields.every((f) => str((r as Json)[f])), `interactive.${key} needs ${fields.join(', ')} (strings)`);
  };
  if (i.type === 'button_reply') return reply('button_reply', ['id', 'title']);
  if (i.type === 'list_reply') {
    reply('list_reply', ['id', 'title']);
    return need(optStr((i.list_reply as Json).description), 'interactive.list_reply.description must be a string');
  }
  if (i.type === 'nfm_reply') return reply('nfm_reply', ['name', 'body', 'response_json']);
  throw new InboundError('interactive.type must be button_reply, list_reply or nfm_reply');
}

/** Checks one customer media object before it is stored. */
export function validateInboundMedia(kind: string, m: unknown): void {
  need(isObject(m), `${kind} must be an object`);
  const o = m as Json;
  need(
    optStr(o.id) && optStr(o.mime_type) && optStr(o.caption) && optStr(o.filename) && optStr(o.data_base64),
    `${kind}: id, mime_type, caption, filename and data_base64 must be strings`,
  );
  need(o.data === undefined || o.data instanceof Uint8Array, `${kind}.data must be bytes (over HTTP use data_base64)`);
  need(o.voice === undefined || typeof o.voice === 'boolean', `${kind}.voice must be a boolean`);
  need(o.animated === undefined || typeof o.animated === 'boolean', `${kind}.animated must be a boolean`);
  need(
    o.data_base64 === undefined || /^[A-Za-z0-9+/_-]*={0,2}$/.test(String(o.data_base64).replace(/\s/g, '')),
    `${kind}.data_base64 is not base64`,
  );
}
