import assert from 'node:assert/strict';
import fc from 'fast-check';
import { after, before, test } from 'node:test';
import type { TelegramSimulator } from '../../src/simulator/telegram/index.ts';
import { forEachDialect } from '../support/dialects.ts';
import { publish } from '../flows/flow-helpers.ts';
import { startTelegramWorld } from '../support/telegram-world.ts';
import { ADMIN_TOKEN, type World } from '../support/test-world.ts';
import { SseClient } from '../inbox/sse-client.ts';
import { waitFor } from '../support/wait-for.ts';

const MB = 1024 * 1024;

// Telegram end to end: the Telegram simulator posts updates to Switchboard's webhook, Switchboard
// stores them as contacts, conversations and messages, and replies go back through the Bot API.
forEachDialect('Telegram channel', (dialect) => {
  let tg: TelegramSimulator;
  let w: World;
  let botId: string;
  const SECRET = 'tg_webhook_secret_123';

  before(async () => {
    ({ tg, w, botId } = await startTelegramWorld(dialect, SECRET));
  });
  after(async () => {
    await w?.stop();
    await tg?.close();
  });

  const channelId = () => `tg_${botId}`;
  async function conversationOf(chatId: number) {
    const db = w.app.deps.storage.db;
    const contact = await db
      .selectFrom('contacts')
      .selectAll()
      .where('channel_kind', '=', 'telegram')
      .where('external_id', '=', String(chatId))
      .executeTakeFirst();
    if (!contact) return undefined;
    const conv = await db.selectFrom('conversations').selectAll().where('contact_id', '=', contact.id).executeTakeFirst();
    return conv ? { contact, conv } : undefined;
  }
  async function messagesOf(conversationId: string) {
    return w.app.deps.storage.db
      .selectFrom('messages')
      .selectAll()
      .where('conversation_id', '=', conversationId)
      .orderBy('sort_at')
      .orderBy('seq')
      .execute();
  }

  test('start: getMe names the channel, setWebhook points the simulator at /webhooks/telegram/<bot id> with the secret', async () => {
    assert.deepEqual(tg.webhook(), { url: `${w.app.url}/webhooks/telegram/${botId}`, secretToken: SECRET });
    const row = await w.app.deps.storage.db.selectFrom('channels').selectAll().where('id', '=', channelId()).executeTakeFirstOrThrow();
    assert.equal(row.kind, 'telegram');
    assert.equal(row.name, `Telegram @${tg.bot.username}`);
  });

  test('every inbound kind is stored with its kind; media is fetched into the media store', async () => {
    const u = tg.user({ first_name: 'Ana', last_name: 'Kinds', username: 'ana_k' });
    const first = u.send({ type: 'text', text: 'hello *bold*', entities: [{ type: 'bold', offset: 6, length: 6 }] });
    u.send({ type: 'photo', data: Buffer.from('PHOTO'), caption: 'a photo' });
    u.send({ type: 'video' });
    u.send({ type: 'voice' });
    u.send({ type: 'audio' });
    u.send({ type: 'document', fileName: 'invoice.pdf' });
    u.send({ type: 'sticker' });
    u.send({ type: 'location', latitude: 52.5, longitude: 13.4 });
    u.send({ type: 'venue', latitude: 52.5, longitude: 13.4, title: 'Office', address: 'Main St 1' });
    u.send({ type: 'contact', phone_number: '+4915112345678', first_name: 'Bob' });
    u.send({ type: 'text', text: 'replying' }, { replyToMessageId: first.message.message_id });
    u.edit(first.message.message_id, 'hello (edited)');
    tg.push({
      message: {
        message_id: 999,
        date: Math.floor(Date.now() / 1000),
        chat: { id: u.id, type: 'private' },
        from: { id: u.id, is_bot: false, first_name: 'Ana', last_name: 'Kinds' },
        dice: { emoji: '🎲', value: 3 },
      },
    });
    assert.ok(await tg.drain(10_000));
    await w.settle();
    const found = await conversationOf(u.id);
    assert.ok(found);
    assert.equal(found.contact.profile_name, 'Ana Kinds');
    assert.equal(found.conv.channel_id, channelId());
    const ms = await messagesOf(found.conv.id);
    assert.deepEqual(
      ms.map((m) => m.kind),
      [
        'text',
        'image',
        'video',
        'audio',
        'audio',
        'document',
        'sticker',
        'location',
        'location',
        'contacts',
        'text',
        'edit',
        'unsupported',
      ],
    );
    assert.equal(ms[0]!.external_id, `${u.id}:${first.message.message_id}`);
    assert.equal(ms[1]!.text, 'a photo');
    assert.equal(ms[10]!.reply_to_external_id ?? JSON.parse(ms[10]!.content).context?.messageId, `${u.id}:${first.message.message_id}`);
    assert.equal(ms[11]!.text, 'hello (edited)');
    assert.equal(JSON.parse(ms[8]!.content).location.name, 'Office');
    // The photo's bytes, downloaded through getFile into the same store WhatsApp media uses.
    await waitFor(
      async () => {
        const row = await w.app.deps.storage.db
          .selectFrom('media_files')
          .selectAll()
          .where('message_id', '=', ms[1]!.id)
          .executeTakeFirst();
        return row?.status === 'stored';
      },
      10_000,
      'the photo stored',
    );
  });

  test('the webhook refuses a wrong or missing secret with 401, and stores a redelivered update once', async () => {
    const url = `${w.app.url}/webhooks/telegram/${botId}`;
    const update = {
      update_id: 555_000_001,
      message: {
        message_id: 1,
        date: Math.floor(Date.now() / 1000),
        chat: { id: 4242, type: 'private' },
        from: { id: 4242, is_bot: false, first_name: 'Dup' },
        text: 'once',
      },
    };
    const post = (headers: Record<string, string>, body: unknown = update) =>
      fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    const wrong = await post({ 'x-telegram-bot-api-secret-token': 'nope' });
    assert.equal(wrong.status, 401);
    assert.equal(((await wrong.json()) as any).error.code, 'invalid_secret_token');
    assert.equal((await post({})).status, 401);
    const unknownBot = await fetch(`${w.app.url}/webhooks/telegram/1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': SECRET },
      body: '{}',
    });
    assert.equal(unknownBot.status, 401);
    assert.equal((await post({ 'x-telegram-bot-api-secret-token': SECRET }, { no: 'update_id' })).status, 400);
    assert.equal((await post({ 'x-telegram-bot-api-secret-token': SECRET })).status, 200);
    assert.equal((await post({ 'x-telegram-bot-api-secret-token': SECRET })).status, 200);
    await w.settle();
    const found = await conversationOf(4242);
    assert.ok(found);
    assert.equal((await messagesOf(found.conv.id)).length, 1);
  });

  test('a reply goes out as sendMessage with HTML escaped; a customer name full of markup never causes a 400', async () => {
    const u = tg.user({ first_name: '<b>Ann_*[x]</b> & co.' });
    u.send('hi');
    await tg.drain();
    await w.settle();
    const found = await conversationOf(u.id);
    assert.ok(found);
    const text = `Hello ${found.contact.profile_name}! 1.5 < 2 > 0 _ * [ ] ( ) ~ \` # + - = | { } . !`;
    const r = await w.api('POST', `/api/v1/conversations/${found.conv.id}/messages`, { type: 'text', text });
    assert.equal(r.status, 202, JSON.stringify(r.body));
    const sent = await tg.waitForSent((s) => s.method === 'sendMessage' && s.params.chat_id === u.id);
    assert.equal(sent.params.parse_mode, 'HTML');
    assert.equal(sent.params.text, text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;'));
    assert.equal(sent.message?.text, sent.params.text);
    await w.settle();
    const out = await w.app.deps.storage.db.selectFrom('messages').selectAll().where('id', '=', r.body.id).executeTakeFirstOrThrow();
    assert.equal(out.status, 'accepted');
    assert.equal(out.external_id, `${u.id}:${sent.message!.message_id}`);
  });

  test('no 24-hour window on Telegram: a reply two days after the customer wrote is accepted', async () => {
    const u = tg.user({ first_name: 'Late' });
    u.send('hello');
    await tg.drain();
    await w.settle();
    const found = await conversationOf(u.id);
    w.clock.advance(48 * 3600_000);
    const r = await w.api('POST', `/api/v1/conversations/${found!.conv.id}/messages`, { type: 'text', text: 'still here' });
    assert.equal(r.status, 202, JSON.stringify(r.body));
    await tg.waitForSent((s) => s.method === 'sendMessage' && s.params.chat_id === u.id);
  });

  test('buttons go out as an inline keyboard; a press comes back as the button reply and is answered', async () => {
    const u = tg.user({ first_name: 'Press' });
    u.send('menu');
    await tg.drain();
    await w.settle();
    const found = await conversationOf(u.id);
    const r = await w.api('POST', `/api/v1/conversations/${found!.conv.id}/messages`, {
      type: 'buttons',
      body: 'Pick one',
      buttons: [
        { id: 'yes', title: 'Yes' },
        { id: 'no', title: 'No' },
      ],
    });
    assert.equal(r.status, 202, JSON.stringify(r.body));
    const sent = await tg.waitForSent(
      (s) => s.method === 'sendMessage' && s.params.chat_id === u.id && s.params.reply_markup !== undefined,
    );
    assert.deepEqual(sent.params.reply_markup, {
      inline_keyboard: [[{ text: 'Yes', callback_data: 'yes' }], [{ text: 'No', callback_data: 'no' }]],
    });
    u.press(sent.message!.message_id, 'no');
    await tg.drain();
    await tg.waitForSent((s) => s.method === 'answerCallbackQuery');
    await w.settle();
    const ms = await messagesOf(found!.conv.id);
    const press = ms.find((m) => m.kind === 'interactive_reply');
    assert.ok(press);
    assert.equal(press.text, 'No');
    assert.equal(JSON.parse(press.content).reply.id, 'no');
  });

  test('one flow document on both channels: buttons as an inline keyboard, a branch on {{contact.channel}}', async () => {
    await publish(w, {
      id: 'which-channel',
      name: 'Which channel',
      start: 'where',
      triggers: [{ type: 'keyword', value: 'whereami' }],
      blocks: {
        where: { type: 'condition', if: { var: 'contact.channel', op: 'eq', value: 'telegram' }, exits: { then: 'tg', else: 'wa' } },
        tg: { type: 'send', message: { text: 'You are on Telegram, {{contact.name}}' }, exits: { next: 'pick' } },
        wa: { type: 'send', message: { text: 'You are on WhatsApp' }, exits: { next: 'pick' } },
        pick: {
          type: 'send',
          message: {
            buttons: {
              body: 'Pick',
              buttons: [
                { id: 'one', title: 'One' },
                { id: 'two', title: 'Two' },
              ],
            },
          },
          exits: { next: 'done' },
        },
        done: { type: 'end', status: 'succeeded' },
      },
    });
    const u = tg.user({ first_name: 'Flo' });
    u.send('whereami');
    await tg.drain();
    await w.settle();
    const said = await tg.waitForSent(
      (s) => s.method === 'sendMessage' && s.params.chat_id === u.id && s.params.text === 'You are on Telegram, Flo',
    );
    assert.ok(said);
    const pick = await tg.waitForSent(
      (s) => s.method === 'sendMessage' && s.params.chat_id === u.id && s.params.reply_markup !== undefined,
      10_000,
    );
    assert.deepEqual(pick.params.reply_markup, {
      inline_keyboard: [[{ text: 'One', callback_data: 'one' }], [{ text: 'Two', callback_data: 'two' }]],
    });
    const c = w.sim.customer('15550004444', 'Wes');
    await c.sendText('whereami');
    await w.sim.drainWebhooks();
    await w.settle();
    await c.waitForMessage((m) => (m as { text?: string }).text === 'You are on WhatsApp', 10_000);
  });

  test('the inbox lists both channels; channel=telegram|whatsapp filters by kind, channel=<id> by channel', async () => {
    await w.sim.customer('15550009876', 'Wanda').sendText('hello from WhatsApp');
    const u = tg.user({ first_name: 'Tess' });
    u.send('hello from Telegram');
    await tg.drain();
    await w.sim.drainWebhooks();
    await w.settle();
    const all = (await w.api('GET', '/api/v1/conversations?limit=200')).body.data as Array<{ channel_id: string }>;
    assert.ok(all.some((c) => c.channel_id === channelId()));
    assert.ok(all.some((c) => c.channel_id.startsWith('wa_')));
    const tgOnly = (await w.api('GET', '/api/v1/conversations?channel=telegram&limit=200')).body.data as Array<{ channel_id: string }>;
    assert.ok(tgOnly.length > 0);
    assert.ok(tgOnly.every((c) => c.channel_id === channelId()));
    const waOnly = (await w.api('GET', '/api/v1/conversations?channel=whatsapp&limit=200')).body.data as Array<{ channel_id: string }>;
    assert.ok(waOnly.length > 0);
    assert.ok(waOnly.every((c) => c.channel_id.startsWith('wa_')));
    const byId = (await w.api('GET', `/api/v1/conversations?channel=${channelId()}&limit=200`)).body.data;
    assert.equal(byId.length, tgOnly.length);
  });

  test("every conversation view names its channel's kind and capabilities: list, detail, changes, PATCH", async () => {
    type View = {
      id: string;
      channel_id: string;
      channel: string;
      capabilities: Record<string, unknown>;
      contact: { wa_id: string | null };
    };
    const telegram = {
      service_window: false,
      templates: false,
      read_receipts: false,
      edits: true,
      lists: true,
      reactions: true,
      uploads: true,
      // The Bot API's sizes (10 MB photos, 50 MB files, 512 KB stickers): the composer checks these.
      upload_limits: { image: 10 * MB, video: 50 * MB, audio: 50 * MB, document: 50 * MB, sticker: 512 * 1024 },
    };
    const whatsapp = {
      service_window: true,
      templates: true,
      read_receipts: true,
      edits: true,
      lists: true,
      reactions: true,
      uploads: true,
      // Meta's sizes, documents held to the 16 MB this API uploads (larger ones go by link).
      upload_limits: { image: 5 * MB, video: 16 * MB, audio: 16 * MB, document: 16 * MB, sticker: 500 * 1024 },
    };
    const expect = (v: View) => {
      assert.equal(v.channel, v.channel_id === channelId() ? 'telegram' : 'whatsapp', v.channel_id);
      assert.deepEqual(v.capabilities, v.channel === 'telegram' ? telegram : whatsapp);
      // A Telegram chat id is digits too: it is never shown as a WhatsApp id.
      if (v.channel === 'telegram') assert.equal(v.contact.wa_id, null, v.id);
    };
    const all = (await w.api('GET', '/api/v1/conversations?limit=200')).body.data as View[];
    assert.ok(all.some((c) => c.channel === 'telegram') && all.some((c) => c.channel === 'whatsapp'));
    all.forEach(expect);
    const tgOnly = (await w.api('GET', '/api/v1/conversations?channel=telegram&limit=200')).body.data as View[];
    assert.ok(tgOnly.length > 0 && tgOnly.every((c) => c.channel === 'telegram'));
    const changes = (await w.api('GET', '/api/v1/conversations?updated_since=0&limit=200')).body.data as View[];
    changes.forEach(expect);
    for (const c of [tgOnly[0]!, all.find((c) => c.channel === 'whatsapp')!]) {
      const detail = await w.api('GET', `/api/v1/conversations/${c.id}?limit=1`);
      assert.equal(detail.status, 200);
      expect(detail.body);
      const patched = await w.api('PATCH', `/api/v1/conversations/${c.id}`, { status: 'archived' });
      assert.equal(patched.status, 200, JSON.stringify(patched.body));
      expect(patched.body);
    }
  });

  test("the inbox stream's conversation summary names the channel", async () => {
    const stream = await SseClient.open(`${w.app.url}/api/v1/stream`, { authorization: `Bearer ${ADMIN_TOKEN}` });
    try {
      await stream.next((e) => e.event === 'ready', 5000, 'the stream is ready');
      const u = tg.user({ first_name: 'Stream' });
      u.send('on the stream');
      await tg.drain();
      await w.settle();
      const e = await stream.next(
        (e) => e.event === 'message.new' && e.data.message?.text === 'on the stream',
        5000,
        'the Telegram message on the stream',
      );
      assert.equal(e.data.conversation.channel, 'telegram');
      assert.equal(e.data.conversation.channel_id, channelId());
      await w.sim.customer('15550001234', 'Walt').sendText('on the stream too');
      await w.sim.drainWebhooks();
      await w.settle();
      const wa = await stream.next(
        (e) => e.event === 'message.new' && e.data.message?.text === 'on the stream too',
        5000,
        'the WhatsApp message on the stream',
      );
      assert.equal(wa.data.conversation.channel, 'whatsapp');
    } finally {
      await stream.close();
    }
  });

  test('fuzzed Telegram updates never get a 5xx, and the ingest survives them', async () => {
    const url = `${w.app.url}/webhooks/telegram/${botId}`;
    const anyJson = fc.jsonValue({ maxDepth: 4 });
    const messageLike = fc.record(
      {
        message_id: fc.oneof(fc.integer(), fc.string(), fc.constant(null)),
        date: fc.oneof(fc.integer(), fc.double(), fc.string()),
        chat: fc.oneof(
          fc.record({ id: fc.oneof(fc.integer(), fc.string()), type: fc.constantFrom('private', 'group', 'channel', 7) }),
          anyJson,
        ),
        from: fc.oneof(fc.record({ id: fc.integer(), first_name: fc.string() }), anyJson),
        text: fc.oneof(fc.string(), anyJson),
        photo: fc.oneof(fc.array(fc.record({ file_id: fc.oneof(fc.string(), fc.integer()) })), anyJson),
        location: anyJson,
        contact: anyJson,
        reply_to_message: anyJson,
      },
      { requiredKeys: [] },
    );
    const update = fc.record(
      {
        update_id: fc.oneof(fc.integer({ min: 1, max: 2 ** 40 }), anyJson),
        message: messageLike,
        edited_message: messageLike,
        callback_query: fc.oneof(fc.record({ id: fc.string(), from: anyJson, data: anyJson, message: messageLike }), anyJson),
        my_chat_member: anyJson,
        poll: anyJson,
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(update, async (u) => {
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': SECRET },
          body: JSON.stringify(u),
        });
        await res.arrayBuffer();
        return res.status < 500;
      }),
      { numRuns: 150 },
    );
    await w.settle(30_000);
    const failed = await w.app.deps.storage.db
      .selectFrom('webhook_events')
      .select(['id', 'error'])
      .where('status', '=', 'failed')
      .execute();
    assert.deepEqual(failed, []);
  });

  test('a user who blocked the bot: the 403 fails the send, marks the contact, and later sends are refused', async () => {
    const u = tg.user({ first_name: 'Blocker' });
    u.send('bye');
    await tg.drain();
    await w.settle();
    const found = await conversationOf(u.id);
    // Blocked on the phone without the my_chat_member update reaching us: the send's 403 tells.
    u.block();
    const r = await w.api('POST', `/api/v1/conversations/${found!.conv.id}/messages`, { type: 'text', text: 'are you there?' });
    assert.equal(r.status, 202);
    await tg.drain();
    await w.settle();
    const out = await w.app.deps.storage.db.selectFrom('messages').selectAll().where('id', '=', r.body.id).executeTakeFirstOrThrow();
    assert.equal(out.status, 'failed');
    assert.equal(out.error_code, 'telegram_blocked');
    const contact = await w.app.deps.storage.db
      .selectFrom('contacts')
      .selectAll()
      .where('id', '=', found!.contact.id)
      .executeTakeFirstOrThrow();
    assert.notEqual(contact.blocked_by_user_at, null);
    const again = await w.api('POST', `/api/v1/conversations/${found!.conv.id}/messages`, { type: 'text', text: 'hello?' });
    assert.equal(again.status, 422);
    assert.equal(again.body.error.code, 'contact_blocked');
    // Writing again unblocks.
    u.send('back');
    await tg.drain();
    await w.settle();
    const back = await w.app.deps.storage.db
      .selectFrom('contacts')
      .selectAll()
      .where('id', '=', found!.contact.id)
      .executeTakeFirstOrThrow();
    assert.equal(back.blocked_by_user_at, null);
  });
});
