import { type Kysely, sql } from 'kysely';
import type { DialectName } from '../dialect-name.ts';

/**
 * PostgreSQL: `switchboard_fold` (0010-contacts-search-fold) gives the same results, faster. It was
 * one `translate` over a table of ~700 accented letters and marks, which scans that table for every
 * character of its input: 0.29 ms for a 100-character text (`select count(switchboard_fold(…))`
 * over 10,000 rows: 2.9 s), paid by every conversation insert and update (the `search_doc` trigger:
 * 0.215 of a 0.337 ms update) and by every row a contact search folds. Now:
 * - plain ASCII (octet length = character length): `lower` alone, as fold-text.ts does (3 µs for 100 characters);
 * - text whose every character is in the Latin ranges, their combining marks, common punctuation,
 *   currency signs, symbols or emoji: canonical decomposition (NFD) with the marks removed (19 µs).
 *   Every accented letter in those ranges decomposes to its base letter and marks only in
 *   U+0300–U+036F, and no other character there but a few marks has a canonical decomposition, so this is the same
 *   mapping as the table's;
 * - anything else (Greek, Cyrillic, CJK…): the table, as before.
 * test/core/search-fold.test.ts compares the two definitions on every code point from U+0001 to
 * U+2FFFF. `normalize` needs a UTF-8 database; on another encoding the definition is left as it is.
 * SQLite folds in JavaScript (fold-text.ts): nothing to do there.
 */
export function fastSearchFoldMigration(dialect: DialectName) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      if (dialect !== 'postgres') return;
      const encoding = await sql<{ e: string }>`select current_setting('server_encoding') as e`.execute(db);
      if (encoding.rows[0]?.e !== 'UTF8') return;
      await sql`alter function switchboard_fold(text) rename to switchboard_fold_table`.execute(db);
      // PL/pgSQL, not SQL: a SQL function with this CASE cannot be inlined, and then each
      // transaction that calls it from a trigger sets it up anew (~85 µs); a PL/pgSQL function is
      // compiled once a session (the trigger's fold: 0.24 ms before, 0.037 ms after). Still
      // immutable, so a constant argument is folded at plan time and `search_doc like
      // switchboard_fold('%q%')` keeps the trigram index.
      await sql
        .raw(
          `create function switchboard_fold(t text) returns text language plpgsql immutable strict parallel safe as $fold$
            begin
              if octet_length(t) = char_length(t) then return lower(t); end if;
              if t ~ '${FAST_FOLD_CHARACTERS}' then return lower(regexp_replace(normalize(t, NFD), '[\\u0300-\\u036f]', '', 'g')); end if;
              return switchboard_fold_table(t);
            end $fold$`,
        )
        .execute(db);
    },
  };
}

/** The characters whose fold is their NFD form without combining marks (see above), as an anchored regex. */
export const FAST_FOLD_CHARACTERS =
  '^[\\u0001-\\u036f\\u1e00-\\u1eff\\u2010-\\u2027\\u2030-\\u205e\\u20a0-\\u20c0\\u2600-\\u27bf\\ufe0f\\U0001F000-\\U0001FAFF]*$';
