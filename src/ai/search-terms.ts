import { stemmer as englishStem } from '@orama/stemmers/english';
import { stemmer as spanishStem } from '@orama/stemmers/spanish';
import { foldText } from '../core/fold-text.ts';

/**
 * How the knowledge base and questions become search terms: case and accents folded (foldText,
 * the rule the rest of Switchboard searches by: "facturación" finds "facturacion"), and the
 * commonest English and Spanish function words dropped, so that "¿cómo pago mi factura?" is
 * matched on "pago" and "factura", and confidence counts only the words that carry meaning.
 */
export function searchTerm(term: string): string | null {
  const t = foldText(term);
  return t.length < 2 || STOP_WORDS.has(t) ? null : t;
}

/**
 * What a word is indexed and searched as: the folded word and its Spanish and English Snowball
 * stems (one term each where they agree), so "abrimos" finds "abren", "calentadores" finds "calentador" and "invoices" finds
 * "invoice" whatever the language of the article or the question. The word is folded first, so a
 * question typed without accents stems as the article does; "-cion"/"-sion" get their accent back
 * because the Spanish stemmer only knows "-ción" (and plurals "-ciones").
 */
export function stemmedTerms(term: string): string[] | null {
  const t = searchTerm(term);
  if (t === null) return null;
  let stems = STEMS.get(t);
  if (!stems) {
    const es = spanishStem(t.replace(/([cs])ion$/, '$1ión'));
    const en = englishStem(t);
    // The word itself too: an exact match outranks a shared stem (measured: docs/benchmarks.md).
    stems = [...new Set([t, es, en])];
    // A knowledge base's vocabulary is small; questions add a few words each: bounded all the same.
    if (STEMS.size >= 100_000) STEMS.clear();
    STEMS.set(t, stems);
  }
  return stems;
}

/** Stemming is most of an index build's time; words repeat. */
const STEMS = new Map<string, string[]>();

/** The meaningful terms of a text, folded, in order, without repeats. */
export function contentTerms(text: string): string[] {
  const seen = new Set<string>();
  for (const w of text.match(/[\p{L}\p{N}]+/gu) ?? []) {
    const t = searchTerm(w);
    if (t) seen.add(t);
  }
  return [...seen];
}

const STOP_WORDS = new Set(
  // English
  (
    'a an and are as at be been but by can could do does did for from had has have how i if in into is it its ' +
    'me my no not of on or our please so than that the their them then there these they this to too us was we ' +
    'were what when where which who why will with would you your yours hi hello thanks thank ' +
    // Spanish
    'al algo como con cual cuando de del donde el ella ellos en es esta este esto estoy hay la las le les lo los ' +
    'me mi mis muy nos o para pero por que quien se si sin sobre su sus te tengo tiene tu tus un una uno unos unas ' +
    'y ya yo hola gracias favor puedo puede quiero saber necesito'
  ).split(' '),
);
