import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { sql } from 'kysely';
import { foldText } from '../../src/core/fold-text.ts';
import { openStorage, type Storage } from '../../src/storage/open-database.ts';
import { postgresUrl } from '../support/dialects.ts';
import { resetPostgres } from '../support/reset-postgres.ts';

/**
 * PostgreSQL's `switchboard_fold` (migration 0044) takes a fast path for ASCII and for Latin text
 * with punctuation and emoji, and the old accent table (`switchboard_fold_table`, 0010) for the
 * rest. The two must agree everywhere: every stored `search_doc` was folded by the old one, and a
 * search folds its query with the new one.
 */
const suite = postgresUrl ? describe : describe.skip;
suite('search fold: the fast definition folds as the accent table does [postgres]', () => {
  let storage: Storage;
  let dir: string;
  const fold = async (texts: string[]) =>
    (
      await sql<{ fast: string; table: string }>`select switchboard_fold(t) as fast, switchboard_fold_table(t) as table
        from unnest(${texts}::text[]) with ordinality as x(t, n) order by n`.execute(storage.db)
    ).rows;

  before(async () => {
    await resetPostgres(postgresUrl!);
    dir = mkdtempSync(join(tmpdir(), 'switchboard-fold-'));
    storage = await openStorage({ databaseUrl: postgresUrl, dataDir: dir });
  });
  after(async () => {
    await storage?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('every code point from U+0001 to U+2FFFF, one at a time and after an accented letter', async () => {
    const differ = await sql<{ cp: number; fast: string; table: string }>`
      select cp, switchboard_fold(chr(cp)) as fast, switchboard_fold_table(chr(cp)) as table
      from generate_series(1, 196607) cp
      where cp not between 55296 and 57343
        and (switchboard_fold(chr(cp)) is distinct from switchboard_fold_table(chr(cp))
          or switchboard_fold('É' || chr(cp)) is distinct from switchboard_fold_table('É' || chr(cp)))
      limit 20`.execute(storage.db);
    assert.deepEqual(differ.rows, []);
    const [checked] = (
      await sql<{ n: number }>`select count(*)::int as n from generate_series(1, 196607) cp where cp not between 55296 and 57343`.execute(
        storage.db,
      )
    ).rows;
    assert.equal(checked!.n, 194559);
  });

  test('the three paths give what the inbox search expects', async () => {
    const rows = await fold(['Sheena Nelson 16505551234', 'Ñandú Pérez ¿Envío? 😀 €5 “ok”', 'Пётр Ñandú']);
    assert.deepEqual(
      rows.map((r) => r.fast),
      ['sheena nelson 16505551234', 'nandu perez ¿envio? 😀 €5 “ok”', rows[2]!.table],
    );
    assert.ok(rows[2]!.fast.endsWith('nandu'), rows[2]!.fast);
    // The Latin paths agree with the JavaScript fold the SQLite side uses.
    assert.equal(rows[0]!.fast, foldText('Sheena Nelson 16505551234'));
    assert.equal(rows[1]!.fast, foldText('Ñandú Pérez ¿Envío? 😀 €5 “ok”'));
  });

  test('random mixed texts: the fast definition equals the table', async () => {
    const pieces = fc.constantFrom(
      'a',
      'Z',
      ' ',
      '7',
      'é',
      'Ñ',
      'ǖ',
      'ẫ',
      '\u0301',
      'ø',
      'Æ',
      '¿',
      '—',
      '€',
      '☕',
      '😀',
      '\ufe0f',
      'Ω',
      'й',
      '字',
      'ﬁ',
      '\u2000',
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.array(pieces, { maxLength: 40 }).map((a) => a.join('')),
          { minLength: 1, maxLength: 50 },
        ),
        async (texts) => {
          for (const r of await fold(texts)) assert.equal(r.fast, r.table);
        },
      ),
      { numRuns: 40 },
    );
  });
});
