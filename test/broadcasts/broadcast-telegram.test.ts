import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { TelegramSimulator, TgSimUser } from '../../src/simulator/telegram/index.ts';
import { forEachDialect } from '../support/dialects.ts';
import { startTelegramWorld } from '../support/telegram-world.ts';
import { ADMIN_TOKEN, type World } from '../support/test-world.ts';

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
    ({ tg, w, botId } = await startTelegramWorld(dialect, SECRET));
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

  /** Posts a CSV file as it would be uploaded. */
  async function importCsv(name: string, csv: string): Promise<{ status: number; body: any }> {
    const res = await fetch(`${w.app.url}/api/v1/audiences/import?name=${encodeURIComponent(name)}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'text/csv' },
      body: csv,
    });
    return { status: res.status, body: await res.json() };
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
    // Counted per channel: the four bot contacts and the WhatsApp one (before opt-in), five in all.
    assert.equal(seg.body.members, 5);
    assert.deepEqual(seg.body.members_by_channel, { whatsapp: 1, telegram: 4 });
    const listed = (await w.api('GET', '/api/v1/audiences')).body.data.find((a: any) => a.id === seg.body.id);
    assert.deepEqual([listed.members, listed.members_by_channel], [5, { whatsapp: 1, telegram: 4 }]);
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
    // A test send goes to a contact of the bot (a bot cannot write first), not to a phone.
    const testSend = (body: unknown) => w.api('POST', `/api/v1/broadcasts/${created.body.id}/test-send`, body);
    const byPhone = await testSend({ phone: '+5215512340077' });
    assert.deepEqual([byPhone.status, byPhone.body.error.code], [422, 'test_contact_required']);
    const noChat = await testSend({ contact_id: wa.id });
    assert.deepEqual([noChat.status, noChat.body.error.code], [422, 'contact_not_on_channel']);
    assert.match(noChat.body.error.message, /no chat with the bot/);
    assert.equal((await testSend({ contact_id: 'ct_nobody' })).status, 404);
    assert.equal((await testSend({})).body.error.code, 'recipient_required');
    // Olga opted out of the broadcast, but asked for the test: she gets the first recipient's text.
    const olgaId = await contactOf(olga as TgSimUser);
    const tested = await testSend({ contact_id: olgaId });
    assert.equal(tested.status, 202, JSON.stringify(tested.body));
    assert.equal(tested.body.to, String((olga as TgSimUser).id));
    assert.match(tested.body.rendered, /^Hola (Ana, tu código es A-1|Carla, tu código es ninguno)\.$/);
    assert.ok([await contactOf(ana as TgSimUser), await contactOf(carla as TgSimUser)].includes(tested.body.parameters_from.contact_id));
    await tg.drain();
    await w.settle();
    assert.deepEqual(textsTo(olga as TgSimUser), [tested.body.rendered]);

    const started = await w.api('POST', `/api/v1/broadcasts/${created.body.id}/start`, {});
    assert.equal(started.status, 200, JSON.stringify(started.body));
    const done = await drive(created.body.id);
    assert.equal(done.state, 'completed');
    assert.equal(done.counts.total, 2);
    assert.equal(done.funnel.sent, 2);
    assert.deepEqual(textsTo(ana as TgSimUser), ['Hola Ana, tu código es A-1.']);
    assert.deepEqual(textsTo(carla as TgSimUser), ['Hola Carla, tu código es ninguno.']);
    assert.deepEqual(textsTo(beto as TgSimUser), []);
    assert.deepEqual(textsTo(olga as TgSimUser), [tested.body.rendered]); // the test only
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

  test('a WhatsApp contact merged with a Telegram chat: counted on both channels, and the bot reaches it on its chat', async () => {
    const [fede] = await usersWhoWrote([{ name: 'Fede', tag: 'tg-merge' }]);
    const tgId = await contactOf(fede as TgSimUser);
    await w.sim.customer('5215512340088').sendText('hola');
    await w.sim.drainWebhooks();
    await w.settle();
    const wa = await w.app.deps.storage.db
      .selectFrom('contacts')
      .select('id')
      .where('external_id', '=', '5215512340088')
      .executeTakeFirstOrThrow();
    const merged = await w.api('POST', `/api/v1/contacts/${wa.id}/merge`, { contact_id: tgId });
    assert.equal(merged.status, 200, JSON.stringify(merged.body));
    assert.equal((await w.api('POST', `/api/v1/contacts/${wa.id}/opt-in`, {})).status, 200);
    const row = await w.app.deps.storage.db
      .selectFrom('contacts')
      .select(['channel_kind', 'telegram_chat_id'])
      .where('id', '=', wa.id)
      .executeTakeFirstOrThrow();
    assert.deepEqual(row, { channel_kind: 'whatsapp', telegram_chat_id: String((fede as TgSimUser).id) });

    const seg = await w.api('POST', '/api/v1/audiences', { name: 'merged', segment: { tags: ['tg-merge'] } });
    assert.deepEqual([seg.body.members, seg.body.members_by_channel], [1, { whatsapp: 1, telegram: 1 }]);
    const created = await w.api('POST', '/api/v1/broadcasts', {
      name: 'merged',
      channel_id: channelId(),
      text: 'Hola {{1}}',
      audience_id: seg.body.id,
      parameters: { body: [{ contact: 'profile_name', fallback: 'cliente' }] },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const v = await w.api('POST', `/api/v1/broadcasts/${created.body.id}/validate`, {});
    assert.deepEqual([v.body.ok, v.body.recipients], [true, 1], JSON.stringify(v.body));
    assert.equal((await w.api('POST', `/api/v1/broadcasts/${created.body.id}/start`, {})).status, 200);
    const done = await drive(created.body.id);
    assert.deepEqual([done.state, done.funnel.sent], ['completed', 1]);
    assert.equal(textsTo(fede as TgSimUser).length, 1);
    const recipients = await w.api('GET', `/api/v1/broadcasts/${created.body.id}/recipients`);
    assert.equal(recipients.body.data[0].address, String((fede as TgSimUser).id), 'addressed by its chat, not its wa_id');
  });

  test('a CSV of Telegram chat ids: known chats import; unknown, opted-out, blocked, malformed and repeated rows are reported by line', async () => {
    const [gil, hugo, ines] = await usersWhoWrote([
      { name: 'Gil', optIn: true, tag: 'tg-csv' },
      { name: 'Hugo', optIn: false, tag: 'tg-csv' },
      { name: 'Ines', optIn: true, tag: 'tg-csv' },
    ]);
    // Ines blocks the bot; the my_chat_member update tells Switchboard.
    (ines as TgSimUser).block();
    assert.ok(await tg.drain());
    await w.settle();
    const id = (u: TgSimUser | undefined) => String(u?.id);
    const imported = await importCsv(
      'tg csv',
      ['telegram_chat_id,code', `${id(gil)},G-1`, '999000111,X-1', `${id(hugo)},H-1`, `${id(ines)},I-1`, 'abc,Z-1', `${id(gil)},G-2`].join(
        '\n',
      ),
    );
    assert.equal(imported.status, 201, JSON.stringify(imported.body));
    const { audience, report } = imported.body;
    assert.equal(report.imported, 1);
    assert.deepEqual(
      // Malformed rows are reported as read, the others per batch: compared by line.
      report.rejected_rows.map((r: any) => [r.line, r.reason]).sort((a: number[], b: number[]) => Number(a[0]) - Number(b[0])),
      [
        [3, 'unknown_chat'],
        [4, 'opted_out'],
        [5, 'blocked'],
        [6, 'bad_number'],
        [7, 'duplicate'],
      ],
    );
    assert.deepEqual(report.by_reason, { bad_number: 1, missing_variable: 0, duplicate: 1, opted_out: 1, blocked: 1, unknown_chat: 1 });
    const rowAt = (line: number) => report.rejected_rows.find((r: any) => r.line === line);
    assert.match(rowAt(3).message, /wrote to it first/);
    assert.match(rowAt(5).message, /blocked the bot/);
    assert.deepEqual(audience.columns, ['code']);
    assert.deepEqual([audience.members, audience.members_by_channel], [1, { whatsapp: 0, telegram: 1 }]);
    // chat_id is read the same way.
    const short = await importCsv('tg csv 2', `chat_id,code\n${id(gil)},G-9\n`);
    assert.deepEqual([short.status, short.body.report.imported, short.body.audience.columns], [201, 1, ['code']]);

    const created = await w.api('POST', '/api/v1/broadcasts', {
      name: 'csv on Telegram',
      channel_id: channelId(),
      text: 'Tu código: {{1}}',
      audience_id: audience.id,
      parameters: { body: [{ column: 'code' }] },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal((await w.api('POST', `/api/v1/broadcasts/${created.body.id}/start`, {})).status, 200);
    const done = await drive(created.body.id);
    assert.deepEqual([done.state, done.funnel.sent], ['completed', 1]);
    assert.deepEqual(textsTo(gil as TgSimUser), ['Tu código: G-1']);
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
