import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { sweepCustomerMedia } from '../../src/media/media-retention.ts';
import { forEachDialect } from '../support/dialects.ts';
import { SECRETS, startWorld, type World } from '../support/test-world.ts';
import { agentSession } from './agents-http.ts';

const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from('a customer photo of a leaking pipe')]);
const PDF = Buffer.from('%PDF-1.4\n% an invoice the customer sent\n%%EOF\n');
const MAX = 4096;
const DAY = 24 * 60 * 60 * 1000;

/**
 * Customer media through the API: downloaded from the (simulated) Graph API once, right after the
 * message is stored, kept in DATA_DIR/media, served with its type and name to callers who may see
 * the conversation, fetched again when the file is missing, refused over MEDIA_MAX_BYTES, deleted
 * after MEDIA_RETENTION_DAYS.
 */
forEachDialect('customer media', (dialect) => {
  let w: World;
  let conversationId: string;
  let messages: any[];

  // As the admin token, or as an agent's session cookie.
  const download = (path: string, cookie?: string) =>
    fetch(`${w.app.url}${path}`, { headers: cookie ? { cookie } : { authorization: `Bearer ${w.config.adminToken}` } });
  const mediaMessage = (kind: string) => {
    const m = messages.find((x) => x.kind === kind);
    assert.ok(m, `a ${kind} message`);
    return m;
  };
  const refresh = async () => {
    messages = (await w.api('GET', `/api/v1/conversations/${conversationId}`)).body.messages;
  };

  before(async () => {
    w = await startWorld({ dialect, config: { demoBot: false, media: { maxBytes: MAX, retentionDays: 30 } } });
    const customer = w.sim.customer('5215550300001', 'Carla Fotos');
    await customer.sendImage(JPEG, { mimeType: 'image/jpeg', caption: 'la fuga' });
    await customer.sendDocument(PDF, { mimeType: 'application/pdf', filename: 'factura marzo.pdf' });
    await customer.sendDocument(Buffer.alloc(MAX + 1, 7), { mimeType: 'application/pdf', filename: 'enorme.pdf' });
    await w.settle();
    const list = (await w.api('GET', '/api/v1/conversations')).body.data;
    conversationId = list.find((c: any) => c.contact.wa_id === '5215550300001').id;
    await refresh();
  });
  after(async () => {
    await w?.stop();
  });

  test('the message links its media; the file streams with its type and name; WhatsApp was asked once', async () => {
    const image = mediaMessage('image');
    assert.deepEqual(image.media, { url: `/api/v1/media/${image.id}`, mime_type: 'image/jpeg', filename: null });
    const res = await download(image.media.url);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'image/jpeg');
    assert.equal(
      res.headers.get('content-disposition'),
      `inline; filename="image-${image.id}.jpg"; filename*=UTF-8''image-${image.id}.jpg`,
    );
    assert.deepEqual(Buffer.from(await res.arrayBuffer()), JPEG);
    assert.ok(existsSync(join(w.dataDir, 'media', image.id)), 'kept in DATA_DIR/media');

    const doc = messages.find((x) => x.kind === 'document' && x.media.filename === 'factura marzo.pdf');
    const d = await download(doc.media.url);
    assert.equal(d.status, 200);
    assert.equal(d.headers.get('content-type'), 'application/pdf');
    assert.equal(d.headers.get('content-disposition'), `attachment; filename="factura marzo.pdf"; filename*=UTF-8''factura%20marzo.pdf`);
    assert.deepEqual(Buffer.from(await d.arrayBuffer()), PDF);

    // Downloaded by the background job, not by these requests: one look-up, one download each.
    await download(image.media.url);
    assert.deepEqual(w.sim.mediaCalls(image.content.media.id), { lookups: 1, downloads: 1 });
    assert.deepEqual(w.sim.mediaCalls(doc.content.media.id), { lookups: 1, downloads: 1 });
  });

  test('an agent who cannot see the conversation gets 404; once assigned, the file', async () => {
    const image = mediaMessage('image');
    const rita = await agentSession(w, 'rita.media@example.com', { visibility: 'assigned_and_team' });
    const hidden = await download(image.media.url, rita.cookie);
    assert.equal(hidden.status, 404);
    assert.equal((await hidden.json()).error.code, 'media_not_found');
    assert.equal((await w.api('POST', `/api/v1/conversations/${conversationId}/assign`, { user_id: rita.user.id })).status, 200);
    const seen = await download(image.media.url, rita.cookie);
    assert.equal(seen.status, 200);
    assert.deepEqual(Buffer.from(await seen.arrayBuffer()), JPEG);
  });

  test('unknown and malformed ids are 404 media_not_found', async () => {
    for (const id of ['msg_doesnotexist', '..%2F..%2Fetc%2Fpasswd', `msg_${'a'.repeat(90)}`]) {
      const res = await download(`/api/v1/media/${id}`);
      assert.equal(res.status, 404, id);
      assert.equal((await res.json()).error.code, 'media_not_found');
    }
  });

  test('a deleted file is fetched again from WhatsApp; gone there too, 410 media_expired', async () => {
    const image = mediaMessage('image');
    rmSync(join(w.dataDir, 'media', image.id));
    const again = await download(image.media.url);
    assert.equal(again.status, 200);
    assert.deepEqual(Buffer.from(await again.arrayBuffer()), JPEG);
    assert.deepEqual(w.sim.mediaCalls(image.content.media.id), { lookups: 2, downloads: 2 });

    // WhatsApp deletes it (as it does after its retention), and our copy is gone as well.
    const del = await fetch(`${w.sim.graphBaseUrl}/v21.0/${image.content.media.id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${SECRETS.accessToken}` },
    });
    assert.equal(del.status, 200);
    rmSync(join(w.dataDir, 'media', image.id));
    const gone = await download(image.media.url);
    assert.equal(gone.status, 410);
    assert.equal((await gone.json()).error.code, 'media_expired');
  });

  test('over MEDIA_MAX_BYTES: the message is stored, the file is not kept, 422 media_too_large', async () => {
    const big = messages.find((x) => x.kind === 'document' && x.media.filename === 'enorme.pdf');
    assert.ok(big, 'the message itself is stored');
    assert.ok(!existsSync(join(w.dataDir, 'media', big.id)));
    const res = await download(big.media.url);
    assert.equal(res.status, 422);
    assert.equal((await res.json()).error.code, 'media_too_large');
    const row = await w.app.deps.storage.db
      .selectFrom('media_files')
      .selectAll()
      .where('message_id', '=', big.id)
      .executeTakeFirstOrThrow();
    assert.equal(row.status, 'too_large');
    assert.equal(w.sim.mediaCalls(big.content.media.id).downloads, 1, 'not asked for again');
  });

  test('the retention sweep deletes files older than MEDIA_RETENTION_DAYS; they answer 410', async () => {
    const doc = messages.find((x) => x.kind === 'document' && x.media.filename === 'factura marzo.pdf');
    const path = join(w.dataDir, 'media', doc.id);
    assert.ok(existsSync(path));
    assert.equal(await sweepCustomerMedia(w.app.deps), 0, 'nothing is old yet');
    assert.ok(existsSync(path));
    w.clock.advance(31 * DAY);
    assert.equal(await sweepCustomerMedia(w.app.deps), 1);
    assert.ok(!existsSync(path));
    const res = await download(doc.media.url);
    assert.equal(res.status, 410);
    assert.equal((await res.json()).error.code, 'media_expired');
    assert.equal(w.sim.mediaCalls(doc.content.media.id).downloads, 1, 'retention is not undone by fetching again');
  });
});
