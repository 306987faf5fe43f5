import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { sweepCustomerMedia } from '../../src/media/media-retention.ts';
import type { TelegramSimulator } from '../../src/simulator/telegram/index.ts';
import type { TgSent } from '../../src/simulator/telegram/tg-types.ts';
import { forEachDialect } from '../support/dialects.ts';
import { startTelegramWorld } from '../support/telegram-world.ts';
import type { World } from '../support/test-world.ts';

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
const PDF = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n');

// Media by upload on Telegram (issue 20): POST /api/v1/media keeps the file (Telegram has no
// upload-only call), the first send posts it to the Bot API as multipart/form-data, later sends
// reuse the file_id Telegram answered with, and GET /api/v1/media/:id serves what we sent.
forEachDialect('Telegram media by upload', (dialect) => {
  let tg: TelegramSimulator;
  let w: World;
  let channelId: string;
  let conversationId: string;
  let chatId: string;

  before(async () => {
    let botId: string;
    ({ tg, w, botId } = await startTelegramWorld(dialect, 'tg_upload_secret_1'));
    channelId = `tg_${botId}`;
    // A WhatsApp number too: with two channels an upload must name its channel.
    await w.sim.customer('5215550300088', 'Wara WhatsApp').sendText('hola');
    const u = tg.user({ first_name: 'Uma', last_name: 'Uploads' });
    chatId = String(u.id);
    u.send('send me the plan please');
    await tg.drain();
    await w.settle();
    const list = (await w.api('GET', '/api/v1/conversations?channel=telegram')).body.data;
    conversationId = list[0].id;
  });
  after(async () => {
    await w?.stop();
    await tg?.close();
  });

  const upload = async (data: Buffer, type: string, filename: string, channel = channelId) => {
    const form = new FormData();
    form.set('file', new Blob([new Uint8Array(data)], { type }), filename);
    const res = await fetch(`${w.app.url}/api/v1/media?channel_id=${encodeURIComponent(channel)}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${w.config.adminToken}` },
      body: form,
    });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };
  const send = (body: Record<string, unknown>) => w.api('POST', `/api/v1/conversations/${conversationId}/messages`, body);
  const fetchBack = async (fileId: string) => {
    const f = await fetch(`${tg.url}/bot${tg.botToken}/getFile?file_id=${encodeURIComponent(fileId)}`);
    const path = ((await f.json()) as any).result.file_path as string;
    return Buffer.from(await (await fetch(`${tg.url}/file/bot${tg.botToken}/${path}`)).arrayBuffer());
  };
  const sentMessage = async (caption: string) => {
    const messages = (await w.api('GET', `/api/v1/conversations/${conversationId}`)).body.messages;
    const m = messages.find((x: any) => x.direction === 'out' && x.text === caption);
    assert.ok(m, `the sent message "${caption}"`);
    return m;
  };
  const download = (path: string) => fetch(`${w.app.url}${path}`, { headers: { authorization: `Bearer ${w.config.adminToken}` } });
  let photoUpload: string;
  let photoFileId: string;

  test('a PNG and a PDF: kept here, then posted to the Bot API as multipart with their exact bytes, type and name', async () => {
    const png = await upload(PNG, 'image/png', 'plan.png');
    assert.equal(png.status, 201, JSON.stringify(png.body));
    assert.match(png.body.id, /^up_[a-z0-9]+$/);
    assert.deepEqual({ ...png.body, id: 'x' }, { id: 'x', channel_id: channelId, kind: 'image', mime_type: 'image/png', size: PNG.length });
    assert.ok(existsSync(join(w.dataDir, 'media', 'uploads', png.body.id)), 'the bytes are kept in DATA_DIR/media/uploads');
    assert.equal(tg.sent().filter((s) => s.upload).length, 0, 'nothing goes to Telegram before a send');
    photoUpload = png.body.id;

    assert.equal((await send({ type: 'image', media_id: photoUpload, caption: 'the <plan>' })).status, 202);
    const photo = await tg.waitForSent((s) => s.method === 'sendPhoto' && s.params.chat_id === chatId, 10_000);
    assert.ok(photo.upload, 'sent as a multipart upload');
    photoFileId = photo.upload.file_id;
    assert.deepEqual(photo.upload, {
      field: 'photo',
      file_id: photoFileId,
      filename: 'plan.png',
      mime_type: 'image/png',
      size: PNG.length,
    });
    assert.equal(photo.params.caption, 'the &lt;plan&gt;', 'the other parameters as form fields');
    assert.equal(photo.params.parse_mode, 'HTML');
    assert.deepEqual(await fetchBack(photoFileId), PNG, 'the exact bytes');

    const pdf = await upload(PDF, 'application/pdf', 'terms.pdf');
    assert.equal(pdf.status, 201, JSON.stringify(pdf.body));
    assert.equal(pdf.body.kind, 'document');
    assert.equal((await send({ type: 'document', media_id: pdf.body.id, caption: 'Terms', filename: 'terms-2026.pdf' })).status, 202);
    const doc = await tg.waitForSent((s) => s.method === 'sendDocument' && s.params.chat_id === chatId, 10_000);
    assert.deepEqual(
      doc.upload && { ...doc.upload, file_id: 'x' },
      { field: 'document', file_id: 'x', filename: 'terms-2026.pdf', mime_type: 'application/pdf', size: PDF.length },
      "a document goes by the send's file name",
    );
    assert.deepEqual(await fetchBack(doc.upload!.file_id), PDF);
    // The simulator holds the upload before Switchboard has read the answer and stored its file_id.
    await w.settle();
    const stored = await w.app.deps.storage.db
      .selectFrom('channel_uploads')
      .select(['id', 'provider_file_id'])
      .where('id', 'in', [photoUpload, pdf.body.id])
      .orderBy('id')
      .execute();
    assert.deepEqual(stored.map((r) => r.provider_file_id).sort(), [photoFileId, doc.upload!.file_id].sort(), "Telegram's file_ids kept");
  });

  test('a second send of the same upload goes by its file_id: no second upload', async () => {
    const before = tg.sent().length;
    assert.equal((await send({ type: 'image', media_id: photoUpload, caption: 'again' })).status, 202);
    const again = await tg.waitForSent((s: TgSent) => s.method === 'sendPhoto' && s.params.caption === 'again', 10_000);
    assert.equal(again.upload, undefined, 'no file part');
    assert.equal(again.params.photo, photoFileId);
    assert.equal(
      tg
        .sent()
        .slice(before)
        .filter((s) => s.upload).length,
      0,
    );
  });

  test('GET /api/v1/media/:id serves the file we sent, with its type and name', async () => {
    await w.settle();
    const m = await sentMessage('the <plan>');
    assert.equal(m.media.url, `/api/v1/media/${m.id}`);
    const res = await download(m.media.url);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'image/png');
    assert.deepEqual(Buffer.from(await res.arrayBuffer()), PNG);
    assert.ok(existsSync(join(w.dataDir, 'media', m.id)), 'kept like a customer file');

    const d = await sentMessage('Terms');
    const doc = await download(d.media.url);
    assert.equal(doc.status, 200);
    assert.equal(doc.headers.get('content-type'), 'application/pdf');
    assert.match(doc.headers.get('content-disposition') ?? '', /^attachment; filename="terms-2026.pdf"/);
    assert.deepEqual(Buffer.from(await doc.arrayBuffer()), PDF);
  });

  test("Telegram's limits, not WhatsApp's: a 6 MB photo is taken, an 11 MB one and a 600 KB sticker are refused before any send", async () => {
    const before = tg.sent().length;
    const six = await upload(Buffer.alloc(6 * 1024 * 1024, 1), 'image/png', 'six.png');
    assert.equal(six.status, 201, 'over WhatsApp 5 MB, within Telegram 10 MB');
    const big = await upload(Buffer.alloc(10 * 1024 * 1024 + 1, 1), 'image/png', 'big.png');
    assert.equal(big.status, 413);
    assert.equal(big.body.error.code, 'file_too_large');
    assert.match(big.body.error.message, /image may be at most 10485760 bytes on Telegram/);
    const sticker = await upload(Buffer.alloc(600 * 1024, 1), 'image/webp', 's.webp');
    assert.equal(sticker.status, 413);
    const empty = await upload(Buffer.alloc(0), 'application/pdf', 'e.pdf');
    assert.deepEqual([empty.status, empty.body.error.code], [422, 'empty_file']);
    const exe = await upload(Buffer.from('MZ'), 'application/x-msdownload', 'a.exe');
    assert.deepEqual([exe.status, exe.body.error.code], [415, 'unsupported_media_type']);
    const whatsapp = await upload(
      Buffer.alloc(6 * 1024 * 1024, 1),
      'image/png',
      'six.png',
      (await w.api('GET', '/api/v1/conversations?channel=whatsapp')).body.data[0].channel_id,
    );
    assert.equal(whatsapp.status, 413, "the same photo is over WhatsApp's 5 MB");
    assert.equal(tg.sent().length, before, 'nothing sent');
  });
  test('after MEDIA_RETENTION_DAYS the kept file is deleted; an upload already sent still goes by its file_id', async () => {
    const path = join(w.dataDir, 'media', 'uploads', photoUpload);
    assert.ok(existsSync(path));
    await sweepCustomerMedia(w.app.deps);
    assert.ok(existsSync(path), 'not old yet');
    w.clock.advance(91 * 24 * 60 * 60 * 1000); // the default retention is 90 days
    assert.ok((await sweepCustomerMedia(w.app.deps)) >= 1);
    assert.ok(!existsSync(path), 'the kept bytes are gone');
    assert.equal((await send({ type: 'image', media_id: photoUpload, caption: 'after the sweep' })).status, 202);
    const later = await tg.waitForSent((s: TgSent) => s.method === 'sendPhoto' && s.params.caption === 'after the sweep', 10_000);
    assert.equal(later.params.photo, photoFileId, 'sent by the file_id Telegram keeps');
  });
});
