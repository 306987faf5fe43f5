import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { forEachDialect } from '../support/dialects.ts';
import { startWorld, type World } from '../support/test-world.ts';
import { agentSession } from './agents-http.ts';

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');

/**
 * Media we sent by media_id (an upload through POST /api/v1/media) is viewable like a customer's:
 * the message links GET /api/v1/media/:id, which fetches the upload back from the (simulated)
 * Graph API once, keeps it, and serves it only to callers who may see the conversation.
 */
forEachDialect('sent media', (dialect) => {
  let w: World;
  let conversationId: string;

  before(async () => {
    w = await startWorld({ dialect, config: { demoBot: false } });
    await w.sim.customer('5215550300077', 'Sara Envíos').sendText('¿me mandas la foto?');
    await w.settle();
    conversationId = (await w.api('GET', '/api/v1/conversations')).body.data[0].id;
  });
  after(async () => {
    await w?.stop();
  });

  const upload = async (bytes: Buffer, type: string) => {
    const res = await fetch(`${w.app.url}/api/v1/media`, {
      method: 'POST',
      headers: { authorization: `Bearer ${w.config.adminToken}`, 'content-type': type },
      body: new Uint8Array(bytes),
    });
    assert.equal(res.status, 201);
    return ((await res.json()) as { id: string }).id;
  };
  const download = (path: string, cookie?: string) =>
    fetch(`${w.app.url}${path}`, { headers: cookie ? { cookie } : { authorization: `Bearer ${w.config.adminToken}` } });
  const sentMessage = async (text: string) => {
    const messages = (await w.api('GET', `/api/v1/conversations/${conversationId}`)).body.messages;
    const m = messages.find((x: any) => x.direction === 'out' && x.text === text);
    assert.ok(m, `the sent message "${text}"`);
    return m;
  };

  test('a photo we uploaded and sent links its file; it streams with its type, fetched back from WhatsApp once; a hidden conversation answers 404', async () => {
    const mediaId = await upload(PNG, 'image/png');
    const sent = await w.api('POST', `/api/v1/conversations/${conversationId}/messages`, {
      type: 'image',
      media_id: mediaId,
      caption: 'la foto del equipo',
    });
    assert.equal(sent.status, 202);
    await w.settle();
    const m = await sentMessage('la foto del equipo');
    assert.deepEqual(m.media, { url: `/api/v1/media/${m.id}`, mime_type: null, filename: null });

    const rita = await agentSession(w, 'rita.sent@example.com', { visibility: 'assigned_and_team' });
    const hidden = await download(m.media.url, rita.cookie);
    assert.equal(hidden.status, 404);
    assert.equal(((await hidden.json()) as any).error.code, 'media_not_found');
    assert.deepEqual(w.sim.mediaCalls(mediaId), { lookups: 0, downloads: 0 }, 'nothing asked of WhatsApp for a caller who may not see it');

    const res = await download(m.media.url);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'image/png');
    assert.match(res.headers.get('content-disposition') ?? '', /^inline; filename="image-msg_/);
    assert.deepEqual(Buffer.from(await res.arrayBuffer()), PNG);
    assert.ok(existsSync(join(w.dataDir, 'media', m.id)), 'kept in DATA_DIR/media');
    assert.equal((await download(m.media.url)).status, 200);
    assert.deepEqual(w.sim.mediaCalls(mediaId), { lookups: 1, downloads: 1 }, 'fetched back once, then served from the copy');

    assert.equal((await w.api('POST', `/api/v1/conversations/${conversationId}/assign`, { user_id: rita.user.id })).status, 200);
    const seen = await download(m.media.url, rita.cookie);
    assert.equal(seen.status, 200, 'once assigned, the agent gets the file');
    assert.deepEqual(Buffer.from(await seen.arrayBuffer()), PNG);
  });

  test('a document keeps its file name; media sent by link and text have no media link', async () => {
    const pdf = Buffer.from('%PDF-1.4\n% a quote we sent\n%%EOF\n');
    const mediaId = await upload(pdf, 'application/pdf');
    const sent = await w.api('POST', `/api/v1/conversations/${conversationId}/messages`, {
      type: 'document',
      media_id: mediaId,
      filename: 'cotización.pdf',
      caption: 'la cotización',
    });
    assert.equal(sent.status, 202);
    await w.api('POST', `/api/v1/conversations/${conversationId}/messages`, {
      type: 'image',
      link: 'https://example.com/catalogo.png',
      caption: 'el catálogo',
    });
    await w.api('POST', `/api/v1/conversations/${conversationId}/messages`, { text: 'solo texto' });
    await w.settle();
    const doc = await sentMessage('la cotización');
    assert.equal(doc.media.filename, 'cotización.pdf');
    const res = await download(doc.media.url);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/pdf');
    assert.match(res.headers.get('content-disposition') ?? '', /^attachment; .*filename\*=UTF-8''cotizaci%C3%B3n\.pdf$/);
    assert.deepEqual(Buffer.from(await res.arrayBuffer()), pdf);
    assert.equal((await sentMessage('el catálogo')).media, null);
    const text = await sentMessage('solo texto');
    assert.equal(text.media, null);
    const none = await download(`/api/v1/media/${text.id}`);
    assert.equal(none.status, 404);
    assert.equal(((await none.json()) as any).error.code, 'media_not_found');
  });
});
