import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { directSqliteFor } from './direct-sqlite.ts';
import { openStorage } from './open-database.ts';
import { rawQuery, runRaw, runRawChanges } from './raw-query.ts';

const INSERT = rawQuery(
  `insert into "webhook_events" ("provider", "received_at", "body", "status", "attempts") values (?, ?, '{}', 'processed', 0) returning "id"`,
);
const COUNT = rawQuery(`select count(*) as "n" from "webhook_events" where "provider" = ?`);
const TOUCH = rawQuery(`update "webhook_events" set "attempts" = "attempts" + 1 where "provider" = ?`);

test('a raw statement outside a transaction never runs inside one another caller has open', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-direct-'));
  const storage = await openStorage({ dataDir: dir });
  const { db } = storage;
  try {
    assert.ok(directSqliteFor(db), 'the connection is free: the statement may run at once');
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let inside!: () => void;
    const begun = new Promise<void>((r) => (inside = r));
    const rolledBack = db
      .transaction()
      .execute(async (trx) => {
        assert.ok(directSqliteFor(trx), 'inside its own transaction a statement runs directly');
        await runRaw(trx, INSERT, ['in-trx', 1]);
        inside();
        await held;
        throw new Error('roll back');
      })
      .catch((err: Error) => err.message);
    await begun;
    assert.equal(directSqliteFor(db), undefined, 'while a transaction holds the connection, the root goes through Kysely');
    // Goes through Kysely and waits for the transaction: neither inside it nor rolled back with it.
    const outside = runRaw<{ id: number }>(db, INSERT, ['outside', 2]);
    release();
    assert.equal(await rolledBack, 'roll back');
    assert.equal((await outside).length, 1);
    assert.deepEqual(await runRaw(db, COUNT, ['in-trx']), [{ n: 0 }]);
    assert.deepEqual(await runRaw(db, COUNT, ['outside']), [{ n: 1 }]);
    assert.equal(await runRawChanges(db, TOUCH, ['outside']), 1);
    assert.equal(await runRawChanges(db, TOUCH, ['nobody']), 0);
  } finally {
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
