import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test, type TestContext } from 'node:test';
import { FakeClock } from '../../src/core/clock.ts';
import type { Simulator } from '../../src/simulator/index.ts';
import { graph, startReceiver, testSimulator, TOKEN } from './helpers.ts';

async function upload(
  sim: Simulator,
  parts: { mime?: string; bytes?: Uint8Array; type?: string; product?: string | null; filename?: string },
) {
  const form = new FormData();
  if (parts.product !== null) form.append('messaging_product', parts.product ?? 'whatsapp');
  if (parts.type) form.append('type', parts.type);
  if (parts.bytes) form.append('file', new Blob([Buffer.from(parts.bytes)], { type: parts.mime ?? '' }), parts.filename ?? 'upload.bin');
  const res = await fetch(`${sim.graphBaseUrl}/v21.0/${sim.phoneNumberId}/media`, {
    method: 'POST',
    body: form,
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  return { status: res.status, json: (await res.json()) as any };
}

async function download(url: string, token: string | null = TOKEN) {
  const res = await fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: res.status, type: res.headers.get('content-type'), bytes: Buffer.from(await res.arrayBuffer()) };
}

async function setup(t: TestContext) {
  const clock = new FakeClock(Date.UTC(2026, 4, 1));
  const rcv = await startReceiver();
  const sim = await testSimulator({ clock, webhookUrl: rcv.url });
  t.after(async () => {
    await sim.close();
    await rcv.close();
  });
  return { sim, rcv };
}

test('upload → retrieve (5-minute URL) → download with bearer → delete', async (t) => {
  const { sim } = await setup(t);
  const bytes = Buffer.from('\xff\xd8\xff\xe0 fake jpeg bytes', 'latin1');
  const up = await upload(sim, { mime: 'image/jpeg', bytes });
  assert.equal(up.status, 200, JSON.stringify(up.json));
  assert.match(up.json.id, /^\d{15,16}$/);
  const info = await graph(sim, 'GET', `/v21.0/${up.json.id}`);
  assert.deepEqual(Object.keys(info.json), ['messaging_product', 'url', 'mime_type', 'sha256', 'file_size', 'id']);
  assert.equal(info.json.mime_type, 'image/jpeg');
  assert.equal(info.json.file_size, String(bytes.length));
  assert.equal(info.json.sha256, createHash('sha256').update(bytes).digest('hex'));
  const got = await download(info.json.url);
  assert.equal(got.status, 200);
  assert.equal(got.type, 'image/jpeg');
  assert.deepEqual(got.bytes, bytes);
  assert.equal((await download(info.json.url, null)).status, 401);
  assert.equal((await download(info.json.url, 'wrong')).status, 401);
  assert.equal((await download(info.json.url.replace(/hash=[^&]+/, 'hash=forged'))).status, 404);
  const scoped = await graph(sim, 'GET', `/v21.0/${up.json.id}?phone_number_id=${sim.phoneNumberId}`);
  assert.equal(scoped.status, 200);
  const otherNumber = await graph(sim, 'GET', `/v21.0/${up.json.id}?phone_number_id=42`);
  assert.equal(otherNumber.json.error.code, 100);

  sim.advanceTime(5 * 60_000 + 1000);
  assert.equal((await download(info.json.url)).status, 404, 'media URLs expire after 5 minutes');
  const fresh = await graph(sim, 'GET', `/v21.0/${up.json.id}`);
  assert.equal((await download(fresh.json.url)).status, 200, 'retrieving again gives a fresh URL');

  const del = await graph(sim, 'DELETE', `/v21.0/${up.json.id}`);
  assert.deepEqual(del.json, { success: true });
  assert.equal((await graph(sim, 'GET', `/v21.0/${up.json.id}`)).json.error.code, 100);
  assert.equal((await download(fresh.json.url)).status, 404);
  assert.equal((await graph(sim, 'DELETE', `/v21.0/${up.json.id}`)).json.error.code, 100);
});

test('uploaded media expires after 30 days', async (t) => {
  const { sim } = await setup(t);
  const up = await upload(sim, { mime: 'application/pdf', bytes: Buffer.from('%PDF') });
  sim.advanceTime(29 * 86_400_000);
  assert.equal((await graph(sim, 'GET', `/v21.0/${up.json.id}`)).status, 200);
  sim.advanceTime(2 * 86_400_000);
  assert.equal((await graph(sim, 'GET', `/v21.0/${up.json.id}`)).json.error.code, 100);
});

test('MIME and size validation answers 131053; missing fields 100', async (t) => {
  const { sim } = await setup(t);
  const MB = 1024 * 1024;
  const cases: Array<[string, Parameters<typeof upload>[1], number]> = [
    ['png ok', { mime: 'image/png', bytes: Buffer.alloc(10) }, 200],
    ['ogg opus ok', { mime: 'audio/ogg; codecs=opus', bytes: Buffer.alloc(10) }, 200],
    ['declared type used for octet-stream', { mime: 'application/octet-stream', type: 'video/mp4', bytes: Buffer.alloc(10) }, 200],
    ['gif unsupported', { mime: 'image/gif', bytes: Buffer.alloc(10) }, 131053],
    ['zip unsupported', { mime: 'application/zip', bytes: Buffer.alloc(10) }, 131053],
    ['declared type mismatch', { mime: 'image/png', type: 'image/jpeg', bytes: Buffer.alloc(10) }, 131053],
    ['image over 5 MB', { mime: 'image/jpeg', bytes: Buffer.alloc(5 * MB + 1) }, 131053],
    ['image at 5 MB', { mime: 'image/jpeg', bytes: Buffer.alloc(5 * MB) }, 200],
    ['sticker over 500 KB', { mime: 'image/webp', bytes: Buffer.alloc(500 * 1024 + 1) }, 131053],
    ['audio over 16 MB', { mime: 'audio/mpeg', bytes: Buffer.alloc(16 * MB + 1) }, 131053],
    ['empty file', { mime: 'image/png', bytes: Buffer.alloc(0) }, 131053],
    ['no messaging_product', { mime: 'image/png', bytes: Buffer.alloc(10), product: null }, 100],
    ['no file', { type: 'image/png' }, 100],
  ];
  for (const [name, parts, code] of cases) {
    const r = await upload(sim, parts);
    assert.equal(r.status === 200 ? 200 : r.json.error.code, code, `${name}: ${JSON.stringify(r.json)}`);
  }
  const res = await fetch(`${sim.graphBaseUrl}/v21.0/${sim.phoneNumberId}/media`, { method: 'POST', body: new FormData() });
  assert.equal(res.status, 401, 'upload needs the bearer token');
});

test('customer media lands in the store and the business can download it', async (t) => {
  const { sim, rcv } = await setup(t);
  const c = sim.customer('16505551234', 'Sheena');
  const photo = Buffer.from('customer photo bytes');
  await c.sendImage(photo, { mimeType: 'image/png', caption: 'Look at this' });
  await c.sendAudio(Buffer.from('voice'), { voice: true });
  await c.sendDocument(Buffer.from('%PDF-1.7'), { filename: 'invoice.pdf', mimeType: 'application/pdf' });
  await c.sendSticker(Buffer.from('RIFF'), { animated: true });
  const [image, audio, doc, sticker] = rcv.messages();
  assert.deepEqual(Object.keys(image.image), ['caption', 'mime_type', 'sha256', 'id']);
  assert.equal(image.image.sha256, createHash('sha256').update(photo).digest('base64'));
  assert.deepEqual([audio.audio.mime_type, audio.audio.voice], ['audio/ogg; codecs=opus', true]);
  assert.equal(doc.document.filename, 'invoice.pdf');
  assert.deepEqual([sticker.sticker.mime_type, sticker.sticker.animated], ['image/webp', true]);
  const info = await graph(sim, 'GET', `/v21.0/${image.image.id}`);
  const got = await download(info.json.url);
  assert.deepEqual(got.bytes, photo);
  assert.equal(got.type, 'image/png');
});
