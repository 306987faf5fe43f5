/**
 * Text as search compares it: lower case, and Latin letters without their accents ("Ñandú
 * Pérez" -> "nandu perez"), so people can type without accents. Only accented Latin letters
 * (U+00C0-U+024F, U+1E00-U+1EFF) lose their marks, as in SQLite's FTS5 `remove_diacritics 2`;
 * letters Unicode does not decompose (ø, ł, đ) stay as they are. Combining accents
 * (U+0300-U+036F) typed separately are dropped.
 *
 * SQLite queries call it as the SQL function `switchboard_fold` (registered on every connection
 * by openStorage); PostgreSQL has a function of that name doing the same (migration
 * 0010-contacts-search-fold).
 */
export function foldText(text: string): string {
  // Plain ASCII (phone numbers, ids, most English text): only the case changes.
  if (ASCII.test(text)) return text.toLowerCase();
  return text.replace(LATIN_OR_MARK, (c) => (c >= '\u0300' && c <= '\u036f' ? '' : (c.normalize('NFD')[0] ?? c))).toLowerCase();
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: the whole ASCII range, control characters included
const ASCII = /^[\x00-\x7f]*$/;
// biome-ignore lint/suspicious/noMisleadingCharacterClass: combining marks are matched one by one on purpose (they are dropped)
const LATIN_OR_MARK = /[\u00c0-\u024f\u1e00-\u1eff\u0300-\u036f]/g;
