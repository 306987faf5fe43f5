import { contentTerms, stemmedTerms } from './search-terms.ts';

/**
 * The offline answer: the sentences of the best passage that share the most meaningful words
 * with the question, kept in the passage's order. A short passage is answered whole. Nothing is
 * written that is not in the knowledge base.
 */
export function extractAnswer(question: string, passage: string, maxChars = 480): string {
  const clean = passage
    .replace(/^\s*[-*+]\s+/gm, '• ') // Markdown bullets read as bullets on a phone
    .replace(/\*\*|__|`/g, '')
    .replace(/\[([^\]]+)\]\(([^)]+)\)/g, '$1 ($2)')
    .trim();
  if (clean.length <= maxChars) return clean;
  // Matched as the search matches: by word or stem ("abren" picks the sentence saying "abrimos").
  const asked = contentTerms(question).map((w) => stemmedTerms(w) ?? [w]);
  const sentences = clean.split(/(?<=[.!?])\s+|\n+/).filter((s) => s.trim());
  const scored = sentences.map((s, i) => {
    const said = new Set(contentTerms(s).flatMap((w) => stemmedTerms(w) ?? [w]));
    return { i, s: s.trim(), hits: asked.filter((forms) => forms.some((f) => said.has(f))).length };
  });
  const best = [...scored].sort((a, b) => b.hits - a.hits || a.i - b.i);
  const chosen: typeof scored = [];
  let length = 0;
  for (const c of best) {
    if (chosen.length > 0 && (c.hits === 0 || length + c.s.length > maxChars)) continue;
    chosen.push(c);
    length += c.s.length + 1;
  }
  return chosen
    .sort((a, b) => a.i - b.i)
    .map((c) => c.s)
    .join(' ')
    .slice(0, maxChars);
}

/** Spanish or English, from the words of a text: for the offline assistant's own sentences. */
export function guessLanguage(text: string): 'es' | 'en' {
  if (/[¿¡ñáéíóú]/i.test(text)) return 'es';
  const words = text.toLowerCase().match(/\p{L}+/gu) ?? [];
  let es = 0;
  let en = 0;
  for (const w of words) {
    if (ES.has(w)) es++;
    if (EN.has(w)) en++;
  }
  return es > en ? 'es' : 'en';
}

const ES = new Set(
  'el la los las de del que y en un una por para con como es mi mis quiero puedo hola gracias cuanto cuando donde'.split(' '),
);
const EN = new Set('the a an of and to in is my i you how what when where can do does hello thanks please'.split(' '));
