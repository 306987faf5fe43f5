import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createWhatsAppCloudAdapter, type WhatsAppCloudAdapter } from './whatsapp-cloud-adapter.ts';
import { startRecordingGraphServer, type RecordingGraphServer } from './recording-graph-server.ts';

const TOKEN = 'media-token';
const PNID = '106540352242922';
const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 4, 5]);

let server: RecordingGraphServer;
let adapter: WhatsAppCloudAdapter;

before(async () => {
  server = await startRecordingGraphServer((req) => {
    if (req.method === 'POST' && req.path === `/v21.0/${PNID}/media`) return { status: 200, body: { id: '1037543291543636' } };
    if (req.method === 'GET' && req.path === `/v21.0/1037543291543636?phone_number_id=${PNID}`) {
      return {
        status: 200,
        body: {
          messaging_product: 'whatsapp',
          url: `${server.url}/media/download?mid=1037543291543636`,
          mime_type: 'image/jpeg',
          sha256: 'abc=',
          file_size: String(JPEG.length),
          id: '1037543291543636',
        },
      };
    }
    if (req.method === 'GET' && req.path === '/media/download?mid=1037543291543636') {
      if (req.headers.authorization !== `Bearer ${TOKEN}`) return { status: 401, body: 'no token' };
      return { status: 200, body: JPEG, headers: { 'content-type': 'image/jpeg' } };
    }
    if (req.method === 'GET' && req.path.startsWith('/v21.0/404'))
      return { status: 400, body: { error: { message: '(#100) Invalid parameter', code: 100, type: 'OAuthException' } } };
    return { status: 404, body: 'not found' };
  });
  adapter = createWhatsAppCloudAdapter({ graphUrl: server.url, apiVersion: 'v21.0', phoneNumberId: PNID, accessToken: TOKEN });
});
after(async () => {
  await adapter.close();
  await server.close();
});

test('uploadMedia posts multipart with messaging_product, type and the file', async () => {
  assert.deepEqual(await adapter.uploadMedia({ data: JPEG, mimeType: 'image/jpeg', filename: 'photo.jpg' }), {
    ok: true,
    id: '1037543291543636',
  });
  const req = server.requests.at(-1);
  assert.ok(req);
  assert.equal(req.headers.authorization, `Bearer ${TOKEN}`);
  assert.match(String(req.headers['content-type']), /^multipart\/form-data; boundary=/);
  const form = await new Response(new Uint8Array(req.body), {
    headers: { 'content-type': String(req.headers['content-type']) },
  }).formData();
  assert.equal(form.get('messaging_product'), 'whatsapp');
  assert.equal(form.get('type'), 'image/jpeg');
  const file = form.get('file');
  assert.ok(file instanceof Blob);
  assert.deepEqual(Buffer.from(await file.arrayBuffer()), JPEG);
  assert.ok(file instanceof File && file.name === 'photo.jpg');
});

test('getMediaUrl returns the short-lived URL and metadata', async () => {
  assert.deepEqual(await adapter.getMediaUrl('1037543291543636'), {
    ok: true,
    id: '1037543291543636',
    url: `${server.url}/media/download?mid=1037543291543636`,
    mimeType: 'image/jpeg',
    sha256: 'abc=',
    fileSize: JPEG.length,
  });
  const failed = await adapter.getMediaUrl('404');
  assert.ok(!failed.ok && failed.code === 'whatsapp_100' && !failed.retryable);
});

test('downloadMedia by id (look-up, then download with the token) and by URL', async () => {
  assert.deepEqual(await adapter.downloadMedia({ mediaId: '1037543291543636' }), { ok: true, data: JPEG, mimeType: 'image/jpeg' });
  assert.equal(server.requests.at(-1)?.headers.authorization, `Bearer ${TOKEN}`);
  assert.deepEqual(await adapter.downloadMedia({ url: `${server.url}/media/download?mid=1037543291543636` }), {
    ok: true,
    data: JPEG,
    mimeType: 'image/jpeg',
  });
});

test('downloadMedia limits: size cap, no token over plain http elsewhere, HTTP errors', async () => {
  const tooBig = await adapter.downloadMedia({ mediaId: '1037543291543636' }, { maxBytes: 4 });
  assert.ok(!tooBig.ok && tooBig.code === 'media_too_large' && !tooBig.retryable);
  const before = server.requests.length;
  const insecure = await adapter.downloadMedia({ url: 'http://evil.example/steal' });
  assert.ok(!insecure.ok && insecure.code === 'insecure_media_url');
  assert.equal(server.requests.length, before);
  const gone = await adapter.downloadMedia({ url: `${server.url}/media/expired` });
  assert.ok(!gone.ok && gone.code === 'http_404');
});
