import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import { CONTACT_ROW_COLUMNS } from '../../src/contacts/contact-store.ts';
import { CONVERSATION_ROW_COLUMNS } from '../../src/conversations/conversation-store.ts';
import { openStorage, type Storage } from '../../src/storage/open-database.ts';
import { forEachDialect, postgresUrl } from '../support/dialects.ts';
import { resetPostgres } from '../support/reset-postgres.ts';

/**
 * The hot path reads contacts and conversations through named column lists, not `*` (so
 * PostgreSQL runs them prepared). A migration that adds a column must add it to the list too, or
 * every row read there silently lacks it: the lists must be the tables' columns.
 */
forEachDialect('the hot path reads every column of contacts and conversations', (dialect) => {
  let storage: Storage;
  let dir: string;
  const columnsOf = async (table: string): Promise<string[]> =>
    dialect === 'postgres'
      ? (
          await sql<{ name: string }>`select column_name as name from information_schema.columns
            where table_schema = 'public' and table_name = ${table} order by column_name`.execute(storage.db)
        ).rows.map((r) => r.name)
      : (await sql<{ name: string }>`select name from pragma_table_info(${table}) order by name`.execute(storage.db)).rows.map(
          (r) => r.name,
        );

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'switchboard-row-columns-'));
    if (dialect === 'postgres') await resetPostgres(postgresUrl!);
    storage = await openStorage({ databaseUrl: dialect === 'postgres' ? postgresUrl : undefined, dataDir: dir });
  });
  after(async () => {
    await storage?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('CONTACT_ROW_COLUMNS is every column of contacts', async () => {
    assert.deepEqual([...CONTACT_ROW_COLUMNS].sort(), await columnsOf('contacts'));
  });

  test("CONVERSATION_ROW_COLUMNS is every column of conversations but PostgreSQL's search_doc", async () => {
    const columns = (await columnsOf('conversations')).filter((c) => c !== 'search_doc');
    assert.ok(columns.length > 20, columns.join(', '));
    assert.deepEqual([...CONVERSATION_ROW_COLUMNS].sort(), columns);
  });
});
