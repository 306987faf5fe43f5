import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { forEachDialect } from '../support/dialects.ts';
import { inboundEnvelope, postSigned, statusEnvelope } from '../support/signed-post.ts';
import { startWorld, type World } from '../support/test-world.ts';

/**
 * The webhook contract: every payload of ./webhook-corpus (Meta's documented formats, one file
 * per payload with its expected outcome) is POSTed signed through the real route, answered 200,
 * and every message in it is stored with the right kind and fields. Nothing is dropped.
 */
interface Case {
  description: string;
  payload: unknown;
  expect: {
    messages: Array<{ wamid: string; kind: string; text?: string; content?: unknown }>;
    statuses?: Array<{ wamid: string; status: string }>;
  };
}
const dir = new URL('./webhook-corpus/', import.meta.url);
const corpus = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => ({ file: f, c: JSON.parse(readFileSync(new URL(f, dir), 'utf8')) as Case }));

/** `expected` is contained in `actual`: every key it names, recursively; arrays item by item. */
function assertSubset(actual: unknown, expected: unknown, where: string): void {
  if (expected === null || typeof expected !== 'object') return assert.deepEqual(actual, expected, where);
  assert.ok(actual !== null && typeof actual === 'object', `${where}: expected an object, got ${JSON.stringify(actual)}`);
  for (const [k, v] of Object.entries(expected)) assertSubset((actual as Record<string, unknown>)[k], v, `${where}.${k}`);
}

const fill = (v: unknown, phoneNumberId: string): unknown => JSON.parse(JSON.stringify(v).replaceAll('{PHONE_NUMBER_ID}', phoneNumberId));

forEachDialect('webhook corpus', (dialect) => {
  let w: World;
  before(async () => {
    w = await startWorld({ dialect, config: { demoBot: false } });
  });
  after(async () => {
    await w?.stop();
  });
  const db = () => w.app.deps.storage.db;

  test('every payload is answered 200 and every message is stored with its kind and fields', async () => {
    assert.ok(corpus.length >= 25, 'corpus found');
    for (const { file, c } of corpus) {
      const res = await postSigned(w.app.url, fill(c.payload, w.sim.phoneNumberId));
      assert.equal(res.status, 200, `${file}: ${await res.text()}`);
    }
    await w.settle();
    let expected = 0;
    for (const { file, c } of corpus) {
      for (const e of c.expect.messages) {
        expected++;
        const row = await db()
          .selectFrom('messages')
          .select(['kind', 'text', 'content', 'direction'])
          .where('external_id', '=', e.wamid)
          .executeTakeFirst();
        assert.ok(row, `${file}: ${e.wamid} (${c.description}) was not stored`);
        assert.equal(row.direction, 'in', file);
        assert.equal(row.kind, e.kind, `${file}: kind of ${e.wamid}`);
        if (e.text !== undefined) assert.equal(row.text, e.text, `${file}: text of ${e.wamid}`);
        if (e.content !== undefined) assertSubset(JSON.parse(String(row.content)), e.content, `${file}: ${e.wamid}`);
      }
      for (const s of c.expect.statuses ?? []) {
        const kept = await db()
          .selectFrom('status_events')
          .select(['status', 'errors'])
          .where('external_id', '=', s.wamid)
          .where('status', '=', s.status)
          .executeTakeFirst();
        assert.ok(kept, `${file}: status ${s.status} of ${s.wamid} was not kept`);
        if (s.status === 'failed') assert.match(String(kept.errors), /131049/);
      }
    }
    // Nothing acknowledged went missing: every message item of the corpus is a stored message.
    const items = corpus.flatMap(({ c }) => JSON.stringify(c.payload).match(/"id":"wamid\.corpus\.[^"]+","timestamp"/g) ?? []);
    assert.equal(expected, items.length, 'every message item in the corpus has an expectation');
  });

  test('a status whose id is an inbound message never changes that message', async () => {
    const wamid = 'wamid.corpus.inbound-then-status';
    const inbound = inboundEnvelope(w.sim.phoneNumberId, [
      {
        from: '16505557777',
        id: wamid,
        timestamp: `${Math.floor(Date.now() / 1000)}`,
        type: 'audio',
        audio: { id: '99887766', mime_type: 'audio/ogg; codecs=opus', voice: true },
      },
    ]);
    assert.equal((await postSigned(w.app.url, inbound)).status, 200);
    await w.settle();
    const before = await db().selectFrom('messages').select(['id', 'status']).where('external_id', '=', wamid).executeTakeFirstOrThrow();
    assert.equal(
      (
        await postSigned(
          w.app.url,
          statusEnvelope(w.sim.phoneNumberId, [
            { id: wamid, status: 'played', timestamp: `${Math.floor(Date.now() / 1000)}`, recipient_id: '16505557777' },
          ]),
        )
      ).status,
      200,
    );
    await w.settle();
    const afterStatus = await db().selectFrom('messages').select(['status']).where('id', '=', before.id).executeTakeFirstOrThrow();
    assert.equal(afterStatus.status, before.status);
    assert.notEqual(afterStatus.status, 'played');
    const kept = await db().selectFrom('status_events').select(['message_id']).where('external_id', '=', wamid).executeTakeFirstOrThrow();
    assert.equal(kept.message_id, null, 'the callback is kept, but about no message of ours');
  });
});
