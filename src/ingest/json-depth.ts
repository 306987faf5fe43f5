/**
 * How deep a webhook's JSON may nest arrays and objects. Meta's deepest payloads (an interactive
 * reply inside a message inside a change inside an entry) nest about ten levels; anything near
 * this limit is not a WhatsApp webhook, and far deeper bodies (10,000 levels) overflow the stack
 * when the event is stored or parsed again — so they are refused with 400 before the 200.
 */
export const MAX_WEBHOOK_JSON_DEPTH = 64;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;

/**
 * Whether the JSON text in `raw` nests arrays/objects deeper than `max`, checked on the bytes
 * before parsing (so a body too deep for the stack never reaches JSON.parse or JSON.stringify).
 * Brackets inside strings do not count. It does not validate the JSON: JSON.parse does that next.
 */
export function jsonDeeperThan(raw: Uint8Array, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (inString) {
      if (c === BACKSLASH)
        i++; // the escaped character, whatever it is, cannot end the string
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) {
      inString = true;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > max) return true;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
    }
  }
  return false;
}
