import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { forEachDialect } from '../support/dialects.ts';
import { inboundEnvelope, postSigned } from '../support/signed-post.ts';
import { SECRETS, startWorld, type World } from '../support/test-world.ts';

forEachDialect('webhook intake', (dialect) => {
  let w: World;
  const countEvents = async () =>
    Number(
      (
        await w.app.deps.storage.db
          .selectFrom('webhook_events')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  before(async () => {
    w = await startWorld({ dialect });
  });
  after(async () => {
    await w?.stop();
  });

  test('GET verification answers the challenge as text/plain, 403 otherwise', async () => {
    const ok = await fetch(
      `${w.app.url}/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=${SECRETS.verifyToken}&hub.challenge=1158201444`,
    );
    assert.equal(ok.status, 200);
    assert.match(ok.headers.get('content-type') ?? '', /^text\/plain/);
    assert.equal(await ok.text(), '1158201444');
    const bad = await fetch(`${w.app.url}/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1`);
    assert.equal(bad.status, 403);
    const noMode = await fetch(`${w.app.url}/webhooks/whatsapp?hub.verify_token=${SECRETS.verifyToken}&hub.challenge=1`);
    assert.equal(noMode.status, 403);
  });

  test('a missing or wrong signature is 401 and nothing is stored', async () => {
    const before = await countEvents();
    const body = JSON.stringify(inboundEnvelope(w.sim.phoneNumberId, []));
    const missing = await fetch(`${w.app.url}/webhooks/whatsapp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    assert.equal(missing.status, 401);
    const wrong = await postSigned(w.app.url, body, { secret: 'another-secret' });
    assert.equal(wrong.status, 401);
    assert.equal((await wrong.json()).error.code, 'invalid_signature');
    // A signature over other bytes (re-serialised JSON) must not pass.
    const tampered = await fetch(`${w.app.url}/webhooks/whatsapp`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-hub-signature-256': (await import('../../src/channels/whatsapp-cloud/webhook-signature.ts')).signWhatsAppBody(
          body,
          SECRETS.appSecret,
        ),
      },
      body: `${body} `,
    });
    assert.equal(tampered.status, 401);
    assert.equal(await countEvents(), before);
  });

  test('non-JSON is 400, a huge body is 413, both store nothing', async () => {
    const before = await countEvents();
    assert.equal((await postSigned(w.app.url, 'not json {')).status, 400);
    assert.equal((await postSigned(w.app.url, '[1,2]')).status, 400);
    assert.equal((await postSigned(w.app.url, '{}', { headers: { 'content-type': 'text/plain' } })).status, 400);
    const huge = JSON.stringify({ object: 'whatsapp_business_account', pad: 'x'.repeat(4 * 1024 * 1024) });
    assert.equal((await postSigned(w.app.url, huge)).status, 413);
    assert.equal(await countEvents(), before);
  });

  test('a signed event is stored before the 200, which comes back in milliseconds', async () => {
    const durations: number[] = [];
    for (let i = 0; i < 30; i++) {
      const body = inboundEnvelope(w.sim.phoneNumberId, [
        {
          from: '15550001111',
          id: `wamid.intake${i}`,
          timestamp: `${Math.floor(Date.now() / 1000)}`,
          type: 'text',
          text: { body: `n${i}` },
        },
      ]);
      const t0 = performance.now();
      const res = await postSigned(w.app.url, body);
      durations.push(performance.now() - t0);
      assert.equal(res.status, 200);
    }
    durations.sort((a, b) => a - b);
    const median = durations[Math.floor(durations.length / 2)] ?? Infinity;
    // Speed is the benchmark's (npm run bench); this bound only catches an acknowledgement that waits
    // for something slow (processing, a network call). 50 ms failed at load average 18 (74 ms).
    assert.ok(median < 200, `median acknowledgement ${median.toFixed(1)} ms`);
    const stored = await w.app.deps.storage.db
      .selectFrom('webhook_events')
      .select('body')
      .where('body', 'like', '%wamid.intake29%')
      .execute();
    assert.equal(stored.length, 1);
  });

  test('an event for an unknown number is kept with a readable error, not dropped', async () => {
    const res = await postSigned(
      w.app.url,
      inboundEnvelope('999000', [
        { from: '15550001111', id: 'wamid.unknownnum', timestamp: '1700000000', type: 'text', text: { body: 'x' } },
      ]),
    );
    assert.equal(res.status, 200);
    await w.settle();
    const ev = await w.app.deps.storage.db
      .selectFrom('webhook_events')
      .selectAll()
      .where('body', 'like', '%wamid.unknownnum%')
      .executeTakeFirstOrThrow();
    assert.match(ev.error ?? '', /unknown phone_number_id 999000/);
  });
});
