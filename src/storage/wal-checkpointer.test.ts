import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { sql } from 'kysely';
import { openStorage } from './open-database.ts';

test('WAL pages reach the database file through the background checkpointer', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-wal-'));
  const storage = await openStorage({ dataDir: dir });
  try {
    const file = join(dir, 'switchboard.sqlite');
    const before = statSync(file).size;
    const body = 'x'.repeat(4000);
    await storage.db.transaction().execute(async (trx) => {
      for (let i = 0; i < 800; i++) await sql`insert into webhook_events (provider, received_at, body, status, attempts) values ('t', 0, ${body}, 'processed', 0)`.execute(trx);
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
