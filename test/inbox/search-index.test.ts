import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import { forEachDialect } from '../support/dialects.ts';
import { startWorld, type World } from '../support/test-world.ts';

/**
 * Issue #16: on SQLite the inbox search index is no longer written by triggers on every message;
 * it is kept from conversation_sync (the change order) in the background and each search catches up first.
 * What a search sees must not change: every conversation committed before it, with its newest preview.
 */
forEachDialect('inbox search sees every committed change (search index kept off the message path)', (dialect) => {
  let w: World;
  before(async () => {
    w = await startWorld({ dialect });
  });
  after(async () => {
    await w?.stop();
  });

  const names = async (q: string) => {
    const res = await w.api('GET', `/api/v1/conversations?q=${encodeURIComponent(q)}`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.data.map((c: any) => c.contact.name).sort();
  };

  test('a new conversation and each new preview are found by the next search; the old preview no longer', async () => {
    await w.sim.customer('15558880001', 'Ofelia').sendText('quokka sighting');
    await w.sim.customer('15558880002', 'Pascual').sendText('nothing to see');
    await w.settle();
    assert.deepEqual(await names('quokka'), ['Ofelia']);
    assert.deepEqual(await names('Pascual'), ['Pascual']);
    await w.sim.customer('15558880001', 'Ofelia').sendText('wombat now');
    await w.settle();
    assert.deepEqual(await names('wombat'), ['Ofelia']);
    assert.deepEqual(await names('quokka'), [], 'the preview moved on: the old text is gone from the index');
    // Many changes between two searches: each conversation is indexed once, with its latest text.
    for (let i = 0; i < 30; i++) await w.sim.customer(`1555888${String(100 + i).padStart(4, '0')}`, `Bulk ${i}`).sendText(`platypus ${i}`);
    await w.settle();
    assert.equal((await names('platypus')).length, 30);
  });

  if (dialect === 'sqlite') {
    test('after a search the index is complete: its cursor is the newest sync_seq, no trigger rewrites it per message', async () => {
      // Every change committed before a search is in the index after it (a status callback may
      // still bump sync_seq afterwards: the guarantee is about what came before the search).
      await w.settle();
      const db = w.app.deps.storage.db;
      const newest = async () => (await sql<{ n: number }>`select max(sync_seq) as n from conversation_sync`.execute(db)).rows[0]?.n ?? 0;
      const before = await newest();
      await names('anything');
      const indexed = (await sql<{ s: number }>`select indexed_seq as s from search_index_state`.execute(db)).rows[0]?.s ?? -1;
      assert.ok(indexed >= before, `indexed up to ${indexed}, newest before the search ${before}`);
      const triggers = await sql<{
        name: string;
      }>`select name from sqlite_master where type = 'trigger' and name like 'conversation_search%' order by name`.execute(db);
      assert.deepEqual(
        triggers.rows.map((r) => r.name),
        ['conversation_search_contact', 'conversation_search_delete'],
      );
    });
  }
});
