import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTelegramSimulator, type TelegramSimulator, type TgSimUser } from '../../src/simulator/telegram/index.ts';
import { forEachDialect } from '../support/dialects.ts';
import { startWorld, type World } from '../support/test-world.ts';

// Broadcasts on Telegram (issues #17 and #20): a bot has no templates, so a broadcast sends a text,
// filled per recipient; opt-in still decides who gets it, the bot's limits pace it, and a user
// who blocked the bot fails with telegram_blocked. Real Switchboard, the Telegram simulator.
forEachDialect('broadcasts on Telegram: a text to the bot’s opted-in contacts', (dialect) => {
  let tg: TelegramSimulator;
  let w: World;
  let botId: string;
  const SECRET = 'tg_broadcast_secret_1';
  const channelId = () => `tg_${botId}`;

  before(async () => {
    tg = await startTelegramSimulator({ retryDelaysMs: [50] });
    botId = tg.botToken.split(':')[0] ?? '';
    w = await startWorld({
      dialect,
      config: {
        demoBot: false,
        telegram: {
          bots: [{ botToken: tg.botToken, webhookSecret: SECRET, apiUrl: tg.url, mode: 'webhook', throughputPerSecond: 30 }],
          simulator: { enabled: false, port: 0 },
        },
      },
    });
  });
  after(async () => {
    await w?.stop();
    await tg?.close();
  });

  async function contactOf(u: TgSimUser): Promise<string> {
    const row = await w.app.deps.storage.db
      .selectFrom('contacts')
      .select('id')
      .where('channel_kind', '=', 'telegram')
      .where('external_id', '=', String(u.id))
      .executeTakeFirstOrThrow();
    return row.id;
  }

  /** Users who wrote to the bot; `optIn`: true opted in, false opted out, undefined never asked. */
  async function usersWhoWrote(specs: Array<{ name: string; optIn?: boolean; tag: string; code?: string }>): Promise<TgSimUser[]> {
    const users = specs.map((s) => tg.user({ first_name: s.name }));
    for (const u of users) u.send('hola');
    assert.ok(await tg.drain());
    await w.settle();
    for (const [i, s] of specs.entries()) {
      const id = await contactOf(users[i] as TgSimUser);
      const attributes = s.code ? { code: s.code } : {};
      assert.equal((await w.api('PATCH', `/api/v1/contacts/${id}`, { tags: [s.tag], attributes })).status, 200);
      if (s.optIn !== undefined)
        assert.equal((await w.api('POST', `/api/v1/contacts/${id}/${s.optIn ? 'opt-in' : 'opt-out'}`, {})).status, 200);
    }
    return users;
  }

  /** Runs the broadcast tick by tick (a second of the shared clock each) until it leaves `running`. */
  async function drive(id: string, maxTicks = 40): Promise<any> {
    for (let i = 0; i < maxTicks; i++) {
      await tg.drain();
      await w.settle();
      const b = (await w.api('GET', `/api/v1/broadcasts/${id}`)).body;
      if (b.state !== 'running') return b;
      w.clock.advance(1000);
    }
    throw new Error(`broadcast ${id} still running after ${maxTicks} ticks`);
  }

  const textsTo = (u: TgSimUser) =>
    tg
      .sent()
      .filter((s) => s.method === 'sendMessage' && String(s.params.chat_id) === String(u.id))
      .map((s) => String(s.params.text));

  test('a template for a bot, a text for a WhatsApp number, no text, an override: 4xx with the reason', async () => {
    const aud = await w.api('POST', '/api/v1/audiences', { name: 'anyone', segment: { tags: ['nobody'] } });
    assert.equal(aud.status, 201);
    const audience_id = aud.body.id;
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ channel_id: channelId(), template: 'promo', audience_id }, 'template_not_on_channel'],
      [{ channel_id: channelId(), audience_id }, 'invalid_text'],
      [{ channel_id: channelId(), text: 'hola', audience_id, override_opt_in: { reason: 'x' } }, 'opt_in_override_not_allowed'],
      [{ text: 'hola', audience_id }, 'text_not_on_channel'],
      [{ audience_id }, 'template_required'],
    ];
    for (const [input, code] of cases) {
      const r = await w.api('POST', '/api/v1/broadcasts', { name: 'bad', ...input });
      assert.equal(r.status, 422, `${code}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.error.code, code);
      assert.ok(r.body.error.message.length > 20, r.body.error.message);
    }
    const tooLong = await w.api('POST', '/api/v1/broadcasts', {
      name: 'bad',
      channel_id: channelId(),
      text: 'x'.repeat(4097),
      audience_id,
    });
    assert.equal(tooLong.status, 400);
    // A placeholder with no value: every recipient is listed, and it cannot start.
    await usersWhoWrote([{ name: 'Pia', optIn: true, tag: 'tg-placeholder' }]);
    const seg = await w.api('POST', '/api/v1/audiences', { name: 'pia', segment: { tags: ['tg-placeholder'] } });
    const b = await w.api('POST', '/api/v1/broadcasts', {
      name: 'missing',
      channel_id: channelId(),
      text: 'Hola {{1}}, {{2}}',
      audience_id: seg.body.id,
      parameters: { body: [{ contact: 'name' }] },
    });
    assert.equal(b.status, 201);
    const v = await w.api('POST', `/api/v1/broadcasts/${b.body.id}/validate`, {});
    assert.equal(v.body.ok, false);
    assert.equal(v.body.errors[0].code, 'text_param_missing');
    const start = await w.api('POST', `/api/v1/broadcasts/${b.body.id}/start`, {});
    assert.equal(start.status, 422);
    assert.equal(start.body.error.code, 'broadcast_invalid');
  });

  test('the opted-in contacts of the bot get the text once each, filled with their name and attributes; the others are excluded and counted', async () => {
    const [ana, beto, olga, carla] = await usersWhoWrote([
      { name: 'Ana', optIn: true, tag: 'tg-july', code: 'A-1' },
      { name: 'Beto', tag: 'tg-july' },
      { name: 'Olga', optIn: false, tag: 'tg-july' },
      { name: 'Carla', optIn: true, tag: 'tg-july' },
    ]);
    // A WhatsApp customer with the same tag, opted in: the segment matches the bot's contacts only.
    await w.sim.customer('5215512340077').sendText('hola');
    await w.sim.drainWebhooks();
    await w.settle();
    const wa = await w.app.deps.storage.db
      .selectFrom('contacts')
      .select('id')
      .where('external_id', '=', '5215512340077')
      .executeTakeFirstOrThrow();
    await w.api('PATCH', `/api/v1/contacts/${wa.id}`, { tags: ['tg-july'] });
    await w.api('POST', `/api/v1/contacts/${wa.id}/opt-in`, {});

    const seg = await w.api('POST', '/api/v1/audiences', { name: 'July on Telegram', segment: { tags: ['tg-july'] } });
    assert.equal(seg.status, 201);
    const created = await w.api('POST', '/api/v1/broadcasts', {
      name: 'July on Telegram',
      channel_id: channelId(),
      text: 'Hola {{1}}, tu código es {{2}}.',
      audience_id: seg.body.id,
      parameters: {
        body: [
          { contact: 'name', fallback: 'cliente' },
          { contact: 'attributes.code', fallback: 'ninguno' },
        ],
      },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.template_id, null);
    assert.equal(created.body.text, 'Hola {{1}}, tu código es {{2}}.');
    assert.deepEqual(created.body.parameters, {
      body: [
        { contact: 'name', fallback: 'cliente' },
        { contact: 'attributes.code', fallback: 'ninguno' },
      ],
    });
    const v = await w.api('POST', `/api/v1/broadcasts/${created.body.id}/validate`, {});
    assert.equal(v.status, 200);
    assert.equal(v.body.ok, true, JSON.stringify(v.body));
    assert.equal(v.body.template_status, null);
    assert.equal(v.body.recipients, 2);
    assert.deepEqual(v.body.excluded, { not_opted_in: 1, opted_out: 1, blocked: 0, not_on_channel: 0 });
    const est = await w.api('POST', `/api/v1/broadcasts/${created.body.id}/estimate`, {});
    assert.equal(est.body.cost.total, 0);
    const testSend = await w.api('POST', `/api/v1/broadcasts/${created.body.id}/test-send`, { phone: '+5215512340077' });
    assert.equal(testSend.status, 422);
    assert.equal(testSend.body.error.code, 'test_send_unavailable');

    const started = await w.api('POST', `/api/v1/broadcasts/${created.body.id}/start`, {});
    assert.equal(started.status, 200, JSON.stringify(started.body));
    const done = await drive(created.body.id);
    assert.equal(done.state, 'completed');
    assert.equal(done.counts.total, 2);
    assert.equal(done.funnel.sent, 2);
    assert.deepEqual(textsTo(ana as TgSimUser), ['Hola Ana, tu código es A-1.']);
    assert.deepEqual(textsTo(carla as TgSimUser), ['Hola Carla, tu código es ninguno.']);
    assert.deepEqual(textsTo(beto as TgSimUser), []);
    assert.deepEqual(textsTo(olga as TgSimUser), []);
    // The message is in each customer's conversation, authored by the broadcast.
    const msg = await w.app.deps.storage.db
      .selectFrom('messages')
      .select(['text', 'author', 'kind', 'template_name'])
      .where('author', '=', `broadcast:${created.body.id}`)
      .execute();
    assert.equal(msg.length, 2);
    assert.ok(msg.every((m) => m.kind === 'text' && m.template_name === null));
  });

  test("the bot's limit caps the pace: at most 30 sends a second however high rate_per_second is", async () => {
    const users = await usersWhoWrote(Array.from({ length: 40 }, (_, i) => ({ name: `Bulk${i}`, optIn: true, tag: 'tg-bulk' })));
    const seg = await w.api('POST', '/api/v1/audiences', { name: 'bulk', segment: { tags: ['tg-bulk'] } });
    const created = await w.api('POST', '/api/v1/broadcasts', {
      name: 'bulk',
      channel_id: channelId(),
      text: 'Aviso para {{name}}',
      audience_id: seg.body.id,
      parameters: { body: { name: { contact: 'name', fallback: 'ti' } } },
      rate_per_second: 1000,
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal((await w.api('POST', `/api/v1/broadcasts/${created.body.id}/start`, {})).status, 200);
    await w.settle();
    const done = await drive(created.body.id);
    assert.equal(done.state, 'completed');
    for (const [i, u] of users.entries()) assert.deepEqual(textsTo(u), [`Aviso para Bulk${i}`]);
    // Accept times (the app's clock, which paces the bot's send window): no 1 s window holds more than the bot's 30.
    const times = (
      await w.app.deps.storage.db.selectFrom('messages').select('status_at').where('author', '=', `broadcast:${created.body.id}`).execute()
    )
      .map((m) => Number(m.status_at))
      .sort((x, y) => x - y);
    assert.equal(times.length, 40);
    for (let i = 30; i < times.length; i++) assert.ok(times[i]! - times[i - 30]! >= 1000, `31 sends within 1 s: ${times.join(', ')}`);
  });

  test('a user who blocked the bot after the start: the 403 marks the recipient failed with telegram_blocked', async () => {
    const [dora, eva] = await usersWhoWrote([
      { name: 'Dora', optIn: true, tag: 'tg-block' },
      { name: 'Eva', optIn: true, tag: 'tg-block' },
    ]);
    const seg = await w.api('POST', '/api/v1/audiences', { name: 'block', segment: { tags: ['tg-block'] } });
    const created = await w.api('POST', '/api/v1/broadcasts', {
      name: 'block',
      channel_id: channelId(),
      text: 'Hola',
      audience_id: seg.body.id,
    });
    // Eva blocks the bot on her phone, and the my_chat_member update does not reach Switchboard
    // (the webhook is off): only the send's 403 tells.
    const off = await fetch(`${tg.url}/bot${tg.botToken}/deleteWebhook`, { method: 'POST' });
    assert.equal(off.status, 200);
    (eva as TgSimUser).block();
    assert.equal((await w.api('POST', `/api/v1/broadcasts/${created.body.id}/start`, {})).status, 200);
    const done = await drive(created.body.id);
    assert.equal(done.state, 'completed');
    assert.deepEqual(textsTo(dora as TgSimUser), ['Hola']);
    assert.deepEqual(textsTo(eva as TgSimUser), []);
    assert.equal(done.funnel.failed, 1);
    assert.deepEqual(done.funnel.failed_by_code, { telegram_blocked: 1 });
    const failed = await w.api('GET', `/api/v1/broadcasts/${created.body.id}/recipients?status=failed`);
    assert.equal(failed.body.data.length, 1);
    assert.equal(failed.body.data[0].address, String((eva as TgSimUser).id));
    assert.equal(failed.body.data[0].error.code, 'telegram_blocked');
    assert.match(failed.body.data[0].error.message, /blocked/);
    const contact = await w.app.deps.storage.db
      .selectFrom('contacts')
      .select('blocked_by_user_at')
      .where('id', '=', await contactOf(eva as TgSimUser))
      .executeTakeFirstOrThrow();
    assert.notEqual(contact.blocked_by_user_at, null);
  });
});
