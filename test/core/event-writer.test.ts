import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import { EventWriter, type InlineIngest } from '../../src/ingest/event-writer.ts';
import { IngestTurns } from '../../src/ingest/ingest-lock.ts';
import { openStorage, type Storage } from '../../src/storage/open-database.ts';
import { forEachDialect, postgresUrl } from '../support/dialects.ts';
import { resetPostgres } from '../support/reset-postgres.ts';

/**
 * The acknowledgement's group commit (issue #16): webhooks accepted within the window share one
 * transaction, which also processes them where nothing older is pending; a processing failure is
 * rolled back alone (savepoint) and leaves the events pending for the ingest loop, still stored.
 * The processing here is a stand-in that writes a row (or throws): what is tested is the writer's
 * transaction on a real database.
 */
forEachDialect('event writer: group commit with processing in the same transaction', (dialect) => {
  let storage: Storage;
  let dataDir: string;
  let processed: string[] = [];
  let failOn: string | undefined;
  let wakes = 0;

  const inline: InlineIngest = {
    active: () => true,
    async process(db, event) {
      const text = String((event.parsed as { text: string }).text);
      // A write that the savepoint must undo when a later event of the group fails.
      await db
        .insertInto('meta')
        .values({ key: `perf-test:${text}`, value: text })
        .execute();
      if (text === failOn) throw new Error(`cannot process ${text}`);
      processed.push(text);
      if (text.startsWith('kept')) return { keptElsewhere: true };
      return text.startsWith('partial') ? { problem: 'a partial problem' } : {};
    },
    committed: () => void wakes++,
    now: () => 1_000,
    warn: () => undefined,
  };

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'switchboard-event-writer-'));
    if (dialect === 'postgres') await resetPostgres(postgresUrl!);
    storage = await openStorage(dialect === 'postgres' ? { databaseUrl: postgresUrl, dataDir } : { dataDir });
  });
  after(async () => {
    await storage.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const rows = () =>
    storage.db.selectFrom('webhook_events').select(['id', 'body', 'status', 'processed_at', 'error']).orderBy('id').execute();
  const settingsWritten = async () =>
    (await storage.db.selectFrom('meta').select('key').where('key', 'like', 'perf-test:%').execute()).map((r) => r.key).sort();
  const reset = async () => {
    await sql`delete from webhook_events`.execute(storage.db);
    await sql`delete from meta where key like 'perf-test:%'`.execute(storage.db);
    processed = [];
    failOn = undefined;
    wakes = 0;
  };

  test('webhooks within the window share one commit and are stored processed, in order', async () => {
    await reset();
    const writer = new EventWriter(storage.db, storage.dialect, { windowMs: 5, inline });
    const stored = await Promise.all(
      ['a', 'partial-b', 'c'].map((text, i) => writer.accept('whatsapp', JSON.stringify({ text }), 100 + i, { text })),
    );
    assert.deepEqual(
      stored.map((s) => s.pending),
      [false, false, false],
    );
    assert.deepEqual(processed, ['a', 'partial-b', 'c']);
    const r = await rows();
    assert.deepEqual(
      r.map((e) => [e.id, e.status, Number(e.processed_at), e.error]),
      stored.map((s, i) => [s.id, 'processed', 1_000, i === 1 ? 'a partial problem' : null]),
    );
    const ids = stored.map((s) => Number(s.id));
    assert.ok(ids[0]! < ids[1]! && ids[1]! < ids[2]!, 'ids in arrival order');
    assert.equal(wakes, 1, 'one commit, one wake for the jobs it enqueued');
  });

  test('a webhook kept whole by what processing wrote (a pure status webhook) gets no webhook_events row', async () => {
    await reset();
    const writer = new EventWriter(storage.db, storage.dialect, { windowMs: 5, inline });
    const stored = await Promise.all(
      ['a', 'kept-b', 'c'].map((text) => writer.accept('whatsapp', JSON.stringify({ text }), 100, { text })),
    );
    assert.deepEqual(
      stored.map((s) => [s.id === null, s.pending]),
      [
        [false, false],
        [true, false],
        [false, false],
      ],
    );
    assert.deepEqual(
      (await rows()).map((e) => e.body),
      [JSON.stringify({ text: 'a' }), JSON.stringify({ text: 'c' })],
    );
    assert.deepEqual(await settingsWritten(), ['perf-test:a', 'perf-test:c', 'perf-test:kept-b'], 'its effects committed with the group');

    // If processing fails, nothing was applied: it is stored pending like the rest, for the loop.
    await reset();
    failOn = 'y';
    const again = await Promise.all(['kept-x', 'y'].map((text) => writer.accept('whatsapp', JSON.stringify({ text }), 100, { text })));
    assert.deepEqual(
      again.map((s) => [s.id === null, s.pending]),
      [
        [false, true],
        [false, true],
      ],
    );
    assert.deepEqual(
      (await rows()).map((e) => e.status),
      ['pending', 'pending'],
    );
  });

  test('status-only webhooks share a window of their own: a customer message is not held back by it', async () => {
    await reset();
    const due: Array<() => void> = [];
    const writer = new EventWriter(storage.db, storage.dialect, {
      windowMs: 0,
      statusWindowMs: 20,
      inline,
      schedule: (run) => void due.push(run),
    });
    const accept = (text: string, statusOnly: boolean) => writer.accept('whatsapp', JSON.stringify({ text }), 100, { text }, statusOnly);
    let firstStatusDone = false;
    const first = accept('kept-s1', true).then((s) => {
      firstStatusDone = true;
      return s;
    });
    const message = await accept('m', false);
    assert.equal(message.pending, false);
    assert.equal(firstStatusDone, false, "the message's 200 did not wait for the status window");
    assert.deepEqual(processed, ['m']);
    const second = accept('kept-s2', true);
    assert.equal(due.length, 1, 'both statuses wait in one window');
    due.shift()!();
    const statuses = await Promise.all([first, second]);
    assert.deepEqual(
      statuses.map((s) => [s.id, s.pending]),
      [
        [null, false],
        [null, false],
      ],
    );
    assert.deepEqual(processed, ['m', 'kept-s1', 'kept-s2']);
    assert.equal(wakes, 2, 'two commits: the message, then both statuses together');
  });

  test('a processing failure rolls back only the processing: every event stored pending', async () => {
    await reset();
    failOn = 'y';
    const writer = new EventWriter(storage.db, storage.dialect, { windowMs: 5, inline });
    const stored = await Promise.all(['x', 'y'].map((text) => writer.accept('whatsapp', JSON.stringify({ text }), 100, { text })));
    assert.deepEqual(
      stored.map((s) => s.pending),
      [true, true],
    );
    assert.deepEqual(
      (await rows()).map((e) => [e.status, e.processed_at]),
      [
        ['pending', null],
        ['pending', null],
      ],
    );
    assert.deepEqual(await settingsWritten(), [], "the first event's writes were rolled back with the second's failure");
    assert.equal(wakes, 0);
  });

  test('while an older event is pending, later ones are not processed ahead of it', async () => {
    await reset();
    const writer = new EventWriter(storage.db, storage.dialect, { windowMs: 0, inline });
    const older = await writer.store('whatsapp', JSON.stringify({ text: 'old' }), 100);
    const later = await writer.accept('whatsapp', JSON.stringify({ text: 'new' }), 101, { text: 'new' });
    assert.ok(later.pending, 'left to the ingest loop, which goes oldest first');
    assert.ok(Number(later.id) > older);
    assert.deepEqual(processed, []);
    assert.deepEqual(
      (await rows()).map((e) => e.status),
      ['pending', 'pending'],
    );
  });

  test('where this process does not ingest (role web), events are only stored', async () => {
    await reset();
    const writer = new EventWriter(storage.db, storage.dialect, { inline: { ...inline, active: () => false } });
    const s = await writer.accept('whatsapp', JSON.stringify({ text: 'w' }), 100, { text: 'w' });
    assert.ok(s.pending);
    assert.deepEqual(processed, []);
  });

  test('one commit per window at a time: webhooks arriving during a commit share the next; a process never loses the ingest lock to itself', async () => {
    await reset();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let started!: () => void;
    const slowStarted = new Promise<void>((r) => (started = r));
    let running = 0;
    let mostAtOnce = 0;
    const turns = new IngestTurns();
    const slowInline: InlineIngest = {
      ...inline,
      turns,
      async process(db, event, now) {
        running++;
        mostAtOnce = Math.max(mostAtOnce, running);
        try {
          if ((event.parsed as { text: string }).text === 'slow') {
            started();
            await gate;
          }
          return await inline.process(db, event, now);
        } finally {
          running--;
        }
      },
    };
    const writer = new EventWriter(storage.db, storage.dialect, { windowMs: 0, statusWindowMs: 0, inline: slowInline });
    const accept = (text: string, statusOnly = false) => writer.accept('whatsapp', JSON.stringify({ text }), 100, { text }, statusOnly);
    const first = accept('slow');
    await slowStarted;
    // While the first commit is under way: three customer messages and a status webhook (the other window).
    const during = [accept('x1'), accept('x2'), accept('x3'), accept('s1', true)];
    await new Promise((r) => setTimeout(r, 20)); // they would have started their own commits by now
    release();
    const stored = await Promise.all([first, ...during]);
    assert.deepEqual(
      stored.map((s) => s.pending),
      [false, false, false, false, false],
      'every one processed with its acknowledgement, none left pending for losing the lock',
    );
    assert.equal(mostAtOnce, 1, 'one processing transaction at a time in this process');
    assert.deepEqual(
      processed.filter((t) => t.startsWith('x')),
      ['x1', 'x2', 'x3'],
    );
    assert.equal(wakes, 3, 'three commits: the slow one, the three messages that waited for it together, the status webhook');
  });
});
