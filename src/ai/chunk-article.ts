/**
 * Splits a knowledge-base article into passages for retrieval: by Markdown heading first, then
 * by paragraph, so that each passage stays about one topic and near `maxChars` at most. Each
 * passage keeps its heading so a passage taken alone still says what it is about.
 */
export interface Passage {
  heading: string;
  text: string;
}

export function chunkArticle(title: string, body: string, maxChars = 900): Passage[] {
  const sections: Passage[] = [];
  let heading = title;
  let lines: string[] = [];
  const flush = () => {
    const text = lines.join('\n').trim();
    if (text) sections.push({ heading, text });
    lines = [];
  };
  for (const line of body.replace(/\r\n?/g, '\n').split('\n')) {
    const h = /^#{1,6}\s+(.*)$/.exec(line);
    if (h) {
      flush();
      heading = h[1]?.trim() || title;
    } else lines.push(line);
  }
  flush();
  const out: Passage[] = [];
  for (const s of sections) {
    if (s.text.length <= maxChars) {
      out.push(s);
      continue;
    }
    let part = '';
    for (const para of s.text.split(/\n\s*\n/)) {
      if (part && part.length + para.length + 2 > maxChars) {
        out.push({ heading: s.heading, text: part.trim() });
        part = '';
      }
      // A single paragraph longer than the limit is cut at sentence ends.
      if (para.length > maxChars) {
        for (const sentence of para.split(/(?<=[.!?])\s+/)) {
          if (part && part.length + sentence.length + 1 > maxChars) {
            out.push({ heading: s.heading, text: part.trim() });
            part = '';
          }
          part += `${sentence} `;
        }
      } else part += `${para}\n\n`;
    }
    if (part.trim()) out.push({ heading: s.heading, text: part.trim() });
  }
  if (out.length === 0 && title.trim()) out.push({ heading: title, text: title });
  return out;
}
