/**
 * The assistant never sends a link or a phone number it was not given: each URL, e-mail-less
 * web address or phone-like digit run in an answer that does not appear in the context is
 * removed (a model may invent a plausible support number or link). Returns what was removed.
 */
export function scrubAnswer(answer: string, context: string): { text: string; removed: string[] } {
  const removed: string[] = [];
  const digitsInContext = new Set((context.match(PHONE) ?? []).map(digits));
  const lowerContext = context.toLowerCase();
  let text = answer.replace(URL, (url) => {
    const bare = url.replace(/[.,;:!?)\]]+$/, '');
    if (lowerContext.includes(bare.toLowerCase())) return url;
    removed.push(bare);
    return url.slice(bare.length);
  });
  text = text.replace(PHONE, (phone) => {
    const d = digits(phone);
    if (d.length < 7 || digitsInContext.has(d) || [...digitsInContext].some((c) => c.endsWith(d) || d.endsWith(c))) return phone;
    removed.push(phone.trim());
    return '';
  });
  if (removed.length)
    text = text
      .replace(/[ \t]{2,}/g, ' ')
      .replace(/\(\s*\)/g, '')
      .trim();
  return { text, removed };
}

const URL = /\b(?:https?:\/\/|www\.)[^\s<>"']+/gi;
// +52 55 1234 5678, (555) 123-4567, 5512345678: a run of 7+ digits with common separators.
const PHONE = /\+?\(?\d[\d\s().-]{5,}\d/g;

function digits(s: string): string {
  return s.replace(/\D/g, '');
}
