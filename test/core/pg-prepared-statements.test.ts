import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { openStorage, type Storage } from '../../src/storage/open-database.ts';
import { rawQuery, runRaw } from '../../src/storage/raw-query.ts';
import { postgresUrl } from '../support/dialects.ts';
import { resetPostgres } from '../support/reset-postgres.ts';

/**
 * PostgreSQL: the hot path's raw statements run as named prepared statements (issue #16), parsed
 * and planned once per connection; what Kysely builds passes through as before.
 */
const PING = rawQuery(`select ? :: int + 1 as "n", 'prepared-statements-test' as "tag"`);

const suite = postgresUrl ? describe : describe.skip;
suite(`raw statements run prepared on PostgreSQL${postgresUrl ? '' : ' (skipped: TEST_DATABASE_URL is not set)'}`, () => {
  let storage: Storage;
  let dataDir: string;

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'switchboard-prepared-'));
    await resetPostgres(postgresUrl!);
    storage = await openStorage({ databaseUrl: postgresUrl, dataDir });
  });
  after(async () => {
    await storage.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('a raw statement is prepared once on its connection and answers the same each time', async () => {
    await storage.db.transaction().execute(async (trx) => {
      for (const x of [1, 41, -1]) assert.deepEqual(await runRaw(trx, PING, [x]), [{ n: x + 1, tag: 'prepared-statements-test' }]);
      const prepared = await sql<{ name: string; statement: string }>`
        select name, statement from pg_prepared_statements where statement like '%prepared-statements-test%' and statement not like '%pg_prepared_statements%'`.execute(
        trx,
      );
      assert.equal(prepared.rows.length, 1, 'one prepared statement on this connection, reused');
      assert.match(prepared.rows[0]!.name, /^sb_raw_\d+$/);
      const built = await trx.selectFrom('meta').select('key').where('key', '=', 'prepared-statements-test').execute();
      assert.deepEqual(built, []);
      const named = await sql<{ n: number }>`select count(*)::int as n from pg_prepared_statements where name not like 'sb_raw_%'`.execute(
        trx,
      );
      assert.equal(named.rows[0]!.n, 0, "Kysely's own queries are not prepared by name");
    });
  });
});
