import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import type { OutboundRequest } from '../channel-types.ts';
import type { ChannelAdapter } from '../channel-adapter.ts';
import { createWhatsAppCloudAdapter, type WhatsAppCloudAdapter } from './whatsapp-cloud-adapter.ts';
import { startRecordingGraphServer, type RecordingGraphServer } from './recording-graph-server.ts';

const TOKEN = 'EAAG-test-token-123';
const PNID = '106540352242922';

let server: RecordingGraphServer;
let adapter: WhatsAppCloudAdapter;
let sent = 0;

before(async () => {
  server = await startRecordingGraphServer((req) => {
    const body: unknown = JSON.parse(req.body.toString('utf8'));
    if (typeof body === 'object' && body !== null && 'status' in body) return { status: 200, body: { success: true } };
    sent++;
    return {
      status: 200,
      body: {
        messaging_product: 'whatsapp',
        contacts: [{ input: '+16505551234', wa_id: '16505551234' }],
        messages: [{ id: `wamid.OUT${sent}` }],
      },
    };
  });
  adapter = createWhatsAppCloudAdapter({ graphUrl: server.url, apiVersion: 'v21.0', phoneNumberId: PNID, accessToken: TOKEN });
});
after(async () => {
  await adapter.close();
  await server.close();
});

const ENVELOPE = { messaging_product: 'whatsapp', recipient_type: 'individual', to: '+16505551234' };

// Every OutboundContent type and the exact Cloud API JSON it must produce (reference §5.2).
const cases: Array<[string, OutboundRequest, Record<string, unknown>]> = [
  ['text', { to: '+16505551234', content: { type: 'text', text: 'Hello' } }, { type: 'text', text: { preview_url: false, body: 'Hello' } }],
  [
    'text with preview, reply and tracking',
    {
      to: '+16505551234',
      content: { type: 'text', text: 'See https://x.io', previewUrl: true },
      replyTo: 'wamid.USER',
      bizOpaqueCallbackData: 'order-42',
    },
    {
      context: { message_id: 'wamid.USER' },
      biz_opaque_callback_data: 'order-42',
      type: 'text',
      text: { preview_url: true, body: 'See https://x.io' },
    },
  ],
  [
    'image by id',
    { to: '+16505551234', content: { type: 'image', mediaId: '1037543291543636', caption: 'optional' } },
    { type: 'image', image: { id: '1037543291543636', caption: 'optional' } },
  ],
  [
    'video by link',
    { to: '+16505551234', content: { type: 'video', link: 'https://cdn.example/a.mp4', caption: 'clip' } },
    { type: 'video', video: { link: 'https://cdn.example/a.mp4', caption: 'clip' } },
  ],
  [
    'document',
    { to: '+16505551234', content: { type: 'document', mediaId: '55', caption: 'Your invoice', filename: 'invoice.pdf' } },
    { type: 'document', document: { id: '55', caption: 'Your invoice', filename: 'invoice.pdf' } },
  ],
  [
    'audio voice note',
    { to: '+16505551234', content: { type: 'audio', mediaId: '66', voice: true } },
    { type: 'audio', audio: { id: '66', voice: true } },
  ],
  [
    'sticker',
    { to: '+16505551234', content: { type: 'sticker', link: 'https://cdn.example/s.webp' } },
    { type: 'sticker', sticker: { link: 'https://cdn.example/s.webp' } },
  ],
  [
    'location',
    {
      to: '+16505551234',
      content: { type: 'location', latitude: 37.44, longitude: -122.16, name: 'Philz Coffee', address: '101 Forest Ave, Palo Alto' },
    },
    { type: 'location', location: { latitude: 37.44, longitude: -122.16, name: 'Philz Coffee', address: '101 Forest Ave, Palo Alto' } },
  ],
  [
    'contacts',
    {
      to: '+16505551234',
      content: {
        type: 'contacts',
        contacts: [
          {
            name: { formatted_name: 'John Smith', first_name: 'John' },
            phones: [{ phone: '+1 555 0100', type: 'WORK', wa_id: '15550100' }],
          },
        ],
      },
    },
    {
      type: 'contacts',
      contacts: [
        { name: { formatted_name: 'John Smith', first_name: 'John' }, phones: [{ phone: '+1 555 0100', type: 'WORK', wa_id: '15550100' }] },
      ],
    },
  ],
  [
    'reaction',
    { to: '+16505551234', content: { type: 'reaction', messageId: 'wamid.USER', emoji: '\u{1F44D}' } },
    { type: 'reaction', reaction: { message_id: 'wamid.USER', emoji: '\u{1F44D}' } },
  ],
  [
    'reply buttons',
    {
      to: '+16505551234',
      content: {
        type: 'buttons',
        header: 'Workshop',
        body: 'Your workshop is at 9am. Reschedule?',
        footer: 'Lucky Shrub',
        buttons: [
          { id: 'change-button', title: 'Change' },
          { id: 'cancel-button', title: 'Cancel' },
        ],
      },
    },
    {
      type: 'interactive',
      interactive: {
        type: 'button',
        header: { type: 'text', text: 'Workshop' },
        body: { text: 'Your workshop is at 9am. Reschedule?' },
        footer: { text: 'Lucky Shrub' },
        action: {
          buttons: [
            { type: 'reply', reply: { id: 'change-button', title: 'Change' } },
            { type: 'reply', reply: { id: 'cancel-button', title: 'Cancel' } },
          ],
        },
      },
    },
  ],
  [
    'list',
    {
      to: '+16505551234',
      content: {
        type: 'list',
        header: 'Choose Shipping Option',
        body: 'Which shipping option do you prefer?',
        footer: 'Lucky Shrub',
        button: 'Shipping Options',
        sections: [
          {
            title: 'I want it ASAP!',
            rows: [
              { id: 'priority_express', title: 'Priority Mail Express', description: 'Next Day to 2 Days' },
              { id: 'priority', title: 'Priority Mail' },
            ],
          },
        ],
      },
    },
    {
      type: 'interactive',
      interactive: {
        type: 'list',
        header: { type: 'text', text: 'Choose Shipping Option' },
        body: { text: 'Which shipping option do you prefer?' },
        footer: { text: 'Lucky Shrub' },
        action: {
          button: 'Shipping Options',
          sections: [
            {
              title: 'I want it ASAP!',
              rows: [
                { id: 'priority_express', title: 'Priority Mail Express', description: 'Next Day to 2 Days' },
                { id: 'priority', title: 'Priority Mail' },
              ],
            },
          ],
        },
      },
    },
  ],
  [
    'cta_url',
    {
      to: '+16505551234',
      content: { type: 'cta_url', body: 'Tap to see dates.', displayText: 'See Dates', url: 'https://www.luckyshrub.com?clickID=kqDG' },
    },
    {
      type: 'interactive',
      interactive: {
        type: 'cta_url',
        body: { text: 'Tap to see dates.' },
        action: { name: 'cta_url', parameters: { display_text: 'See Dates', url: 'https://www.luckyshrub.com?clickID=kqDG' } },
      },
    },
  ],
  [
    'template',
    {
      to: '+16505551234',
      content: {
        type: 'template',
        name: 'order_confirmation',
        language: 'en_US',
        components: [
          { type: 'body', parameters: [{ type: 'text', text: 'Jessica' }] },
          { type: 'button', sub_type: 'quick_reply', index: '0', parameters: [{ type: 'payload', payload: 'UNSUB_PROMO' }] },
        ],
      },
    },
    {
      type: 'template',
      template: {
        name: 'order_confirmation',
        language: { code: 'en_US' },
        components: [
          { type: 'body', parameters: [{ type: 'text', text: 'Jessica' }] },
          { type: 'button', sub_type: 'quick_reply', index: '0', parameters: [{ type: 'payload', payload: 'UNSUB_PROMO' }] },
        ],
      },
    },
  ],
];

test('send: the exact JSON, path and headers for every content type, over one keep-alive connection', async () => {
  const first = server.requests.length;
  for (const [name, req, expected] of cases) {
    const result = await adapter.send(req);
    assert.deepEqual(result, { ok: true, externalId: `wamid.OUT${sent}`, recipientId: '16505551234' }, name);
    const recorded = server.requests.at(-1);
    assert.ok(recorded);
    assert.equal(recorded.method, 'POST', name);
    assert.equal(recorded.path, `/v21.0/${PNID}/messages`, name);
    assert.equal(recorded.headers.authorization, `Bearer ${TOKEN}`, name);
    assert.equal(recorded.headers['content-type'], 'application/json', name);
    assert.deepEqual(JSON.parse(recorded.body.toString('utf8')), { ...ENVELOPE, ...expected }, name);
  }
  // undici waits one event-loop turn before reusing a socket (pipelining 1), so back-to-back
  // requests alternate over two connections; what matters is that none opens a new one each time.
  const sockets = new Set(server.requests.slice(first).map((r) => r.socketId));
  assert.ok(sockets.size <= 2, `${cases.length} requests used ${sockets.size} connections`);
});

test('keep-alive: consecutive requests go over the same socket', async () => {
  await new Promise((resolve) => setImmediate(resolve));
  const first = server.requests.length;
  for (let i = 0; i < 5; i++) {
    assert.equal((await adapter.send({ to: '1', content: { type: 'text', text: `n${i}` } })).ok, true);
    await new Promise((resolve) => setImmediate(resolve));
  }
  const ids = server.requests.slice(first).map((r) => r.socketId);
  assert.equal(ids.length, 5);
  assert.equal(new Set(ids).size, 1, `sockets used: ${ids.join(',')}`);
  assert.notEqual(server.requests.at(-1)?.headers.connection, 'close');
});

test('markRead, with and without a typing indicator', async () => {
  assert.deepEqual(await adapter.markRead('wamid.USER'), { ok: true });
  assert.deepEqual(JSON.parse(server.requests.at(-1)?.body.toString('utf8') ?? ''), {
    messaging_product: 'whatsapp',
    status: 'read',
    message_id: 'wamid.USER',
  });
  assert.deepEqual(await adapter.markRead('wamid.USER', { typing: true }), { ok: true });
  assert.deepEqual(JSON.parse(server.requests.at(-1)?.body.toString('utf8') ?? ''), {
    messaging_product: 'whatsapp',
    status: 'read',
    message_id: 'wamid.USER',
    typing_indicator: { type: 'text' },
  });
  assert.equal(server.requests.at(-1)?.path, `/v21.0/${PNID}/messages`);
});

test('media without id or link is refused locally as a permanent invalid_request', async () => {
  const before = server.requests.length;
  const r = await adapter.send({ to: '1', content: { type: 'image', caption: 'no source' } });
  assert.deepEqual(r, { ok: false, retryable: false, code: 'invalid_request', message: 'image message needs mediaId or link' });
  assert.equal(server.requests.length, before, 'nothing was sent');
});

test('the adapter is a ChannelAdapter and never shows its token', () => {
  const asContract: ChannelAdapter = adapter;
  assert.equal(asContract.channel, 'whatsapp');
  assert.equal(asContract.accountId, PNID);
  assert.deepEqual(asContract.capabilities, {
    lists: true,
    templates: true,
    reactions: true,
    readReceipts: true,
    serviceWindow: true,
    edits: true,
    uploads: true,
    customerGapMs: 6000,
    messagingTier: true,
  });
  assert.ok(!inspect(adapter, { depth: 10, showHidden: true }).includes(TOKEN));
  assert.ok(!JSON.stringify(adapter).includes(TOKEN));
});

test('bad configuration fails at construction without echoing the token', () => {
  assert.throws(
    () => createWhatsAppCloudAdapter({ graphUrl: server.url, apiVersion: 'v21.0', phoneNumberId: PNID, accessToken: 'bad\ntoken' }),
    (e: unknown) => e instanceof Error && !e.message.includes('bad\ntoken'),
  );
  assert.throws(
    () => createWhatsAppCloudAdapter({ graphUrl: server.url, apiVersion: '21', phoneNumberId: PNID, accessToken: TOKEN }),
    /apiVersion/,
  );
  assert.throws(
    () => createWhatsAppCloudAdapter({ graphUrl: server.url, apiVersion: 'v21.0', phoneNumberId: 'abc', accessToken: TOKEN }),
    /phoneNumberId/,
  );
});
