import type { ReactNode } from 'react';

/**
 * WhatsApp's formatting (*bold*, _italic_, ~strike~, ```mono```) and links, as React elements.
 * Everything stays text that React escapes; only http(s) URLs become links (a `javascript:` URL
 * is never one), opened in a new tab without the opener.
 */
export function WaText({ text }: { text: string }) {
  return <>{format(text)}</>;
}

// A marker opens and closes only at a word's edge, as WhatsApp does (so {{customer_name}} stays as it is).
const TOKEN =
  /(https?:\/\/[^\s<>"']+)|(?<![\w*])\*([^*\n]+)\*(?![\w*])|(?<![\w_{])_([^_\n]+)_(?![\w_}])|(?<![\w~])~([^~\n]+)~(?![\w~])|```([^`]+)```/g;

function format(text: string): ReactNode[] {
  const out: ReactNode[] = [];
  let last = 0;
  let i = 0;
  for (const m of text.matchAll(TOKEN)) {
    const at = m.index ?? 0;
    if (at > last) out.push(text.slice(last, at));
    const key = i++;
    if (m[1]) {
      out.push(
        <a key={key} href={m[1]} target="_blank" rel="noopener noreferrer">
          {m[1]}
        </a>,
      );
    } else if (m[2] !== undefined) out.push(<strong key={key}>{format(m[2])}</strong>);
    else if (m[3] !== undefined) out.push(<em key={key}>{format(m[3])}</em>);
    else if (m[4] !== undefined) out.push(<s key={key}>{format(m[4])}</s>);
    else if (m[5] !== undefined) out.push(<code key={key}>{m[5]}</code>);
    last = at + m[0].length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}
