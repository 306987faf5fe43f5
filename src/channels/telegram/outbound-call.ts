import type { OutboundRequest } from '../channel-types.ts';

/** One Bot API call that sends a message: the method and its JSON parameters. */
export interface BotApiCall {
  method: string;
  params: Record<string, unknown>;
  /** Media sends: the parameter that carries the file (`photo`, `document`...), which an upload replaces with its bytes. */
  fileField?: string;
}

export class UnsupportedOnTelegram extends Error {}

/**
 * Text is sent with parse_mode HTML and every `&`, `<`, `>` escaped
 * (https://core.telegram.org/bots/api#html-style): a customer's name or an agent's text can
 * contain any character and still never makes Telegram answer "can't parse entities".
 * MarkdownV2 would need 18 characters escaped, and differently inside code and links.
 */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A message id we gave Telegram's message: `<chat id>:<message_id>`; the message_id part for reply_parameters. */
export function telegramMessageId(externalId: string): number | undefined {
  const m = /^-?\d+:(\d+)$/.exec(externalId);
  return m ? Number(m[1]) : undefined;
}

function framed(body: string, header?: string, footer?: string): string {
  return [header ? `<b>${escapeHtml(header)}</b>` : undefined, escapeHtml(body), footer ? `<i>${escapeHtml(footer)}</i>` : undefined]
    .filter((s) => s !== undefined)
    .join('\n\n');
}

const MEDIA_METHOD = {
  image: ['sendPhoto', 'photo'],
  video: ['sendVideo', 'video'],
  document: ['sendDocument', 'document'],
  audio: ['sendAudio', 'audio'],
  sticker: ['sendSticker', 'sticker'],
} as const;

/**
 * Our channel-neutral message as a Bot API call. Buttons and lists become inline keyboards
 * (https://core.telegram.org/bots/api#inlinekeyboardmarkup) whose callback_data is the button or
 * row id, so a press comes back as the same reply id a flow waits for on WhatsApp. Templates do
 * not exist on Telegram (no 24-hour window either): UnsupportedOnTelegram.
 */
export function toBotApiCall(req: OutboundRequest): BotApiCall {
  const chat_id = /^-?\d+$/.test(req.to) ? Number(req.to) : req.to;
  const quoted = req.replyTo ? telegramMessageId(req.replyTo) : undefined;
  const common: Record<string, unknown> = {
    chat_id,
    ...(quoted !== undefined ? { reply_parameters: { message_id: quoted, allow_sending_without_reply: true } } : {}),
  };
  const c = req.content;
  switch (c.type) {
    case 'text':
      return {
        method: 'sendMessage',
        params: {
          ...common,
          text: escapeHtml(c.text),
          parse_mode: 'HTML',
          ...(c.previewUrl ? {} : { link_preview_options: { is_disabled: true } }),
        },
      };
    case 'image':
    case 'video':
    case 'document':
    case 'audio':
    case 'sticker': {
      const [method, field] = c.type === 'audio' && c.voice ? (['sendVoice', 'voice'] as const) : MEDIA_METHOD[c.type];
      const file = c.mediaId ?? c.link;
      if (!file) throw new UnsupportedOnTelegram(`a ${c.type} needs a Telegram file_id (mediaId) or a link`);
      return {
        method,
        fileField: field,
        params: {
          ...common,
          [field]: file,
          ...(c.caption && c.type !== 'sticker' ? { caption: escapeHtml(c.caption), parse_mode: 'HTML' } : {}),
        },
      };
    }
    case 'location':
      if (c.name && c.address)
        return {
          method: 'sendVenue',
          params: { ...common, latitude: c.latitude, longitude: c.longitude, title: c.name, address: c.address },
        };
      return { method: 'sendLocation', params: { ...common, latitude: c.latitude, longitude: c.longitude } };
    case 'contacts': {
      const first = c.contacts[0] as
        | { name?: { formatted_name?: string; first_name?: string; last_name?: string }; phones?: Array<{ phone?: string }> }
        | undefined;
      const phone = first?.phones?.find((p) => p.phone)?.phone;
      const firstName = first?.name?.first_name || first?.name?.formatted_name;
      if (!phone || !firstName) throw new UnsupportedOnTelegram('a contact needs a name and a phone number on Telegram');
      if (c.contacts.length > 1) throw new UnsupportedOnTelegram('Telegram sends one contact per message');
      return {
        method: 'sendContact',
        params: {
          ...common,
          phone_number: phone,
          first_name: firstName,
          ...(first?.name?.last_name ? { last_name: first.name.last_name } : {}),
        },
      };
    }
    case 'reaction': {
      const id = telegramMessageId(c.messageId);
      if (id === undefined) throw new UnsupportedOnTelegram('the message reacted to is not a Telegram message');
      return {
        method: 'setMessageReaction',
        params: { chat_id, message_id: id, reaction: c.emoji ? [{ type: 'emoji', emoji: c.emoji }] : [] },
      };
    }
    case 'buttons':
      return {
        method: 'sendMessage',
        params: {
          ...common,
          text: framed(c.body, c.header, c.footer),
          parse_mode: 'HTML',
          reply_markup: { inline_keyboard: c.buttons.map((b) => [{ text: b.title, callback_data: b.id }]) },
        },
      };
    case 'list':
      return {
        method: 'sendMessage',
        params: {
          ...common,
          text: framed(c.body, c.header, c.footer),
          parse_mode: 'HTML',
          // One button per row; a row's description has no place on a button and is left out.
          reply_markup: { inline_keyboard: c.sections.flatMap((s) => s.rows.map((r) => [{ text: r.title, callback_data: r.id }])) },
        },
      };
    case 'cta_url':
      return {
        method: 'sendMessage',
        params: {
          ...common,
          text: framed(c.body, c.header, c.footer),
          parse_mode: 'HTML',
          reply_markup: { inline_keyboard: [[{ text: c.displayText, url: c.url }]] },
        },
      };
    case 'template':
      throw new UnsupportedOnTelegram('Telegram has no message templates (and no 24-hour window): send the text itself');
  }
}
