import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { OutboundContent } from '../../src/channels/channel-types.ts';
import { parseTelegramUpdate, TelegramAdapter } from '../../src/channels/telegram/index.ts';
import { startTelegramSimulator, type TelegramSimulator } from '../../src/simulator/telegram/index.ts';

// The Telegram adapter against the Telegram simulator over loopback: the exact Bot API request for
// every kind we send, and what each failure becomes.
let tg: TelegramSimulator;
let adapter: TelegramAdapter;
before(async () => {
  tg = await startTelegramSimulator({ limits: { perChat: 1000, perBotPerSecond: 1000 } });
  adapter = new TelegramAdapter({ apiUrl: tg.url, botToken: tg.botToken, perChatGapMs: 0 });
});
after(async () => {
  await adapter.close();
  await tg.close();
});

test('the contract: channel, account id (the bot id), capabilities', () => {
  assert.equal(adapter.channel, 'telegram');
  assert.equal(adapter.accountId, tg.botToken.split(':')[0]);
  assert.deepEqual(adapter.capabilities, {
    lists: true,
    templates: false,
    reactions: true,
    readReceipts: false,
    serviceWindow: false,
    edits: true,
    uploads: true,
    customerGapMs: 1000,
    messagingTier: false,
  });
});

test('every kind we send is one Bot API call with exactly these parameters', async () => {
  const u = tg.user({ first_name: 'Kim' });
  const { message: quoted } = u.send('quote me');
  const photo = u.send({ type: 'photo' }).message.photo as Array<{ file_id: string }>;
  const fileId = photo.at(-1)!.file_id;
  const cases: Array<[OutboundContent, string, Record<string, unknown>]> = [
    [
      { type: 'text', text: 'a < b & c > d' },
      'sendMessage',
      { text: 'a &lt; b &amp; c &gt; d', parse_mode: 'HTML', link_preview_options: { is_disabled: true } },
    ],
    [{ type: 'text', text: 'see https://x.test', previewUrl: true }, 'sendMessage', { text: 'see https://x.test', parse_mode: 'HTML' }],
    [{ type: 'image', mediaId: fileId, caption: '<i>' }, 'sendPhoto', { photo: fileId, caption: '&lt;i&gt;', parse_mode: 'HTML' }],
    [{ type: 'video', link: 'https://x.test/v.mp4' }, 'sendVideo', { video: 'https://x.test/v.mp4' }],
    [
      { type: 'document', link: 'https://x.test/a.pdf', caption: 'doc' },
      'sendDocument',
      { document: 'https://x.test/a.pdf', caption: 'doc', parse_mode: 'HTML' },
    ],
    [{ type: 'audio', link: 'https://x.test/a.ogg', voice: true }, 'sendVoice', { voice: 'https://x.test/a.ogg' }],
    [{ type: 'audio', link: 'https://x.test/a.mp3' }, 'sendAudio', { audio: 'https://x.test/a.mp3' }],
    [{ type: 'sticker', mediaId: fileId }, 'sendSticker', { sticker: fileId }],
    [{ type: 'location', latitude: 1.5, longitude: 2.5 }, 'sendLocation', { latitude: 1.5, longitude: 2.5 }],
    [
      { type: 'location', latitude: 1.5, longitude: 2.5, name: 'Shop', address: 'Main St' },
      'sendVenue',
      { latitude: 1.5, longitude: 2.5, title: 'Shop', address: 'Main St' },
    ],
    [
      {
        type: 'contacts',
        contacts: [{ name: { formatted_name: 'Bo B', first_name: 'Bo', last_name: 'B' }, phones: [{ phone: '+1555' }] }],
      },
      'sendContact',
      { phone_number: '+1555', first_name: 'Bo', last_name: 'B' },
    ],
    [
      { type: 'buttons', header: 'H', body: 'Pick', footer: 'F', buttons: [{ id: 'a', title: 'A' }] },
      'sendMessage',
      {
        text: '<b>H</b>\n\nPick\n\n<i>F</i>',
        parse_mode: 'HTML',
        reply_markup: { inline_keyboard: [[{ text: 'A', callback_data: 'a' }]] },
      },
    ],
    [
      {
        type: 'list',
        body: 'Menu',
        button: 'Open',
        sections: [
          {
            title: 'S',
            rows: [
              { id: 'r1', title: 'One' },
              { id: 'r2', title: 'Two', description: 'd' },
            ],
          },
        ],
      },
      'sendMessage',
      {
        text: 'Menu',
        parse_mode: 'HTML',
        reply_markup: { inline_keyboard: [[{ text: 'One', callback_data: 'r1' }], [{ text: 'Two', callback_data: 'r2' }]] },
      },
    ],
    [
      { type: 'cta_url', body: 'Visit', displayText: 'Site', url: 'https://x.test' },
      'sendMessage',
      { text: 'Visit', parse_mode: 'HTML', reply_markup: { inline_keyboard: [[{ text: 'Site', url: 'https://x.test' }]] } },
    ],
  ];
  for (const [content, method, params] of cases) {
    const before = tg.sent().length;
    const r = await adapter.send({ to: String(u.id), content });
    assert.equal(r.ok, true, `${content.type}: ${JSON.stringify(r)}`);
    const call = tg.sent()[before]!;
    assert.equal(call.method, method, content.type);
    assert.deepEqual(call.params, { chat_id: u.id, ...params }, content.type);
    assert.ok(r.ok && r.externalId === `${u.id}:${call.message!.message_id}`);
  }
  const replied = await adapter.send({ to: String(u.id), content: { type: 'text', text: 're' }, replyTo: `${u.id}:${quoted.message_id}` });
  assert.equal(replied.ok, true);
  assert.deepEqual(tg.sent().at(-1)!.params.reply_parameters, { message_id: quoted.message_id, allow_sending_without_reply: true });
  const template = await adapter.send({ to: String(u.id), content: { type: 'template', name: 't', language: 'en' } });
  assert.deepEqual(template.ok ? null : [template.code, template.retryable], ['unsupported_on_channel', false]);
  assert.deepEqual(await adapter.markRead(`${u.id}:1`, { typing: true }), { ok: true });
  assert.deepEqual(tg.sent().at(-1)!.params, { chat_id: u.id, action: 'typing' });
});

test('failures: 400 with the description, 429 retryable after retry_after, 403 blocked, a refused connection retryable', async () => {
  const u = tg.user();
  const bad = await adapter.send({ to: String(u.id), content: { type: 'image', mediaId: 'no-such-file' } });
  assert.deepEqual(bad.ok ? null : [bad.code, bad.retryable, bad.message], [
    'telegram_400',
    false,
    'Bad Request: wrong file identifier/HTTP URL specified',
  ]);
  const strict = await startTelegramSimulator({ botToken: tg.botToken });
  const paced = new TelegramAdapter({ apiUrl: strict.url, botToken: strict.botToken, perChatGapMs: 0 });
  try {
    const v = strict.user();
    assert.equal((await paced.send({ to: String(v.id), content: { type: 'text', text: '1' } })).ok, true);
    const limited = await paced.send({ to: String(v.id), content: { type: 'text', text: '2' } });
    assert.deepEqual(limited.ok ? null : [limited.code, limited.retryable, limited.retryAfterMs], ['telegram_429', true, 1000]);
    v.block();
    const blocked = await paced.send({ to: String(v.id), content: { type: 'text', text: '3' } });
    assert.deepEqual(blocked.ok ? null : [blocked.code, blocked.retryable], ['telegram_blocked', false]);
  } finally {
    await paced.close();
    await strict.close();
  }
  // The adapter's own pacing: a second message to one chat waits for its gap instead of a 429.
  const gentle = new TelegramAdapter({ apiUrl: tg.url, botToken: tg.botToken, perChatGapMs: 300 });
  const t0 = Date.now();
  await gentle.send({ to: String(u.id), content: { type: 'text', text: 'a' } });
  await gentle.send({ to: String(u.id), content: { type: 'text', text: 'b' } });
  assert.ok(Date.now() - t0 >= 290);
  await gentle.close();
  const down = new TelegramAdapter({ apiUrl: 'http://127.0.0.1:1', botToken: tg.botToken });
  const refused = await down.send({ to: String(u.id), content: { type: 'text', text: 'x' } });
  assert.deepEqual(refused.ok ? null : [refused.code, refused.retryable], ['network_error', true]);
  await down.close();
});

test('getMe, downloadMedia through getFile; a wrong token is refused', async () => {
  const me = await adapter.getMe();
  assert.deepEqual(me, { ok: true, id: tg.bot.id, username: tg.bot.username });
  const u = tg.user();
  const doc = u.send({ type: 'document', data: Buffer.from('%PDF-1.7 body'), fileName: 'x.pdf' }).message.document as { file_id: string };
  const got = await adapter.downloadMedia({ mediaId: doc.file_id });
  assert.ok(got.ok);
  assert.equal(got.data.toString(), '%PDF-1.7 body');
  const wrong = new TelegramAdapter({ apiUrl: tg.url, botToken: `${tg.bot.id}:AAwrongwrongwrongwrongwrongwrongwr` });
  const refused = await wrong.getMe();
  assert.deepEqual(refused.ok ? null : [refused.code, refused.httpStatus], ['telegram_401', 401]);
  await wrong.close();
});

test('the parser never throws and maps unknown updates to other', () => {
  for (const junk of [null, 1, 'x', [], {}, { update_id: 'x' }, { message: 5 }, { message: { chat: {} } }, { inline_query: { id: '1' } }]) {
    const p = parseTelegramUpdate(junk, '1', Date.now());
    assert.equal(p.messages.length, 0);
  }
  const other = parseTelegramUpdate({ update_id: 1, inline_query: { id: '1' } }, '1', Date.now());
  assert.deepEqual(
    other.other.map((o) => o.field),
    ['inline_query'],
  );
});

test('a message date no Date can hold, or not positive, falls back to when the update came in', () => {
  const receivedAt = Date.UTC(2026, 11, 7, 12, 0, 0);
  for (const date of [9_000_000_000_000_000, 8_640_000_000_001, -5, 0]) {
    const p = parseTelegramUpdate(
      {
        update_id: 1,
        message: {
          message_id: 7,
          date,
          chat: { id: 42, type: 'private', first_name: 'Ana' },
          from: { id: 42, first_name: 'Ana' },
          text: 'hola',
        },
      },
      '1',
      receivedAt,
    );
    assert.equal(p.messages.length, 1, String(date));
    assert.equal(p.messages[0]!.sentAt, receivedAt, String(date));
    assert.equal(new Date(p.messages[0]!.sentAt).toISOString(), '2026-12-07T12:00:00.000Z');
  }
  const ok = parseTelegramUpdate(
    { update_id: 2, message: { message_id: 8, date: 1_765_000_000, chat: { id: 42, type: 'private' }, from: { id: 42 }, text: 'x' } },
    '1',
    receivedAt,
  );
  assert.equal(ok.messages[0]!.sentAt, 1_765_000_000_000);
});

test('uploads: the first send posts the file as multipart, later ones its file_id; OGG audio goes as a voice note; bytes no longer kept fail without a retry', async () => {
  const kept = new Map<string, { data?: Buffer; mimeType: string; filename?: string; fileId?: string }>([
    ['up_ogg', { data: Buffer.from('OggS voice'), mimeType: 'audio/ogg', filename: 'note.ogg' }],
    ['up_gone', { mimeType: 'application/pdf', filename: 'gone.pdf' }],
  ]);
  const remembered: Array<[string, string]> = [];
  const withUploads = new TelegramAdapter({
    apiUrl: tg.url,
    botToken: tg.botToken,
    perChatGapMs: 0,
    uploads: {
      find: async (id) => {
        const k = kept.get(id);
        return k && { mimeType: k.mimeType, ...(k.filename ? { filename: k.filename } : {}), ...(k.fileId ? { fileId: k.fileId } : {}) };
      },
      read: async (id) => kept.get(id)?.data,
      remember: async (id, fileId) => {
        remembered.push([id, fileId]);
        const k = kept.get(id);
        if (k) k.fileId = fileId;
      },
    },
  });
  try {
    const u = tg.user({ first_name: 'Vee' });
    const first = await withUploads.send({ to: String(u.id), content: { type: 'audio', mediaId: 'up_ogg' } });
    assert.ok(first.ok, JSON.stringify(first));
    const voice = tg.sent().at(-1)!;
    assert.equal(voice.method, 'sendVoice');
    assert.deepEqual(voice.upload && { ...voice.upload, file_id: 'x' }, {
      field: 'voice',
      file_id: 'x',
      filename: 'note.ogg',
      mime_type: 'audio/ogg',
      size: 10,
    });
    assert.deepEqual(remembered, [['up_ogg', voice.upload!.file_id]]);
    const second = await withUploads.send({ to: String(u.id), content: { type: 'audio', mediaId: 'up_ogg' } });
    assert.ok(second.ok);
    const again = tg.sent().at(-1)!;
    assert.deepEqual([again.method, again.upload, again.params.voice], ['sendVoice', undefined, voice.upload!.file_id]);
    // Our own upload read back for GET /api/v1/media/:id: from where it is kept, no Bot API call.
    const back = await withUploads.downloadMedia({ mediaId: 'up_ogg' });
    assert.deepEqual(back.ok && [back.data.toString(), back.mimeType], ['OggS voice', 'audio/ogg']);
    const gone = await withUploads.send({ to: String(u.id), content: { type: 'document', mediaId: 'up_gone' } });
    assert.deepEqual(gone.ok ? null : [gone.code, gone.retryable], ['upload_missing', false]);

    // Three sends of a new upload at once: one uploads it, the others wait for its file_id.
    kept.set('up_pdf', { data: Buffer.from('%PDF-1.4 once'), mimeType: 'application/pdf', filename: 'once.pdf' });
    const before = tg.sent().length;
    const chats = [tg.user(), tg.user(), tg.user()].map((x) => String(x.id));
    const all = await Promise.all(chats.map((to) => withUploads.send({ to, content: { type: 'document', mediaId: 'up_pdf' } })));
    assert.ok(
      all.every((r) => r.ok),
      JSON.stringify(all),
    );
    const docs = tg.sent().slice(before);
    assert.equal(docs.filter((d) => d.upload).length, 1, 'uploaded once');
    const fileId = docs.find((d) => d.upload)!.upload!.file_id;
    assert.deepEqual(
      docs.filter((d) => !d.upload).map((d) => d.params.document),
      [fileId, fileId],
    );
  } finally {
    await withUploads.close();
  }
});
