import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import { pruneStreamEvents } from '../../src/realtime/stream-event-store.ts';
import { forEachDialect } from '../support/dialects.ts';
import { ADMIN_TOKEN, startWorld, type World } from '../support/test-world.ts';
import { waitFor } from '../support/wait-for.ts';
import { agentSession, call } from './agents-http.ts';
import { SseClient, type SseEvent } from './sse-client.ts';

const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };

forEachDialect('sync without gaps: updated_since and stream replay', (dialect) => {
  let w: World;
  const streams: SseClient[] = [];
  const ids = new Map<string, string>(); // wa_id -> conversation id
  const open = async (headers: Record<string, string>) => {
    const s = await SseClient.open(`${w.app.url}/api/v1/stream`, headers);
    streams.push(s);
    return s;
  };
  /** Every page from `cursor` until has_more is false: the rows in order and the cursor to poll from. */
  const drain = async (cursor: string, limit: number, between?: (page: number) => Promise<void>) => {
    const rows: any[] = [];
    for (let page = 0; ; page++) {
      const r = await w.api('GET', `/api/v1/conversations?updated_since=${encodeURIComponent(cursor)}&limit=${limit}`);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(typeof r.body.next_cursor, 'string');
      rows.push(...r.body.data);
      cursor = r.body.next_cursor;
      if (!r.body.has_more) return { rows, cursor };
      await between?.(page);
    }
  };

  /** Keeps polling from `cursor`, as a client does, until `done` holds for what it has seen. */
  const pollUntil = async (cursor: string, done: (rows: any[]) => boolean, what: string) => {
    const rows: any[] = [];
    await waitFor(
      async () => {
        const got = await drain(cursor, 100);
        rows.push(...got.rows);
        cursor = got.cursor;
        return done(rows);
      },
      30_000,
      what,
    );
    return { rows, cursor };
  };

  /** Moves the conversation's newest message to another status, as a status webhook would; its id. */
  const toggleLatestStatus = async (conversationId: string): Promise<string> => {
    const db = w.app.deps.storage.db;
    const msg = await db
      .selectFrom('messages')
      .select(['id', 'status'])
      .where('conversation_id', '=', conversationId)
      .orderBy('seq', 'desc')
      .limit(1)
      .executeTakeFirstOrThrow();
    await db
      .updateTable('messages')
      .set({ status: msg.status === 'read' ? 'received' : 'read' })
      .where('id', '=', msg.id)
      .execute();
    return msg.id;
  };

  before(async () => {
    w = await startWorld({ dialect });
    for (let i = 0; i < 20; i++) await w.sim.customer(`1555800${String(i).padStart(4, '0')}`, `Sync ${i}`).sendText(`first ${i}`);
    await w.settle();
    const list = await w.api('GET', '/api/v1/conversations?limit=200');
    for (const c of list.body.data) ids.set(c.contact.wa_id, c.id);
    assert.equal(ids.size, 20);
  });
  after(async () => {
    for (const s of streams) await s.close();
    await w?.stop();
  });

  test('bad updated_since, limit or a filter alongside it: 400 with a code', async () => {
    for (const [query, code] of [
      ['updated_since=abc', 'invalid_updated_since'],
      ['updated_since=12.!!', 'invalid_updated_since'],
      ['updated_since=0&status=active', 'invalid_updated_since'],
      ['updated_since=0&cursor=x', 'invalid_updated_since'],
      ['updated_since=0&limit=0', 'invalid_limit'],
      ['updated_since=0&limit=501', 'invalid_limit'],
      ['updated_since=0&updated_since=0', 'invalid_updated_since'],
    ] as const) {
      const r = await w.api('GET', `/api/v1/conversations?${query}`);
      assert.equal(r.status, 400, query);
      assert.equal(r.body.error.code, code, query);
    }
  });

  test('the OpenAPI document describes updated_since and stream replay', async () => {
    const doc = (await w.api('GET', '/openapi.json')).body;
    const list = doc.paths['/api/v1/conversations'].get;
    assert.ok(list.parameters.some((p: any) => p.name === 'updated_since'));
    const stream = doc.paths['/api/v1/stream'].get;
    assert.match(stream.description, /Last-Event-ID/);
    assert.ok(stream.parameters.some((p: any) => p.name === 'last_event_id'));
  });

  test('conversations that change while a client pages are all seen, in their latest state', async () => {
    const mirror = new Map<string, any>();
    const wa = [...ids.keys()];
    // Between pages, conversations move: some already paged, some not yet; by a message, a label, a note, an assignment.
    const agent = await agentSession(w, 'sync-agent@s.test', { availability: 'online' });
    const moves = async (page: number) => {
      if (page >= 8) return; // then the paging catches up and ends
      const seen = wa[page % 20]!;
      const ahead = wa[19 - (page % 20)]!;
      await w.sim.customer(seen).sendText(`moved ${page}`);
      await w.settle();
      assert.equal((await w.api('PUT', `/api/v1/conversations/${ids.get(ahead)}/labels/vip-${page}`)).status, 200);
      const noted = await w.api('POST', `/api/v1/conversations/${ids.get(wa[(page + 5) % 20]!)}/notes`, { text: `note ${page}` });
      assert.equal(noted.status, 201, JSON.stringify(noted.body));
      if (page === 1)
        assert.equal(
          (await call(w, 'admin', 'POST', `/api/v1/conversations/${ids.get(wa[10]!)}/assign`, { user_id: agent.user.id })).status,
          200,
        );
    };
    const first = await drain('0', 3, moves);
    for (const c of first.rows) mirror.set(c.id, c);
    // On PostgreSQL a change is listed once every transaction older than it on the whole server has
    // ended (another database's too, e.g. CI's second worker): the client polls on, as documented.
    let cursor = first.cursor;
    await waitFor(
      async () => {
        if (mirror.size < 20) {
          const more = await drain(cursor, 100);
          for (const c of more.rows) mirror.set(c.id, c);
          cursor = more.cursor;
        }
        return mirror.size === 20;
      },
      30_000,
      'every conversation is seen',
    );
    // On PostgreSQL a change waits until every transaction older than it has ended: keep polling.
    const matches = async () => {
      const now = await w.api('GET', '/api/v1/conversations?limit=200');
      return now.body.data.every((c: any) => {
        const m = mirror.get(c.id);
        return (
          m &&
          m.last_message_preview === c.last_message_preview &&
          JSON.stringify(m.labels) === JSON.stringify(c.labels) &&
          (m.assignee?.id ?? null) === (c.assignee?.id ?? null) &&
          m.unread_count === c.unread_count
        );
      });
    };
    await w.settle();
    await waitFor(
      async () => {
        const more = await drain(cursor, 100);
        for (const c of more.rows) mirror.set(c.id, c);
        cursor = more.cursor;
        return matches();
      },
      30_000,
      'the mirror catches up',
    );
    // Quiet means the simulator has sent every status webhook for the replies and Switchboard has handled them.
    const quiesce = async () => {
      await w.sim.drainWebhooks(5_000);
      await w.settle();
    };
    await quiesce();
    // Changes that land meanwhile (late status webhooks) are taken into the mirror, moving the cursor on.
    await waitFor(
      async () => {
        const more = await drain(cursor, 100);
        for (const c of more.rows) mirror.set(c.id, c);
        cursor = more.cursor;
        if (more.rows.length === 0) return true;
        await quiesce();
        return false;
      },
      10_000,
      'quiet',
    );
    const settled = await drain(cursor, 100);
    for (const c of settled.rows) mirror.set(c.id, c);
    cursor = settled.cursor;

    // Keep polling: nothing new means an empty page and the same cursor.
    const idle = await w.api('GET', `/api/v1/conversations?updated_since=${encodeURIComponent(cursor)}`);
    assert.deepEqual(idle.body.data, []);
    assert.equal(idle.body.next_cursor, cursor);
    assert.equal(idle.body.has_more, false);

    // A message status change moves its conversation too.
    const target = ids.get(wa[3]!)!;
    await toggleLatestStatus(target);
    const afterStatus = await pollUntil(cursor, (rows) => rows.length > 0, 'the status change');
    assert.deepEqual(
      afterStatus.rows.map((c) => c.id),
      [target],
    );
    assert.ok(await matches());
  });

  test('a status move, label or note moves the conversation in the change order without rewriting its row', async () => {
    const db = w.app.deps.storage.db;
    const target = ids.get([...ids.keys()][7]!)!;
    // What identifies the row's current version: PostgreSQL's xmin; on SQLite a count kept by a
    // temporary trigger on this connection (the test's database is the app's one connection).
    const rowVersion = async (): Promise<string> => {
      if (dialect === 'postgres') {
        return (await sql<{ v: string }>`select xmin::text as v from conversations where id = ${target}`.execute(db)).rows[0]!.v;
      }
      return String((await sql<{ n: number }>`select n from temp.conversation_writes`.execute(db)).rows[0]!.n);
    };
    if (dialect === 'sqlite') {
      await sql`create temp table conversation_writes (n integer not null)`.execute(db);
      await sql`insert into temp.conversation_writes values (0)`.execute(db);
      await sql`create temp trigger conversation_writes_count after update on main.conversations begin update conversation_writes set n = n + 1; end`.execute(
        db,
      );
    }
    try {
      const seq = async () =>
        Number(
          (await db.selectFrom('conversation_sync').select('sync_seq').where('conversation_id', '=', target).executeTakeFirstOrThrow())
            .sync_seq,
        );
      const version = await rowVersion();
      let last = await seq();
      const moved = async (what: string) => {
        const now = await seq();
        assert.ok(now > last, `${what} moves the conversation on (${last} -> ${now})`);
        last = now;
        assert.equal(await rowVersion(), version, `${what} leaves the conversation row as it was`);
      };
      const msgId = await toggleLatestStatus(target);
      await moved('a status move');
      assert.equal((await w.api('PUT', `/api/v1/conversations/${target}/labels/row-kept`)).status, 200);
      await moved('a label');
      assert.equal((await w.api('POST', `/api/v1/conversations/${target}/notes`, { text: 'row kept' })).status, 201);
      await moved('a note');
      // Two status moves in one transaction take one place (PostgreSQL: the transaction's id).
      await db.transaction().execute(async (trx) => {
        await trx.updateTable('messages').set({ status: 'delivered' }).where('id', '=', msgId).execute();
        await trx.updateTable('messages').set({ status: 'read' }).where('id', '=', msgId).execute();
      });
      await moved('two status moves in one transaction');
      // A change to the conversation itself is a new row version and moves it on too.
      await db.updateTable('conversations').set({ last_message_preview: 'row changed' }).where('id', '=', target).execute();
      assert.ok((await seq()) > last, 'a conversation update moves it on');
      assert.notEqual(await rowVersion(), version);
    } finally {
      if (dialect === 'sqlite') {
        await sql`drop trigger temp.conversation_writes_count`.execute(db);
        await sql`drop table temp.conversation_writes`.execute(db);
      }
    }
  });

  if (dialect === 'postgres') {
    test('PostgreSQL: a change committed after a later one is not skipped', async () => {
      const db = w.app.deps.storage.db;
      const start = await drain('0', 500);
      const [a, b] = [ids.get([...ids.keys()][0]!)!, ids.get([...ids.keys()][1]!)!];
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      let wrote!: () => void;
      const written = new Promise<void>((r) => (wrote = r));
      // A takes its change number first, B second, but B commits first.
      const slow = db.transaction().execute(async (trx) => {
        await trx.updateTable('conversations').set({ last_message_preview: 'slow A' }).where('id', '=', a).execute();
        wrote();
        await gate;
      });
      await written;
      await db.updateTable('conversations').set({ last_message_preview: 'fast B' }).where('id', '=', b).execute();
      const during = await drain(start.cursor, 500);
      assert.ok(!during.rows.some((c) => c.id === a), 'A is not committed yet');
      release();
      await slow;
      const later = await pollUntil(during.cursor, (rows) => rows.some((c) => c.id === a), 'A once committed');
      const seen = [...during.rows, ...later.rows].map((c) => c.id);
      assert.ok(seen.includes(a), 'A is seen once committed');
      assert.ok(seen.includes(b), 'B is seen');
    });
  }

  test('a stream reconnecting with Last-Event-ID gets exactly the events it missed, then live ones', async () => {
    const watcher = await open(admin); // open the whole time: what the client should have seen
    const client = await open(admin);
    await w.sim.customer(`1555800${'0007'}`).sendText('before the drop');
    const seen = await client.next((e) => e.event === 'message.new' && e.data.message?.text === 'before the drop');
    assert.match(seen.id ?? '', /^\d+-\d+$/);
    await w.settle();
    await client.close();

    await w.sim.customer(`1555800${'0008'}`).sendText('while away 1');
    await w.sim.customer(`1555800${'0009'}`).sendText('while away 2');
    assert.equal((await w.api('PUT', `/api/v1/conversations/${ids.get('15558000009')}/labels/away`)).status, 200);
    await w.settle();
    await watcher.next((e) => e.event === 'message.new' && e.data.message?.text === 'while away 2');
    const idx = watcher.events.findIndex((e) => e.id === seen.id);
    assert.ok(idx >= 0);
    await waitFor(async () => {
      await w.settle();
      return true;
    });
    const expected = (events: SseEvent[]) =>
      events
        .filter((e) => e.id !== undefined && e.event !== 'typing')
        .map((e) => `${e.id} ${e.event} ${e.data.conversation_id} ${e.data.message?.id ?? ''}`);
    const missed = expected(watcher.events.slice(idx + 1).filter((e) => e.id !== seen.id));
    assert.ok(missed.length >= 3, missed.join('\n'));

    const back = await open({ ...admin, 'last-event-id': seen.id! });
    assert.equal(
      back.events.some((e) => e.event === 'reset'),
      false,
    );
    // Replayed before `ready` (SseClient.open waits for it): exactly the missed ones, in order.
    const replayed = expected(
      back.events.slice(
        0,
        back.events.findIndex((e) => e.event === 'ready'),
      ),
    );
    // The watcher may still be receiving the last of them live.
    const lastId = replayed[replayed.length - 1]?.split(' ')[0];
    await watcher.next((e) => e.id === lastId);
    const missedNow = expected(watcher.events.slice(idx + 1).filter((e) => e.id !== seen.id));
    assert.deepEqual(replayed, missedNow.slice(0, missedNow.findIndex((l) => l.startsWith(`${lastId} `)) + 1));
    assert.ok(missed.every((l) => replayed.includes(l)));

    // Live events follow, with no duplicates.
    await w.sim.customer(`1555800${'0010'}`).sendText('live again');
    const live = await back.next((e) => e.event === 'message.new' && e.data.message?.text === 'live again');
    const ids2 = back.events.filter((e) => e.id !== undefined && e.event !== 'notification').map((e) => e.id);
    assert.equal(new Set(ids2).size, ids2.length, 'no event twice');
    assert.ok(live.id);
  });

  test('beyond the replay window, or with an id that is not ours, the stream says reset', async () => {
    const s = await open(admin);
    await w.sim.customer('15558000011').sendText('old event');
    const old = await s.next((e) => e.event === 'message.new' && e.data.message?.text === 'old event');
    await w.sim.customer('15558000012').sendText('newer event');
    const newer = await s.next((e) => e.event === 'message.new' && e.data.message?.text === 'newer event');
    await w.settle();
    // The real pruning, with a window of one event: everything before the newest goes.
    const db = w.app.deps.storage.db;
    assert.ok((await pruneStreamEvents(db, w.app.deps.storage.dialect, Date.now(), { maxEvents: 1 })) > 0);
    // The old event is gone (a late status callback may have added newer ones since the prune).
    const [oldXid, oldSeq] = old.id!.split('-').map(Number) as [number, number];
    const left = await db
      .selectFrom('stream_events')
      .select(sql<number>`count(*)`.as('n'))
      .where(sql<boolean>`(xid, seq) <= (${oldXid}, ${oldSeq})`)
      .executeTakeFirstOrThrow();
    assert.equal(Number(left.n), 0);

    const stale = await open({ ...admin, 'last-event-id': old.id! });
    const reset = stale.events.find((e) => e.event === 'reset');
    assert.ok(reset, 'reset before ready');
    assert.equal(reset.data.code, 'replay_unavailable');
    // It still streams live events after the reset.
    await w.sim.customer('15558000013').sendText('after reset');
    await stale.next((e) => e.event === 'message.new' && e.data.message?.text === 'after reset');

    const garbage = await open({ ...admin, 'last-event-id': 'not-an-id' });
    assert.ok(garbage.events.some((e) => e.event === 'reset'));
    void newer;
  });

  test('the default window keeps 10,000 events and cuts older ones', async () => {
    const db = w.app.deps.storage.db;
    await w.settle();
    await db.deleteFrom('stream_events').execute();
    const now = Date.now();
    const rows = Array.from({ length: 10_050 }, (_, i) => ({
      at: now,
      type: 'conversation.updated',
      conversation_id: `c${i}`,
      message_id: null,
      user_id: null,
    }));
    for (let i = 0; i < rows.length; i += 500)
      await db
        .insertInto('stream_events')
        .values(rows.slice(i, i + 500))
        .execute();
    const count = async () =>
      Number((await db.selectFrom('stream_events').select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow()).n);
    assert.ok((await pruneStreamEvents(db, w.app.deps.storage.dialect, now)) >= 50);
    assert.equal(await count(), 10_000);
    // Older than ten minutes goes too, except the newest event.
    await pruneStreamEvents(db, w.app.deps.storage.dialect, now + 60 * 60_000);
    assert.equal(await count(), 1);
  });
});
