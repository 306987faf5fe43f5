import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Simulator } from '../../src/simulator/index.ts';
import { graph, send, testSimulator, TOKEN } from './helpers.ts';

const CUSTOMER = '16505551234';
let sim: Simulator;
let inboundWamid = '';
const media: Record<string, string> = {};

async function upload(mime: string, bytes: Uint8Array | string): Promise<string> {
  const form = new FormData();
  form.append('messaging_product', 'whatsapp');
  form.append('file', new Blob([typeof bytes === 'string' ? bytes : Buffer.from(bytes)], { type: mime }), 'f');
  const res = await fetch(`${sim.graphBaseUrl}/v21.0/${sim.phoneNumberId}/media`, {
    method: 'POST',
    body: form,
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  const json = (await res.json()) as { id: string };
  assert.equal(res.status, 200, JSON.stringify(json));
  return json.id;
}

before(async () => {
  sim = await testSimulator({
    pairRateLimit: false,
    throughputPerSecond: 10_000,
    seedTemplates: [
      {
        name: 'hello_world',
        language: 'en_US',
        category: 'UTILITY',
        components: [{ type: 'BODY', text: 'Hello, this is a test message from us.' }],
      },
      {
        name: 'greeting',
        language: 'en',
        category: 'UTILITY',
        components: [
          { type: 'HEADER', format: 'TEXT', text: 'For {{1}}' },
          { type: 'BODY', text: 'Hello {{1}}, welcome back.' },
        ],
      },
    ],
  });
  inboundWamid = await sim.customer(CUSTOMER, 'Sheena').sendText('hi');
  media.image = await upload('image/jpeg', 'jpegbytes');
  media.audio = await upload('audio/ogg', 'oggbytes');
  media.video = await upload('video/mp4', 'mp4bytes');
  media.doc = await upload('application/pdf', '%PDF-1.4');
  media.sticker = await upload('image/webp', 'RIFFwebp');
});
after(() => sim.close());

const long = (n: number) => 'x'.repeat(n);
const btn = (id: string, title: string) => ({ type: 'reply', reply: { id, title } });
const rows = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `r${i}`, title: `Row ${i}` }));
const buttonMsg = (action: unknown, extra: Record<string, unknown> = {}) => ({
  type: 'interactive',
  interactive: { type: 'button', body: { text: 'Pick one' }, action, ...extra },
});
const listMsg = (action: unknown) => ({ type: 'interactive', interactive: { type: 'list', body: { text: 'Choose' }, action } });
const cta = (params: unknown) => ({
  type: 'interactive',
  interactive: { type: 'cta_url', body: { text: 'See dates' }, action: { name: 'cta_url', parameters: params } },
});

const tpl = (header: string, body: string) => ({
  type: 'template',
  template: {
    name: 'greeting',
    language: { code: 'en' },
    components: [
      { type: 'header', parameters: [{ type: 'text', text: header }] },
      { type: 'body', parameters: [{ type: 'text', text: body }] },
    ],
  },
});

type Case = [name: string, body: () => Record<string, unknown>];

const valid: Case[] = [
  ['text', () => ({ type: 'text', text: { body: 'Hello' } })],
  ['text with preview_url', () => ({ type: 'text', text: { preview_url: true, body: 'See https://example.com' } })],
  ['type defaults to text', () => ({ text: { body: 'no type' } })],
  ['text at 4096 chars', () => ({ type: 'text', text: { body: long(4096) } })],
  ['image by id', () => ({ type: 'image', image: { id: media.image, caption: 'A photo' } })],
  ['image by link', () => ({ type: 'image', image: { link: 'https://example.com/a.png' } })],
  ['audio voice by id', () => ({ type: 'audio', audio: { id: media.audio, voice: true } })],
  ['audio by link', () => ({ type: 'audio', audio: { link: 'https://example.com/a.mp3' } })],
  ['video by id', () => ({ type: 'video', video: { id: media.video, caption: 'clip' } })],
  ['video by link', () => ({ type: 'video', video: { link: 'https://example.com/a.mp4', caption: 'clip' } })],
  ['document by id', () => ({ type: 'document', document: { id: media.doc, filename: 'invoice.pdf', caption: 'Invoice' } })],
  ['document by link', () => ({ type: 'document', document: { link: 'https://example.com/invoice.pdf', filename: 'invoice.pdf' } })],
  ['image uploaded as document', () => ({ type: 'document', document: { id: media.image } })],
  ['sticker by id', () => ({ type: 'sticker', sticker: { id: media.sticker } })],
  ['sticker by link', () => ({ type: 'sticker', sticker: { link: 'https://example.com/s.webp' } })],
  ['location', () => ({ type: 'location', location: { latitude: 37.44, longitude: -122.16, name: 'Philz', address: '101 Forest Ave' } })],
  [
    'contacts',
    () => ({
      type: 'contacts',
      contacts: [{ name: { formatted_name: 'John Smith', first_name: 'John' }, phones: [{ phone: '+1 555 0100', type: 'WORK' }] }],
    }),
  ],
  ['reaction', () => ({ type: 'reaction', reaction: { message_id: inboundWamid, emoji: '👍' } })],
  ['reaction with ZWJ emoji', () => ({ type: 'reaction', reaction: { message_id: inboundWamid, emoji: '👩‍💻' } })],
  ['reaction removal', () => ({ type: 'reaction', reaction: { message_id: inboundWamid, emoji: '' } })],
  [
    'reply buttons with image header and footer',
    () =>
      buttonMsg(
        { buttons: [btn('a', 'Yes'), btn('b', 'No'), btn('c', long(20))] },
        { header: { type: 'image', image: { id: media.image } }, footer: { text: 'Lucky Shrub' } },
      ),
  ],
  [
    'list with 10 rows in 2 sections',
    () =>
      listMsg({
        button: 'Options',
        sections: [
          { title: 'A', rows: rows(5) },
          { title: 'B', rows: rows(10).slice(5) },
        ],
      }),
  ],
  [
    'list row limits at max',
    () => listMsg({ button: long(20), sections: [{ title: long(24), rows: [{ id: long(200), title: long(24), description: long(72) }] }] }),
  ],
  ['cta_url', () => cta({ display_text: 'See Dates', url: 'https://www.luckyshrub.com?clickID=kqDG' })],
  [
    'location request',
    () => ({
      type: 'interactive',
      interactive: { type: 'location_request_message', body: { text: 'Share your location' }, action: { name: 'send_location' } },
    }),
  ],
  ['template', () => ({ type: 'template', template: { name: 'hello_world', language: { code: 'en_US' } } })],
  ['template with header and body parameters at their limits', () => tpl('x'.repeat(60), 'y'.repeat(1024))],
  ['reply context', () => ({ type: 'text', context: { message_id: inboundWamid }, text: { body: 'quoted' } })],
  ['biz_opaque_callback_data', () => ({ type: 'text', biz_opaque_callback_data: 'order-42', text: { body: 'tracked' } })],
  ['to with + and formatting', () => ({ to: '+1 (650) 555-1234', type: 'text', text: { body: 'formatted' } })],
];

for (const [name, body] of valid) {
  test(`accepts ${name}`, async () => {
    const r = await send(sim, { to: CUSTOMER, ...body() });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal(r.json.messaging_product, 'whatsapp');
    assert.equal(r.json.contacts[0].wa_id, CUSTOMER);
    assert.match(r.json.messages[0].id, /^wamid\.[A-Za-z0-9+/=]+$/);
  });
}

const invalid: Array<[name: string, code: number, body: () => Record<string, unknown>]> = [
  ['missing to', 131008, () => ({ to: undefined, type: 'text', text: { body: 'x' } })],
  ['unknown type', 131051, () => ({ type: 'poll', poll: {} })],
  ['text without body', 131008, () => ({ type: 'text', text: {} })],
  ['text object missing', 131008, () => ({ type: 'text' })],
  ['text over 4096', 100, () => ({ type: 'text', text: { body: long(4097) } })],
  ['text body not a string', 100, () => ({ type: 'text', text: { body: 42 } })],
  ['preview_url not boolean', 100, () => ({ type: 'text', text: { body: 'x', preview_url: 'yes' } })],
  ['unknown text field', 100, () => ({ type: 'text', text: { body: 'x', bdy: 'y' } })],
  ['image with id and link', 131009, () => ({ type: 'image', image: { id: media.image, link: 'https://example.com/a.png' } })],
  ['image with neither id nor link', 131008, () => ({ type: 'image', image: { caption: 'x' } })],
  ['image unknown id', 131053, () => ({ type: 'image', image: { id: '123456789' } })],
  ['image id of an audio file', 131053, () => ({ type: 'image', image: { id: media.audio } })],
  ['sticker id of a jpeg', 131053, () => ({ type: 'sticker', sticker: { id: media.image } })],
  ['image link not http(s)', 131009, () => ({ type: 'image', image: { link: 'ftp://example.com/a.png' } })],
  ['caption over 1024', 100, () => ({ type: 'image', image: { link: 'https://example.com/a.png', caption: long(1025) } })],
  ['audio with caption', 100, () => ({ type: 'audio', audio: { id: media.audio, caption: 'no' } })],
  ['audio link not a URL', 131009, () => ({ type: 'audio', audio: { link: 'a.mp3' } })],
  ['audio voice not boolean', 100, () => ({ type: 'audio', audio: { id: media.audio, voice: 'yes' } })],
  ['video id of a pdf', 131053, () => ({ type: 'video', video: { id: media.doc } })],
  ['video with neither id nor link', 131008, () => ({ type: 'video', video: {} })],
  ['video not an object', 100, () => ({ type: 'video', video: 'https://example.com/a.mp4' })],
  ['document with id and link', 131009, () => ({ type: 'document', document: { id: media.doc, link: 'https://example.com/a.pdf' } })],
  ['document filename not a string', 100, () => ({ type: 'document', document: { id: media.doc, filename: 7 } })],
  ['document id of a sticker', 131053, () => ({ type: 'document', document: { id: media.sticker } })],
  ['sticker with caption', 100, () => ({ type: 'sticker', sticker: { id: media.sticker, caption: 'no' } })],
  ['sticker link not http(s)', 131009, () => ({ type: 'sticker', sticker: { link: 'file:///s.webp' } })],
  ['location longitude missing', 131008, () => ({ type: 'location', location: { latitude: 1 } })],
  ['location latitude not a number', 131009, () => ({ type: 'location', location: { latitude: '37.4', longitude: 1 } })],
  ['contacts not an array', 131008, () => ({ type: 'contacts', contacts: { name: { formatted_name: 'J' } } })],
  ['contact phones not a list', 100, () => ({ type: 'contacts', contacts: [{ name: { formatted_name: 'J' }, phones: 'x' }] })],
  ['location without latitude', 131008, () => ({ type: 'location', location: { longitude: 1 } })],
  ['location latitude out of range', 131009, () => ({ type: 'location', location: { latitude: 91, longitude: 1 } })],
  ['contacts empty', 131008, () => ({ type: 'contacts', contacts: [] })],
  ['contact without formatted_name', 131008, () => ({ type: 'contacts', contacts: [{ name: { first_name: 'J' } }] })],
  ['reaction with two emojis', 131009, () => ({ type: 'reaction', reaction: { message_id: inboundWamid, emoji: '👍👍' } })],
  ['reaction with text', 131009, () => ({ type: 'reaction', reaction: { message_id: inboundWamid, emoji: 'ok' } })],
  ['reaction without message_id', 131008, () => ({ type: 'reaction', reaction: { emoji: '👍' } })],
  ['reaction to an unknown message', 131009, () => ({ type: 'reaction', reaction: { message_id: 'wamid.nope', emoji: '👍' } })],
  ['four reply buttons', 131009, () => buttonMsg({ buttons: [btn('a', 'A'), btn('b', 'B'), btn('c', 'C'), btn('d', 'D')] })],
  ['zero reply buttons', 131009, () => buttonMsg({ buttons: [] })],
  ['button title over 20', 131009, () => buttonMsg({ buttons: [btn('a', long(21))] })],
  ['duplicate button titles', 131009, () => buttonMsg({ buttons: [btn('a', 'Same'), btn('b', 'Same')] })],
  ['duplicate button ids', 131009, () => buttonMsg({ buttons: [btn('a', 'One'), btn('a', 'Two')] })],
  ['button id over 256', 131009, () => buttonMsg({ buttons: [btn(long(257), 'One')] })],
  ['button type not reply', 131009, () => buttonMsg({ buttons: [{ type: 'url', reply: { id: 'a', title: 'A' } }] })],
  [
    'interactive without body',
    131008,
    () => ({ type: 'interactive', interactive: { type: 'button', action: { buttons: [btn('a', 'A')] } } }),
  ],
  [
    'button body over 1024',
    131009,
    () => ({ type: 'interactive', interactive: { type: 'button', body: { text: long(1025) }, action: { buttons: [btn('a', 'A')] } } }),
  ],
  ['footer over 60', 131009, () => buttonMsg({ buttons: [btn('a', 'A')] }, { footer: { text: long(61) } })],
  ['header text over 60', 131009, () => buttonMsg({ buttons: [btn('a', 'A')] }, { header: { type: 'text', text: long(61) } })],
  [
    'list with 11 rows',
    131009,
    () =>
      listMsg({
        button: 'Options',
        sections: [
          { title: 'A', rows: rows(6) },
          {
            title: 'B',
            rows: rows(11)
              .slice(6)
              .map((r) => ({ ...r, id: `${r.id}x` })),
          },
        ],
      }),
  ],
  ['list row title over 24', 131009, () => listMsg({ button: 'Options', sections: [{ rows: [{ id: 'a', title: long(25) }] }] })],
  [
    'list row description over 72',
    131009,
    () => listMsg({ button: 'Options', sections: [{ rows: [{ id: 'a', title: 'A', description: long(73) }] }] }),
  ],
  ['list section title over 24', 131009, () => listMsg({ button: 'Options', sections: [{ title: long(25), rows: rows(1) }] })],
  ['list button label over 20', 131009, () => listMsg({ button: long(21), sections: [{ rows: rows(1) }] })],
  [
    'list sections without titles',
    131008,
    () => listMsg({ button: 'Options', sections: [{ rows: rows(1) }, { rows: [{ id: 'z', title: 'Z' }] }] }),
  ],
  [
    'list with image header',
    131009,
    () => ({
      type: 'interactive',
      interactive: {
        type: 'list',
        header: { type: 'image', image: { id: media.image } },
        body: { text: 'x' },
        action: { button: 'B', sections: [{ rows: rows(1) }] },
      },
    }),
  ],
  ['cta display_text over 20', 131009, () => cta({ display_text: long(21), url: 'https://example.com' })],
  ['cta url not http(s)', 131009, () => cta({ display_text: 'Go', url: 'javascript:alert(1)' })],
  [
    'cta without parameters',
    131008,
    () => ({ type: 'interactive', interactive: { type: 'cta_url', body: { text: 'x' }, action: { name: 'cta_url' } } }),
  ],
  ['cta without url', 131008, () => cta({ display_text: 'Go' })],
  ['list without sections', 131008, () => listMsg({ button: 'Options' })],
  ['list row without id', 131008, () => listMsg({ button: 'Options', sections: [{ rows: [{ title: 'A' }] }] })],
  ['template name missing', 131008, () => ({ type: 'template', template: { language: { code: 'en_US' } } })],
  [
    'template that does not exist',
    132001,
    () => ({ type: 'template', template: { name: 'no_such_template', language: { code: 'en_US' } } }),
  ],
  ['template in another language', 132001, () => ({ type: 'template', template: { name: 'hello_world', language: { code: 'fr' } } })],
  [
    'template with a parameter it does not take',
    132000,
    () => ({
      type: 'template',
      template: {
        name: 'hello_world',
        language: { code: 'en_US' },
        components: [{ type: 'body', parameters: [{ type: 'text', text: 'x' }] }],
      },
    }),
  ],
  ['template header parameter over 60', 131009, () => tpl('x'.repeat(61), 'Ana')],
  ['template body parameter over 1024', 131009, () => tpl('Ana', 'x'.repeat(1025))],
  [
    'template parameter of the wrong type',
    132012,
    () => ({
      type: 'template',
      template: {
        name: 'greeting',
        language: { code: 'en' },
        components: [
          { type: 'header', parameters: [{ type: 'text', text: 'A' }] },
          { type: 'body', parameters: [{ type: 'image', image: { link: 'https://example.com/a.png' } }] },
        ],
      },
    }),
  ],
  ['context message_id not a string', 100, () => ({ type: 'text', context: { message_id: 5 }, text: { body: 'x' } })],
  [
    'unsupported interactive type',
    131009,
    () => ({ type: 'interactive', interactive: { type: 'product', body: { text: 'x' }, action: {} } }),
  ],
  ['template without language', 131008, () => ({ type: 'template', template: { name: 'hello_world' } })],
  ['group recipient', 131009, () => ({ recipient_type: 'group', type: 'text', text: { body: 'x' } })],
  ['to with letters', 131009, () => ({ to: '1650abc1234', type: 'text', text: { body: 'x' } })],
  ['to too short', 131009, () => ({ to: '+1 555', type: 'text', text: { body: 'x' } })],
  ['to is the business number', 131021, () => ({ to: '+15550783881', type: 'text', text: { body: 'x' } })],
  ['biz_opaque_callback_data over 512 bytes', 100, () => ({ type: 'text', biz_opaque_callback_data: long(513), text: { body: 'x' } })],
  ['context without message_id', 131008, () => ({ type: 'text', context: {}, text: { body: 'x' } })],
];

for (const [name, code, body] of invalid) {
  test(`refuses ${name} with ${code}`, async () => {
    const r = await send(sim, { to: CUSTOMER, ...body() });
    assert.equal(r.status, 400, JSON.stringify(r.json));
    assert.equal(r.json.error.code, code, JSON.stringify(r.json));
    assert.equal(r.json.error.type, 'OAuthException');
    assert.match(r.json.error.message, new RegExp(`^\\(#${code}\\) `));
    assert.equal(r.json.error.error_data.messaging_product, 'whatsapp');
    assert.equal(typeof r.json.error.error_data.details, 'string');
    assert.equal(typeof r.json.error.fbtrace_id, 'string');
  });
}

test('missing messaging_product is Graph error 100', async () => {
  const r = await graph(sim, 'POST', `/v21.0/${sim.phoneNumberId}/messages`, { to: CUSTOMER, type: 'text', text: { body: 'x' } });
  assert.equal(r.status, 400);
  assert.equal(r.json.error.code, 100);
});

test('malformed JSON is Graph error 100', async () => {
  const res = await fetch(`${sim.graphBaseUrl}/v21.0/${sim.phoneNumberId}/messages`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: '{"to": ',
  });
  assert.equal(res.status, 400);
  assert.equal(((await res.json()) as any).error.code, 100);
});

test('bearer token: missing or wrong is 190 with HTTP 401; any vNN.N version works', async () => {
  for (const token of [null, 'wrong']) {
    const r = await send(sim, { to: CUSTOMER, type: 'text', text: { body: 'x' } }, token);
    assert.equal(r.status, 401);
    assert.equal(r.json.error.code, 190);
    assert.equal(r.json.error.type, 'OAuthException');
  }
  for (const v of ['v18.0', 'v25.0', 'v26.0']) {
    const r = await graph(sim, 'POST', `/${v}/${sim.phoneNumberId}/messages`, {
      messaging_product: 'whatsapp',
      to: CUSTOMER,
      text: { body: v },
    });
    assert.equal(r.status, 200, v);
  }
  const bad = await graph(sim, 'POST', `/latest/${sim.phoneNumberId}/messages`, {
    messaging_product: 'whatsapp',
    to: CUSTOMER,
    text: { body: 'x' },
  });
  assert.equal(bad.status, 400);
});

test('an unknown phone-number id is Graph error 100 (subcode 33)', async () => {
  const r = await graph(sim, 'POST', '/v21.0/999999/messages', { messaging_product: 'whatsapp', to: CUSTOMER, text: { body: 'x' } });
  assert.equal(r.status, 400);
  assert.equal(r.json.error.code, 100);
  assert.equal(r.json.error.error_subcode, 33);
});

test('mark as read: malformed requests are refused (100 / 131008)', async () => {
  const cases: Array<[Record<string, unknown>, number]> = [
    [{ status: 'delivered', message_id: inboundWamid }, 100],
    [{ status: 'read' }, 131008],
    [{ status: 'read', message_id: 42 }, 100],
    [{ status: 'read', message_id: inboundWamid, typing_indicator: 'text' }, 100],
  ];
  for (const [body, code] of cases) {
    const r = await send(sim, body);
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.equal(r.json.error.code, code, JSON.stringify(r.json));
  }
});

test('mark as read (+ typing indicator) answers success; unknown wamid is 131009', async () => {
  const ok = await send(sim, { status: 'read', message_id: inboundWamid });
  assert.deepEqual([ok.status, ok.json], [200, { success: true }]);
  const typing = await send(sim, { status: 'read', message_id: inboundWamid, typing_indicator: { type: 'text' } });
  assert.deepEqual([typing.status, typing.json], [200, { success: true }]);
  assert.equal(sim.inbound().find((m) => m.wamid === inboundWamid)?.readByBusiness, true);
  const bad = await send(sim, { status: 'read', message_id: 'wamid.unknown' });
  assert.equal(bad.status, 400);
  assert.equal(bad.json.error.code, 131009);
  const badTyping = await send(sim, { status: 'read', message_id: inboundWamid, typing_indicator: { type: 'audio' } });
  assert.equal(badTyping.json.error.code, 131009);
});

test('accepted messages are recorded with readable text', async () => {
  const r = await send(sim, {
    to: CUSTOMER,
    type: 'interactive',
    interactive: { type: 'button', body: { text: 'Readable body' }, action: { buttons: [btn('a', 'A')] } },
  });
  const rec = await sim.waitForOutbound((m) => m.wamid === r.json.messages[0].id);
  assert.equal(rec.text, 'Readable body');
  assert.equal(rec.type, 'interactive');
  assert.equal(rec.waId, CUSTOMER);
  assert.equal(rec.body.interactive.type, 'button');
});
