import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { startTelegramSimulator, type TelegramSimulator } from '../../src/simulator/telegram/index.ts';

// The Telegram Bot API simulator over real HTTP: the Bot API's answers and errors, webhook delivery
// with the secret header and retries, getUpdates, files, limits, blocking.
let sim: TelegramSimulator;
before(async () => {
  sim = await startTelegramSimulator({ retryDelaysMs: [30] });
});
after(async () => sim.close());

async function call(method: string, params: Record<string, unknown> = {}, token = sim.botToken) {
  const res = await fetch(`${sim.url}/bot${token}/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(params),
  });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

test('getMe answers the bot; a wrong token is 401 Unauthorized; an unknown method is 404', async () => {
  const me = await call('getMe');
  assert.equal(me.status, 200);
  assert.equal(me.body.ok, true);
  assert.equal(me.body.result.is_bot, true);
  assert.equal(me.body.result.id, Number(sim.botToken.split(':')[0]));
  const bad = await call('getMe', {}, '123:wrong');
  assert.deepEqual([bad.status, bad.body], [401, { ok: false, error_code: 401, description: 'Unauthorized' }]);
  const unknown = await call('sendTelepathy');
  assert.equal(unknown.status, 404);
  // Method names are case-insensitive; query-string parameters work too.
  const q = await fetch(`${sim.url}/bot${sim.botToken}/getme`);
  assert.equal(q.status, 200);
});

test('sendMessage: the message back, and Telegram-shaped 400s (chat, empty text, parse errors, keyboard data)', async () => {
  const u = sim.user({ first_name: 'Ann' });
  const ok = await call('sendMessage', { chat_id: u.id, text: 'Hello *there*', parse_mode: 'MarkdownV2' });
  assert.equal(ok.status, 200);
  assert.equal(ok.body.result.chat.id, u.id);
  assert.equal(ok.body.result.text, 'Hello *there*');
  await new Promise((r) => setTimeout(r, 1100)); // 1 msg/s per chat
  const dot = await call('sendMessage', { chat_id: u.id, text: 'Ends with a dot.', parse_mode: 'MarkdownV2' });
  assert.equal(dot.status, 400);
  assert.equal(
    dot.body.description,
    "Bad Request: can't parse entities: Character '.' is reserved and must be escaped with the preceding '\\'",
  );
  const html = await call('sendMessage', { chat_id: u.id, text: 'a <foo> b', parse_mode: 'HTML' });
  assert.match(html.body.description, /^Bad Request: can't parse entities: Unsupported start tag "foo" at byte offset 2$/);
  assert.equal((await call('sendMessage', { chat_id: 42, text: 'x' })).body.description, 'Bad Request: chat not found');
  assert.equal((await call('sendMessage', { chat_id: u.id, text: ' ' })).body.description, 'Bad Request: message text is empty');
  const kb = await call('sendMessage', {
    chat_id: u.id,
    text: 'pick',
    reply_markup: { inline_keyboard: [[{ text: 'A', callback_data: 'x'.repeat(65) }]] },
  });
  assert.equal(kb.body.description, 'Bad Request: BUTTON_DATA_INVALID');
  assert.equal((await call('sendMessage', { chat_id: u.id, text: 'x'.repeat(4097) })).body.description, 'Bad Request: message is too long');
});

test('rate limits: a second message to one chat within a second is 429 with retry_after', async () => {
  const u = sim.user();
  assert.equal((await call('sendMessage', { chat_id: u.id, text: 'one' })).status, 200);
  const second = await call('sendMessage', { chat_id: u.id, text: 'two' });
  assert.equal(second.status, 429);
  assert.equal(second.body.error_code, 429);
  assert.equal(second.body.parameters.retry_after, 1);
  assert.match(second.body.description, /^Too Many Requests: retry after 1$/);
});

test('a user who blocked the bot: 403 Forbidden: bot was blocked by the user', async () => {
  const u = sim.user();
  u.block();
  const r = await call('sendMessage', { chat_id: u.id, text: 'hi' });
  assert.deepEqual([r.status, r.body.description], [403, 'Forbidden: bot was blocked by the user']);
});

test('getUpdates hands out updates by offset; with a webhook set it is 409', async () => {
  const u = sim.user({ first_name: 'Poll' });
  u.send('first');
  const got = await call('getUpdates', { timeout: 0 });
  const mine = got.body.result.filter((x: any) => x.message?.from?.id === u.id);
  assert.equal(mine[0].message.text, 'first');
  const last = got.body.result.at(-1).update_id;
  const next = await call('getUpdates', { offset: last + 1, timeout: 0 });
  assert.deepEqual(next.body.result, []);
  // Long polling: an update arriving while the call waits is returned at once.
  const waiting = call('getUpdates', { offset: last + 1, timeout: 5 });
  setTimeout(() => u.send('second'), 50);
  const polled = await waiting;
  assert.equal(polled.body.result[0].message.text, 'second');
});

test('webhook: deliveries carry X-Telegram-Bot-Api-Secret-Token, in order, retried after a 500 until a 200', async () => {
  const seen: Array<{ secret: unknown; update: any }> = [];
  let failFirst = true;
  const server = createServer(async (req: IncomingMessage, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    if (failFirst) {
      failFirst = false;
      res.writeHead(500).end();
      return;
    }
    seen.push({ secret: req.headers['x-telegram-bot-api-secret-token'], update: JSON.parse(body) });
    res.writeHead(200).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const hook = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  try {
    assert.equal(
      (await call('setWebhook', { url: hook, secret_token: 'bad secret!' })).body.description,
      'Bad Request: secret token contains unallowed characters',
    );
    assert.equal((await call('setWebhook', { url: hook, secret_token: 's3cret_token', drop_pending_updates: true })).body.result, true);
    assert.equal((await call('getUpdates')).status, 409);
    const u = sim.user();
    u.send('one');
    u.send('two');
    assert.ok(await sim.drain(5000));
    assert.deepEqual(
      seen.map((s) => [s.secret, s.update.message.text]),
      [
        ['s3cret_token', 'one'],
        ['s3cret_token', 'two'],
      ],
    );
    assert.ok(seen[0]!.update.update_id < seen[1]!.update.update_id);
    const failed = sim.deliveries().filter((d) => d.status === 500);
    assert.equal(failed.length, 1);
    const info = await call('getWebhookInfo');
    assert.equal(info.body.result.url, hook);
    assert.equal(info.body.result.pending_update_count, 0);
    assert.equal(info.body.result.last_error_message, 'Wrong response from the webhook: 500');
  } finally {
    await call('deleteWebhook');
    server.close();
  }
});

test('files: a photo from a user is fetched with getFile and downloaded; an upload by the bot gets a file_id', async () => {
  const u = sim.user();
  const { message } = u.send({ type: 'photo', data: Buffer.from('JPEGDATA'), caption: 'look' });
  const photo = (message.photo as Array<{ file_id: string }>).at(-1)!;
  const file = await call('getFile', { file_id: photo.file_id });
  const dl = await fetch(`${sim.url}/file/bot${sim.botToken}/${file.body.result.file_path}`);
  assert.equal(dl.status, 200);
  assert.equal(Buffer.from(await dl.arrayBuffer()).toString(), 'JPEGDATA');
  assert.equal((await call('getFile', { file_id: 'nope' })).body.description, 'Bad Request: invalid file_id');
  const form = new FormData();
  form.set('chat_id', String(u.id));
  form.set('caption', 'a doc');
  form.set('document', new Blob([Buffer.from('%PDF-1.4')], { type: 'application/pdf' }), 'a.pdf');
  const up = await fetch(`${sim.url}/bot${sim.botToken}/sendDocument`, { method: 'POST', body: form });
  const upBody = (await up.json()) as any;
  assert.equal(up.status, 200, JSON.stringify(upBody));
  assert.equal(upBody.result.document.file_name, 'a.pdf');
  await new Promise((r) => setTimeout(r, 1100));
  const bad = await call('sendPhoto', { chat_id: u.id, photo: 'not-a-file-id' });
  assert.equal(bad.body.description, 'Bad Request: wrong file identifier/HTTP URL specified');
});

test('uploads: a multipart file is recorded (field, name, type, size) and fetched back by its file_id; empty, missing and too-large files are refused as Telegram does', async () => {
  const send = async (
    method: string,
    fields: Record<string, string>,
    file?: { field: string; data: Buffer; type: string; name: string },
  ) => {
    const form = new FormData();
    for (const [k, v] of Object.entries(fields)) form.set(k, v);
    if (file) form.set(file.field, new Blob([new Uint8Array(file.data)], { type: file.type }), file.name);
    const res = await fetch(`${sim.url}/bot${sim.botToken}/${method}`, { method: 'POST', body: form });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };
  const u = sim.user({ first_name: 'Uploader' });
  const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
  const ok = await send('sendPhoto', { chat_id: String(u.id) }, { field: 'photo', data: png, type: 'image/png', name: 'dot.png' });
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  const fileId = ok.body.result.photo.at(-1).file_id as string;
  const sent = sim.sent().at(-1)!;
  assert.deepEqual(sent.upload, { field: 'photo', file_id: fileId, filename: 'dot.png', mime_type: 'image/png', size: png.length });
  const file = await call('getFile', { file_id: fileId });
  const dl = await fetch(`${sim.url}/file/bot${sim.botToken}/${file.body.result.file_path}`);
  assert.equal(dl.headers.get('content-type'), 'image/png');
  assert.deepEqual(Buffer.from(await dl.arrayBuffer()), png);

  const count = sim.sent().length;
  const v = sim.user({ first_name: 'Refused' });
  const empty = await send(
    'sendDocument',
    { chat_id: String(v.id) },
    { field: 'document', data: Buffer.alloc(0), type: 'application/pdf', name: 'e.pdf' },
  );
  assert.deepEqual([empty.status, empty.body.description], [400, 'Bad Request: file must be non-empty']);
  const missing = await send('sendDocument', { chat_id: String(v.id) });
  assert.deepEqual([missing.status, missing.body.description], [400, 'Bad Request: there is no document in the request']);
  const bigPhoto = Buffer.alloc(10 * 1024 * 1024 + 1);
  const photo = await send('sendPhoto', { chat_id: String(v.id) }, { field: 'photo', data: bigPhoto, type: 'image/png', name: 'big.png' });
  assert.deepEqual([photo.status, photo.body], [413, { ok: false, error_code: 413, description: 'Request Entity Too Large' }]);
  const huge = await send(
    'sendDocument',
    { chat_id: String(v.id) },
    { field: 'document', data: Buffer.alloc(50 * 1024 * 1024 + 1), type: 'application/pdf', name: 'huge.pdf' },
  );
  assert.deepEqual([huge.status, huge.body], [413, { ok: false, error_code: 413, description: 'Request Entity Too Large' }]);
  assert.equal(sim.sent().length, count, 'nothing refused was delivered');
});

test('callback queries: a pressed button is answered once; a second answer is refused', async () => {
  const u = sim.user();
  const sent = await call('sendMessage', {
    chat_id: u.id,
    text: 'Pick one',
    reply_markup: { inline_keyboard: [[{ text: 'Yes', callback_data: 'yes' }]] },
  });
  const update = u.press(sent.body.result.message_id, 'yes');
  const id = (update.callback_query as { id: string }).id;
  assert.equal((await call('answerCallbackQuery', { callback_query_id: id })).body.result, true);
  const again = await call('answerCallbackQuery', { callback_query_id: id });
  assert.equal(again.body.description, 'Bad Request: query is too old and response timeout expired or query ID is invalid');
  assert.equal((await call('sendChatAction', { chat_id: u.id, action: 'typing' })).body.result, true);
  assert.equal(
    (await call('sendChatAction', { chat_id: u.id, action: 'dancing' })).body.description,
    'Bad Request: wrong parameter action in request',
  );
});

test('the test API needs the test token; users write through it', async () => {
  const anon = await fetch(`${sim.url}/_sim/info`);
  assert.equal(anon.status, 401);
  const auth = { authorization: `Bearer ${sim.testToken}`, 'content-type': 'application/json' };
  const created = await fetch(`${sim.url}/_sim/users`, { method: 'POST', headers: auth, body: JSON.stringify({ first_name: 'Zoe' }) });
  const user = (await created.json()) as { id: number };
  const wrote = await fetch(`${sim.url}/_sim/users/${user.id}/messages`, {
    method: 'POST',
    headers: auth,
    body: JSON.stringify({ text: 'hi' }),
  });
  assert.equal(wrote.status, 201);
  const badKind = await fetch(`${sim.url}/_sim/users/${user.id}/messages`, {
    method: 'POST',
    headers: auth,
    body: JSON.stringify({ type: 'hologram' }),
  });
  assert.equal(badKind.status, 400);
  const page = await fetch(`${sim.url}/phone`);
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-security-policy') ?? '', /script-src 'self'/);
});
