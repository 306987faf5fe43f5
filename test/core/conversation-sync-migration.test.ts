import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import { foldText } from '../../src/core/fold-text.ts';
import { migrateTo, migrateToLatest } from '../../src/storage/migrate.ts';
import { forEachDialect, postgresUrl } from '../support/dialects.ts';
import { resetPostgres } from '../support/reset-postgres.ts';

/**
 * Migration 0043 moves the change order out of `conversations.sync_seq` into `conversation_sync`.
 * A database written before it keeps every conversation's place, and changes after it go on
 * from there: a client's cursor taken before the upgrade still pages on without a gap.
 */
forEachDialect('migration 0043: the change order moves to conversation_sync', (dialect) => {
  test('existing places are kept, the column is gone, and later changes go after them', async () => {
    let db: Kysely<unknown>;
    let cleanup: () => Promise<void>;
    if (dialect === 'postgres') {
      await resetPostgres(postgresUrl!);
      db = new Kysely({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: postgresUrl, max: 2 }) }) });
      cleanup = () => db.destroy();
    } else {
      const dir = mkdtempSync(join(tmpdir(), 'switchboard-sync-migration-'));
      const file = new SQLite(join(dir, 'db.sqlite'));
      file.function('switchboard_fold', { deterministic: true }, (text: unknown) => (typeof text === 'string' ? foldText(text) : text));
      db = new Kysely({ dialect: new SqliteDialect({ database: file }) });
      cleanup = async () => {
        await db.destroy();
        rmSync(dir, { recursive: true, force: true });
      };
    }
    try {
      await migrateTo(db, dialect, '0042-hot-path-indexes');
      await sql`insert into channels (id, kind, account_id, name, created_at) values ('ch_1', 'whatsapp', '1065', 'Main', 1)`.execute(db);
      for (const n of [1, 2, 3]) {
        await sql`insert into contacts (id, channel_kind, external_id, created_at, updated_at) values (${`ct_${n}`}, 'whatsapp', ${`1555000000${n}`}, 1, 1)`.execute(
          db,
        );
        await sql`insert into conversations (id, channel_id, contact_id, status, last_message_at, created_at, updated_at)
          values (${`cv_${n}`}, 'ch_1', ${`ct_${n}`}, 'active', ${n}, 1, 1)`.execute(db);
      }
      // Conversation 1 changes last, so it is last in the order.
      await sql`update conversations set last_message_preview = 'again' where id = 'cv_1'`.execute(db);
      const before = (
        await sql<{ id: string; sync_seq: number }>`select id, sync_seq from conversations order by sync_seq, id`.execute(db)
      ).rows.map((r) => [r.id, Number(r.sync_seq)]);
      assert.deepEqual(
        before.map(([id]) => id),
        ['cv_2', 'cv_3', 'cv_1'],
      );

      await migrateToLatest(db, dialect);
      const after = (
        await sql<{
          id: string;
          sync_seq: number;
        }>`select conversation_id as id, sync_seq from conversation_sync order by sync_seq, conversation_id`.execute(db)
      ).rows.map((r) => [r.id, Number(r.sync_seq)]);
      assert.deepEqual(after, before, 'every conversation keeps its place');
      const columns =
        dialect === 'postgres'
          ? (
              await sql<{
                name: string;
              }>`select column_name as name from information_schema.columns where table_name = 'conversations'`.execute(db)
            ).rows
          : (await sql<{ name: string }>`select name from pragma_table_info('conversations')`.execute(db)).rows;
      assert.ok(columns.length > 5, 'the columns were read');
      assert.ok(!columns.some((c) => c.name === 'sync_seq'), 'conversations.sync_seq is gone');

      // A change after the upgrade goes after every place handed out before it.
      const highest = Math.max(...after.map(([, seq]) => Number(seq)));
      await sql`update conversations set last_message_preview = 'after' where id = 'cv_2'`.execute(db);
      await sql`insert into notes (id, conversation_id, author, text, created_at) values ('nt_1', 'cv_3', 'api', 'hi', 2)`.execute(db);
      const moved = (
        await sql<{
          id: string;
          sync_seq: number;
        }>`select conversation_id as id, sync_seq from conversation_sync order by sync_seq, conversation_id`.execute(db)
      ).rows;
      assert.deepEqual(
        moved.map((r) => r.id),
        ['cv_1', 'cv_2', 'cv_3'],
      );
      assert.ok(Number(moved[1]!.sync_seq) > highest && Number(moved[2]!.sync_seq) > Number(moved[1]!.sync_seq));
    } finally {
      await cleanup();
    }
  });
});
