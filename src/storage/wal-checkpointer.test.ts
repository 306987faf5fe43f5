import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { sql } from 'kysely';
import SQLite from 'better-sqlite3';
import { openStorage } from './open-database.ts';
import { WalCheckpointer } from './wal-checkpointer.ts';

test('WAL pages reach the database file through the background checkpointer', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-wal-'));
  const storage = await openStorage({ dataDir: dir });
  try {
    const file = join(dir, 'switchboard.sqlite');
    const before = statSync(file).size;
    const body = 'x'.repeat(4000);
    await storage.db.transaction().execute(async (trx) => {
      for (let i = 0; i < 800; i++)
        await sql`insert into webhook_events (provider, received_at, body, status, attempts) values ('t', 0, ${body}, 'processed', 0)`.execute(
          trx,
        );
    });
    // The event loop's connection never checkpoints (wal_autocheckpoint = 0): only the worker can.
    const deadline = Date.now() + 5000;
    while (statSync(file).size < before + 3_000_000 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.ok(statSync(file).size >= before + 3_000_000, `database file grew from ${before} to ${statSync(file).size} bytes`);
  } finally {
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('under steady commits the WAL stays bounded: it is truncated once past 16 MiB', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-wal-'));
  const storage = await openStorage({ dataDir: dir });
  try {
    const wal = join(dir, 'switchboard.sqlite-wal');
    const body = 'y'.repeat(4000);
    let largest = 0;
    let previous = 0;
    let truncated = false; // the file shrank after passing 16 MiB: the restart step ran
    // ~100 MB of commits back to back: a passive checkpoint never catches up with the writer.
    const end = Date.now() + 20_000;
    for (let i = 0; i < 25_000 && Date.now() < end; i++) {
      await sql`insert into webhook_events (provider, received_at, body, status, attempts) values ('t', 0, ${body}, 'processed', 0)`.execute(
        storage.db,
      );
      if (i % 100 === 0) {
        const size = statSync(wal).size;
        if (previous > 16 * 1024 * 1024 && size < previous) truncated = true;
        previous = size;
        largest = Math.max(largest, size);
        await new Promise((r) => setImmediate(r));
      }
    }
    const rows = await sql<{ n: number }>`select count(*) as n from webhook_events`.execute(storage.db);
    assert.equal(rows.rows[0]?.n, 25_000);
    // Without the restart step it holds all ~100 MB; with it, 16 MiB plus what the writer adds
    // between two checks of the background checkpointer (more when a loaded machine delays its
    // thread: 49 MB at load 9, so the bound is loose and the truncation is what is checked).
    assert.ok(truncated, `the WAL was never truncated after passing 16 MiB (largest ${largest} bytes)`);
    assert.ok(largest < 80_000_000, `the WAL reached ${largest} bytes`);
  } finally {
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('once the WAL has started over at its size limit, an idle database costs the event loop no checkpoints', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-wal-'));
  const file = join(dir, 'idle.sqlite');
  const db = new SQLite(file);
  db.pragma('journal_mode = WAL');
  db.pragma('wal_autocheckpoint = 0');
  db.exec('create table t (body text)');
  const limit = 256 * 1024;
  const checkpointer = new WalCheckpointer(file, db, 20, limit);
  try {
    const insert = db.prepare('insert into t (body) values (?)');
    const body = 'z'.repeat(4000);
    // Well past the limit several times over: the WAL starts over, its file left at the limit.
    for (let i = 0; i < 2000; i++) {
      insert.run(body);
      if (i % 50 === 0) await new Promise((r) => setTimeout(r, 5));
    }
    assert.ok(checkpointer.writerCheckpoints >= 1, 'the writer restarted the WAL at least once');
    assert.ok(statSync(`${file}-wal`).size >= limit, 'the WAL file stays at its size limit (journal_size_limit)');
    insert.run(body); // the commit that starts the WAL over after the last restart checkpoint
    await new Promise((r) => setTimeout(r, 300));
    const before = checkpointer.writerCheckpoints;
    await new Promise((r) => setTimeout(r, 1000)); // idle: ~20 checks of the restart timer
    assert.equal(checkpointer.writerCheckpoints, before, 'no checkpoint on the event loop while nothing is written');
  } finally {
    await checkpointer.stop();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
