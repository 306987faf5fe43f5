import { badRequest, type BotApiError } from './bot-api-error.ts';

/**
 * Telegram's formatting check, as far as a bot can observe it: text sent with `parse_mode`
 * MarkdownV2 or HTML that does not parse is refused with 400 "can't parse entities: ..."
 * (https://core.telegram.org/bots/api#formatting-options). The descriptions copy Telegram's.
 * Returns the error, or undefined when the text parses. Offsets are UTF-8 byte offsets, as Telegram's.
 */
export function checkEntities(text: string, parseMode: unknown): BotApiError | undefined {
  if (parseMode === undefined || parseMode === null || parseMode === '') return undefined;
  if (parseMode === 'MarkdownV2') return checkMarkdownV2(text);
  if (parseMode === 'HTML') return checkHtml(text);
  if (parseMode === 'Markdown') return undefined; // legacy mode: lenient, not modelled
  return badRequest(`unsupported parse_mode`);
}

// "In all other places characters '_', '*', '[', ']', '(', ')', '~', '`', '>', '#', '+', '-', '=', '|',
// '{', '}', '.', '!' must be escaped with the preceding character '\'."
const RESERVED = new Set(['_', '*', '[', ']', '(', ')', '~', '`', '>', '#', '+', '-', '=', '|', '{', '}', '.', '!']);

function bytesBefore(text: string, index: number): number {
  return Buffer.byteLength(text.slice(0, index), 'utf8');
}

function cantParse(what: string): BotApiError {
  return badRequest(`can't parse entities: ${what}`);
}

function checkMarkdownV2(text: string): BotApiError | undefined {
  // Open entities: '*' bold, '_' italic, '__' underline, '~' strikethrough, '||' spoiler, '[' link text.
  const open: Array<{ mark: string; at: number }> = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '\\') {
      i += 2;
      continue;
    }
    if (c === '`') {
      const fence = text.startsWith('```', i) ? '```' : '`';
      const end = text.indexOf(fence, i + fence.length);
      if (end < 0) return cantParse(`Can't find end of the entity starting at byte offset ${bytesBefore(text, i)}`);
      i = end + fence.length;
      continue;
    }
    const two = text.slice(i, i + 2);
    const mark = two === '__' || two === '||' ? two : c === '*' || c === '_' || c === '~' ? c : undefined;
    if (mark !== undefined) {
      const top = open[open.length - 1];
      if (top && top.mark === mark) open.pop();
      else open.push({ mark, at: i });
      i += mark.length;
      continue;
    }
    if (c === '[') {
      open.push({ mark: '[', at: i });
      i += 1;
      continue;
    }
    if (c === ']') {
      const top = open[open.length - 1];
      if (top?.mark !== '[') return reservedError(text, i);
      open.pop();
      if (text[i + 1] === '(') {
        const end = text.indexOf(')', i + 2);
        if (end < 0) return cantParse(`Can't find end of a url at byte offset ${bytesBefore(text, i + 1)}`);
        i = end + 1;
      } else i += 1;
      continue;
    }
    if (RESERVED.has(c)) return reservedError(text, i);
    i += 1;
  }
  const first = open[0];
  if (first) return cantParse(`Can't find end of the entity starting at byte offset ${bytesBefore(text, first.at)}`);
  return undefined;
}

function reservedError(text: string, i: number): BotApiError {
  return cantParse(`Character '${text[i]}' is reserved and must be escaped with the preceding '\\'`);
}

// https://core.telegram.org/bots/api#html-style
const HTML_TAGS = new Set([
  'b',
  'strong',
  'i',
  'em',
  'u',
  'ins',
  's',
  'strike',
  'del',
  'span',
  'tg-spoiler',
  'a',
  'tg-emoji',
  'code',
  'pre',
  'blockquote',
]);
const NAMED_ENTITIES = new Set(['lt', 'gt', 'amp', 'quot']);

function checkHtml(text: string): BotApiError | undefined {
  const open: Array<{ tag: string; at: number }> = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '&') {
      const m = /^&(#\d{1,7}|#x[0-9a-fA-F]{1,6}|[a-zA-Z]+);/.exec(text.slice(i, i + 12));
      // Telegram leaves an '&' that starts no entity as text; an unknown named entity is refused.
      if (m && !m[1]!.startsWith('#') && !NAMED_ENTITIES.has(m[1]!))
        return cantParse(`Unsupported HTML entity "&${m[1]};" at byte offset ${bytesBefore(text, i)}`);
      i += m ? m[0].length : 1;
      continue;
    }
    if (c === '>') {
      i += 1;
      continue;
    }
    if (c !== '<') {
      i += 1;
      continue;
    }
    const end = text.indexOf('>', i);
    if (end < 0) return cantParse(`Unclosed start tag at byte offset ${bytesBefore(text, i)}`);
    const inner = text.slice(i + 1, end);
    const closing = inner.startsWith('/');
    const name = (closing ? inner.slice(1) : inner).trim().split(/\s+/)[0]!.toLowerCase();
    if (closing) {
      const top = open.pop();
      if (!top || top.tag !== name)
        return cantParse(`Unmatched end tag at byte offset ${bytesBefore(text, i)}, expected "</${top?.tag ?? ''}>", found "</${name}>"`);
    } else {
      if (!HTML_TAGS.has(name)) return cantParse(`Unsupported start tag "${name}" at byte offset ${bytesBefore(text, i)}`);
      open.push({ tag: name, at: i });
    }
    i = end + 1;
  }
  const left = open[open.length - 1];
  if (left) return cantParse(`Can't find end tag corresponding to start tag "${left.tag}"`);
  return undefined;
}
