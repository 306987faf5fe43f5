import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { request } from 'undici';
import type { Simulator } from '../../src/simulator/index.ts';
import { graph, send, simApi, startReceiver, testSimulator, TOKEN, type Receiver } from './helpers.ts';

let sim: Simulator;
let rcv: Receiver;

before(async () => {
  rcv = await startReceiver();
  sim = await testSimulator({ webhookUrl: rcv.url, pairRateLimit: false, readProbability: 0 });
});
after(async () => {
  await sim.close();
  await rcv.close();
});

const lastMessage = () => rcv.messages().at(-1);

test('customers answer interactive messages with the ids and titles the business sent', async () => {
  const c = sim.customer('16505550001', 'Ana');
  await c.sendText('menu please');
  const buttons = await send(sim, {
    to: c.waId,
    type: 'interactive',
    interactive: {
      type: 'button',
      body: { text: 'Reschedule?' },
      action: {
        buttons: [
          { type: 'reply', reply: { id: 'change-button', title: 'Change' } },
          { type: 'reply', reply: { id: 'cancel-button', title: 'Cancel' } },
        ],
      },
    },
  });
  const list = await send(sim, {
    to: c.waId,
    type: 'interactive',
    interactive: {
      type: 'list',
      body: { text: 'Shipping?' },
      action: {
        button: 'Options',
        sections: [
          { title: 'Fast', rows: [{ id: 'priority_express', title: 'Priority Mail Express', description: 'Next Day to 2 Days' }] },
        ],
      },
    },
  });
  const first = await c.waitForMessage();
  const second = await c.waitForMessage();
  assert.deepEqual(
    [first.wamid, second.wamid],
    [buttons.json.messages[0].id, list.json.messages[0].id],
    'successive waits walk the conversation',
  );
  await c.replyButton(first.wamid, 'cancel-button');
  assert.deepEqual(lastMessage().interactive, { type: 'button_reply', button_reply: { id: 'cancel-button', title: 'Cancel' } });
  assert.deepEqual(lastMessage().context, { from: sim.displayPhoneNumber, id: first.wamid });
  await c.replyList(second.wamid, 'priority_express');
  assert.deepEqual(lastMessage().interactive, {
    type: 'list_reply',
    list_reply: { id: 'priority_express', title: 'Priority Mail Express', description: 'Next Day to 2 Days' },
  });
  assert.throws(() => c.replyButton(first.wamid, 'nope'), /no reply button "nope" \(has: change-button, cancel-button\)/);
  await assert.rejects(
    c.waitForMessage(undefined, 50),
    /waitForMessage: customer 16505550001 got no matching business message within 50 ms/,
  );
});

test('every inbound type goes out in the standard envelope', async () => {
  const c = sim.customer('16505550002', 'Bo');
  const biz = (await send(sim, { to: c.waId, type: 'template', template: { name: 'x', language: { code: 'en' } } })).json; // 132001: no template
  assert.equal(biz.error.code, 132001);
  const w1 = await c.sendText('first');
  await c.sendText('quoting myself', { replyTo: w1 });
  assert.deepEqual(lastMessage().context, { from: c.waId, id: w1 });
  await c.sendLocation({ latitude: 37.4611978, longitude: -122.2164385, name: 'Facebook HQ' });
  assert.deepEqual(lastMessage().location, { latitude: 37.4611978, longitude: -122.2164385, name: 'Facebook HQ' });
  await c.sendContacts([
    {
      name: { formatted_name: 'Chandler Bing', first_name: 'Chandler' },
      phones: [{ phone: '+1 555-555-5555', wa_id: '15555555555', type: 'CELL' }],
    },
  ]);
  assert.equal(lastMessage().contacts[0].name.formatted_name, 'Chandler Bing');
  await c.sendVideo(Buffer.from('mp4'), { caption: 'clip' });
  assert.equal(lastMessage().video.mime_type, 'video/mp4');
  await c.react(w1, '😮');
  assert.deepEqual(lastMessage().reaction, { message_id: w1, emoji: '😮' });
  await c.send({ type: 'unsupported', unsupported: { type: 'pool' } });
  assert.equal(lastMessage().errors[0].code, 131051);
  await c.send({ type: 'request_welcome' });
  assert.deepEqual(Object.keys(lastMessage()), ['from', 'from_user_id', 'id', 'timestamp', 'type']);
  const ids = rcv.messages().map((m) => m.id);
  assert.equal(new Set(ids).size, ids.length, 'wamids are unique');
  const env = rcv.received.at(-1)!.json.entry[0].changes[0].value;
  assert.deepEqual(env.contacts, [{ profile: { name: 'Bo' }, wa_id: c.waId, user_id: c.userId }]);
});

test('customer.read emits read once; waitForOutbound times out clearly', async () => {
  const c = sim.customer('16505550003');
  await c.sendText('hi');
  const r = await send(sim, { to: c.waId, text: { body: 'read me' } });
  await sim.drainWebhooks(2000);
  const id = r.json.messages[0].id;
  assert.deepEqual(
    rcv
      .statuses()
      .filter((s) => s.id === id)
      .map((s) => s.status),
    ['sent', 'delivered'],
  );
  c.read();
  await sim.drainWebhooks(2000);
  assert.deepEqual(
    rcv
      .statuses()
      .filter((s) => s.id === id)
      .map((s) => s.status),
    ['sent', 'delivered', 'read'],
  );
  await assert.rejects(
    sim.waitForOutbound((m) => m.text === 'never sent', 30),
    /waitForOutbound: no matching outbound message within 30 ms/,
  );
});

test('HTTP test API: customer messages, conversation, logs, clock, templates, webhook', async () => {
  const sent = await simApi(sim, 'POST', '/_sim/customers/16505550004/messages', {
    type: 'text',
    text: { body: 'via http' },
    profile_name: 'Http Hank',
  });
  assert.equal(sent.status, 200);
  assert.match(sent.json.id, /^wamid\./);
  const hank = (await simApi(sim, 'GET', '/_sim/customers/16505550004')).json;
  assert.deepEqual(rcv.received.at(-1)!.json.entry[0].changes[0].value.contacts[0], {
    profile: { name: 'Http Hank' },
    wa_id: '16505550004',
    user_id: hank.user_id,
  });
  const reply = await send(sim, {
    to: '16505550004',
    type: 'interactive',
    interactive: { type: 'button', body: { text: 'Yes?' }, action: { buttons: [{ type: 'reply', reply: { id: 'y', title: 'Yes' } }] } },
  });
  const tap = await simApi(sim, 'POST', '/_sim/customers/16505550004/actions/button-reply', {
    message_id: reply.json.messages[0].id,
    button_id: 'y',
  });
  assert.equal(tap.status, 200);
  const badTap = await simApi(sim, 'POST', '/_sim/customers/16505550004/actions/button-reply', {
    message_id: reply.json.messages[0].id,
    button_id: 'zzz',
  });
  assert.equal(badTap.status, 400);
  const conv = await simApi(sim, 'GET', '/_sim/customers/16505550004/messages');
  assert.deepEqual(
    conv.json.data.map((m: any) => [m.direction, m.type]),
    [
      ['in', 'text'],
      ['out', 'interactive'],
      ['in', 'interactive'],
    ],
  );
  const read = await simApi(sim, 'POST', '/_sim/customers/16505550004/read', {});
  assert.deepEqual(read.json, { success: true });
  const customers = await simApi(sim, 'GET', '/_sim/customers');
  assert.ok(customers.json.data.some((c: any) => c.wa_id === '16505550004' && c.profile_name === 'Http Hank' && c.window_open));
  assert.ok((await simApi(sim, 'GET', '/_sim/outbound?limit=1')).json.data.length === 1);
  await simApi(sim, 'POST', '/_sim/drain', { timeout_ms: 2000 });
  const deliveries = await simApi(sim, 'GET', '/_sim/deliveries');
  assert.ok(deliveries.json.data.length > 0 && deliveries.json.data.every((d: any) => d.signature.startsWith('sha256=')));
  const before = (await simApi(sim, 'GET', '/_sim/clock')).json.now;
  const adv = await simApi(sim, 'POST', '/_sim/clock/advance', { ms: 60_000 });
  assert.ok(adv.json.now - before >= 60_000);
  assert.equal((await simApi(sim, 'POST', '/_sim/clock/advance', { ms: -1 })).status, 400);

  const created = await simApi(sim, 'POST', '/_sim/templates', {
    name: 'http_seed',
    language: 'en',
    category: 'UTILITY',
    components: [{ type: 'BODY', text: 'Seeded over the test API for you.' }],
  });
  assert.equal(created.json.status, 'APPROVED');
  const paused = await simApi(sim, 'POST', '/_sim/templates/status', { name: 'http_seed', language: 'en', status: 'PAUSED' });
  assert.equal(paused.json.status, 'PAUSED');
  assert.ok((await simApi(sim, 'GET', '/_sim/templates')).json.data.some((t: any) => t.name === 'http_seed'));
  const review = await simApi(sim, 'POST', '/_sim/templates/review', {
    name: 'x',
    language: 'en',
    category: 'UTILITY',
    components: [{ type: 'BODY', text: '{{1}} hi there', example: { body_text: [['a']] } }],
  });
  assert.equal(review.json.approved, false);
  assert.equal(review.json.findings[0].code, 'variable_at_start');

  const hook = await simApi(sim, 'POST', '/_sim/webhook', { url: rcv.url });
  assert.equal(hook.json.ok, true);
  assert.deepEqual((await simApi(sim, 'GET', '/_sim/webhook')).json, { url: rcv.url, verified: true });
  assert.equal((await simApi(sim, 'POST', '/_sim/webhook/verify')).json.ok, true);
  const info = await simApi(sim, 'GET', '/_sim/info');
  assert.equal(info.json.phone_number_id, sim.phoneNumberId);
  assert.equal((await simApi(sim, 'POST', '/_sim/customers/123/messages', { type: 'text', text: { body: 'x' } })).status, 400);
  assert.equal((await simApi(sim, 'POST', '/_sim/customers/16505550004/messages', { type: 'hologram' })).status, 400);
  assert.equal((await simApi(sim, 'GET', '/_sim/nothing-here')).status, 404);
});

test('HTTP test API: customer media upload, then an image message by id', async () => {
  const form = new FormData();
  form.append('file', new Blob([Buffer.from('pngbytes')], { type: 'image/png' }), 'pic.png');
  const up = await fetch(`${sim.url}/_sim/media`, { method: 'POST', body: form, headers: { 'x-sim-token': sim.testToken } });
  const json = (await up.json()) as any;
  assert.equal(json.mime_type, 'image/png');
  const r = await simApi(sim, 'POST', '/_sim/customers/16505550005/messages', { type: 'image', image: { id: json.id, caption: 'pic' } });
  assert.equal(r.status, 200);
  assert.equal(lastMessage().image.id, json.id);
  const viaBase64 = await simApi(sim, 'POST', '/_sim/customers/16505550005/messages', {
    type: 'document',
    document: { data_base64: Buffer.from('hello').toString('base64'), mime_type: 'text/plain', filename: 'a.txt' },
  });
  assert.equal(viaBase64.status, 200);
  assert.equal(lastMessage().document.filename, 'a.txt');
  const bytes = await fetch(`${sim.url}/_sim/media/${json.id}`, { headers: { 'x-sim-token': sim.testToken } });
  assert.equal(Buffer.from(await bytes.arrayBuffer()).toString(), 'pngbytes');
});

test('GET /_sim/events streams outbound, status and inbound events (filtered by wa_id)', async () => {
  const res = await request(`${sim.url}/_sim/events?wa_id=16505550006`, { headers: { authorization: `Bearer ${sim.testToken}` } });
  assert.equal(res.headers['content-type'], 'text/event-stream; charset=utf-8');
  let text = '';
  const done = new Promise<void>((resolve) => {
    res.body.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      if (text.includes('event: status') && text.includes('"status":"delivered"')) resolve();
    });
  });
  const c = sim.customer('16505550006');
  await c.sendText('hello stream');
  await sim.customer('16505550007').sendText('not for this stream');
  await send(sim, { to: c.waId, text: { body: 'streamed' } });
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([done, new Promise((_, rej) => (timer = setTimeout(() => rej(new Error(`no status event; got ${text}`)), 2000)))]);
  clearTimeout(timer);
  res.body.destroy();
  assert.ok(text.includes('event: inbound') && text.includes('hello stream'));
  assert.ok(text.includes('event: outbound') && text.includes('"text":"streamed"'));
  assert.ok(!text.includes('not for this stream'));
});

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==', 'base64');

/** The business sends a template with a quick-reply button (a customer can only tap what it got). */
async function quickReplyTemplate(to: string): Promise<string> {
  if (!sim.templates.get('qr_offer', 'en')) {
    sim.templates.create({
      name: 'qr_offer',
      language: 'en',
      category: 'MARKETING',
      components: [
        { type: 'BODY', text: 'Do you want the spring offer?' },
        { type: 'BUTTONS', buttons: [{ type: 'QUICK_REPLY', text: 'Yes please' }] },
      ],
    });
  }
  const r = await send(sim, {
    to,
    type: 'template',
    template: {
      name: 'qr_offer',
      language: { code: 'en' },
      components: [{ type: 'button', sub_type: 'quick_reply', index: '0', parameters: [{ type: 'payload', payload: 'OFFER_YES' }] }],
    },
  });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json.messages[0].id;
}

/** The business downloads an inbound media id with its token: the bytes the customer sent. */
async function download(id: string): Promise<Buffer> {
  const info = await graph(sim, 'GET', `/v21.0/${id}`);
  assert.equal(info.status, 200, JSON.stringify(info.json));
  const res = await request(info.json.url, { headers: { authorization: `Bearer ${TOKEN}` } });
  return Buffer.from(await res.body.arrayBuffer());
}

test('library API: media of every kind, voice notes, animated stickers, template quick replies, replies with context', async () => {
  const c = sim.customer('16505550010', 'Lib Lena');
  const img = await c.sendImage(PNG, { mimeType: 'image/png', caption: 'dot' });
  assert.deepEqual([lastMessage().image.caption, lastMessage().image.mime_type], ['dot', 'image/png']);
  assert.deepEqual(await download(lastMessage().image.id), PNG);
  await c.sendAudio(Buffer.from('OggS voice'), { voice: true });
  assert.deepEqual([lastMessage().audio.voice, lastMessage().audio.mime_type], [true, 'audio/ogg; codecs=opus']);
  await c.sendAudio(Buffer.from('mp3'), { mimeType: 'audio/mpeg' });
  assert.equal(lastMessage().audio.voice, false);
  await c.sendDocument(Buffer.from('%PDF-1.4'), { filename: 'invoice.pdf', caption: 'my invoice' });
  assert.deepEqual(
    [lastMessage().document.filename, lastMessage().document.caption, lastMessage().document.mime_type],
    ['invoice.pdf', 'my invoice', 'application/pdf'],
  );
  await c.sendSticker(Buffer.from('RIFFwebp'), { animated: true });
  assert.deepEqual([lastMessage().sticker.mime_type, lastMessage().sticker.animated], ['image/webp', true]);
  await c.sendImage(PNG, { mimeType: 'image/png', replyTo: img });
  assert.deepEqual(lastMessage().context, { from: c.waId, id: img });
  const tpl = await quickReplyTemplate(c.waId);
  await c.tapTemplateButton(tpl, 'OFFER_YES');
  assert.deepEqual(
    [lastMessage().type, lastMessage().button, lastMessage().context],
    ['button', { payload: 'OFFER_YES', text: 'Yes please' }, { from: sim.displayPhoneNumber, id: tpl }],
  );
  await c.sendText('about that offer', { replyTo: tpl });
  assert.deepEqual(lastMessage().context, { from: sim.displayPhoneNumber, id: tpl });
  await c.react(tpl, '');
  assert.deepEqual(lastMessage().reaction, { message_id: tpl, emoji: '' });
  assert.deepEqual(
    sim
      .inbound()
      .filter((m) => m.waId === c.waId)
      .map((m) => m.type),
    ['image', 'audio', 'audio', 'document', 'sticker', 'image', 'button', 'text', 'reaction'],
  );
  assert.throws(() => c.tapTemplateButton(tpl, 'nope'), /no quick-reply button "nope"/);
});

test('HTTP test API: a customer sends every inbound type', async () => {
  const wa = '16505550011';
  const post = async (body: unknown) => {
    const r = await simApi(sim, 'POST', `/_sim/customers/${wa}/messages`, body);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.match(r.json.id, /^wamid\./);
    const m = lastMessage();
    assert.equal(m.id, r.json.id, 'the webhook carried this message');
    return m;
  };
  const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64');
  const text = await post({ type: 'text', text: { body: 'hello over http' }, profile_name: 'Http Hana' });
  assert.deepEqual(text.text, { body: 'hello over http' });
  const image = await post({ type: 'image', image: { data_base64: b64(PNG), mime_type: 'image/png', caption: 'pic' } });
  assert.deepEqual(await download(image.image.id), PNG);
  assert.equal(
    (await post({ type: 'audio', audio: { data_base64: b64('OggS'), mime_type: 'audio/ogg; codecs=opus', voice: true } })).audio.voice,
    true,
  );
  assert.equal(
    (await post({ type: 'video', video: { data_base64: b64('mp4'), mime_type: 'video/mp4', caption: 'clip' } })).video.caption,
    'clip',
  );
  assert.equal(
    (await post({ type: 'document', document: { data_base64: b64('%PDF'), mime_type: 'application/pdf', filename: 'a.pdf' } })).document
      .filename,
    'a.pdf',
  );
  assert.equal(
    (await post({ type: 'sticker', sticker: { data_base64: b64('RIFF'), mime_type: 'image/webp', animated: false } })).sticker.mime_type,
    'image/webp',
  );
  assert.deepEqual(
    (await post({ type: 'location', location: { latitude: 37.44, longitude: -122.16, name: 'Philz', address: '101 Forest Ave' } }))
      .location,
    { latitude: 37.44, longitude: -122.16, name: 'Philz', address: '101 Forest Ave' },
  );
  const contacts = [
    { name: { formatted_name: 'Chandler Bing', first_name: 'Chandler' }, phones: [{ phone: '+1 555-555-5555', type: 'CELL' }] },
  ];
  assert.deepEqual((await post({ type: 'contacts', contacts })).contacts, contacts);
  const quoted = await post({ type: 'text', text: { body: 'replying to myself' }, context: { id: text.id } });
  assert.deepEqual(quoted.context, { from: wa, id: text.id });
  assert.deepEqual((await post({ type: 'reaction', reaction: { message_id: text.id, emoji: '👍' } })).reaction, {
    message_id: text.id,
    emoji: '👍',
  });

  const buttons = await send(sim, {
    to: wa,
    type: 'interactive',
    interactive: { type: 'button', body: { text: 'Pick' }, action: { buttons: [{ type: 'reply', reply: { id: 'b1', title: 'One' } }] } },
  });
  const list = await send(sim, {
    to: wa,
    type: 'interactive',
    interactive: {
      type: 'list',
      body: { text: 'Choose' },
      action: { button: 'Menu', sections: [{ title: 'S', rows: [{ id: 'r1', title: 'Row one', description: 'first' }] }] },
    },
  });
  const tpl = await quickReplyTemplate(wa);
  const action = async (path: string, body: unknown) => {
    const r = await simApi(sim, 'POST', `/_sim/customers/${wa}/actions/${path}`, body);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return lastMessage();
  };
  const b = await action('button-reply', { message_id: buttons.json.messages[0].id, button_id: 'b1' });
  assert.deepEqual(
    [b.interactive, b.context.id],
    [{ type: 'button_reply', button_reply: { id: 'b1', title: 'One' } }, buttons.json.messages[0].id],
  );
  const l = await action('list-reply', { message_id: list.json.messages[0].id, row_id: 'r1' });
  assert.deepEqual(l.interactive, { type: 'list_reply', list_reply: { id: 'r1', title: 'Row one', description: 'first' } });
  const q = await action('template-button', { message_id: tpl, payload: 'OFFER_YES' });
  assert.deepEqual([q.type, q.button, q.context.id], ['button', { payload: 'OFFER_YES', text: 'Yes please' }, tpl]);
  const raw = await post({
    type: 'interactive',
    interactive: { type: 'button_reply', button_reply: { id: 'b1', title: 'One' } },
    context: { id: buttons.json.messages[0].id },
  });
  assert.deepEqual(raw.context, { from: sim.displayPhoneNumber, id: buttons.json.messages[0].id });
  assert.equal(
    (await post({ type: 'button', button: { payload: 'OFFER_YES', text: 'Yes please' }, context: { id: tpl } })).button.payload,
    'OFFER_YES',
  );
  for (const w of rcv.received) assert.ok(w.signatureOk);
});

test('HTTP test API: malformed customer messages are 400 with a reason, never a 5xx', async () => {
  const wa = '16505550012';
  const known = await sim.customer(wa).sendText('hi');
  const bad: unknown[] = [
    'just a string',
    [],
    {},
    { type: 'text' },
    { type: 'text', text: 'not an object' },
    { type: 'text', text: { body: 42 } },
    { type: 'text', text: { body: '  ' } },
    { type: 'image', image: 'x' },
    { type: 'image', image: { data_base64: 123 } },
    { type: 'image', image: { data_base64: '%%%not base64' } },
    { type: 'image', image: { data: [1, 2, 3] } },
    { type: 'image', image: { mime_type: 'application/pdf' } },
    { type: 'image', image: { id: 'nope' } },
    { type: 'audio', audio: { voice: 'yes' } },
    { type: 'location', location: { latitude: 'north', longitude: 1 } },
    { type: 'location', location: { latitude: 95, longitude: 1 } },
    { type: 'contacts', contacts: [] },
    { type: 'contacts', contacts: [{ name: {} }] },
    { type: 'interactive', interactive: { type: 'button_reply' } },
    { type: 'interactive', interactive: { type: 'poll' } },
    { type: 'button', button: { payload: 'x' } },
    { type: 'reaction', reaction: { message_id: known, emoji: 'two words' } },
    { type: 'reaction', reaction: { message_id: 'wamid.unknown', emoji: '👍' } },
    { type: 'text', text: { body: 'x' }, context: 'wamid.x' },
    { type: 'text', text: { body: 'x' }, context: { id: 7 } },
  ];
  for (const body of bad) {
    const r = await simApi(sim, 'POST', `/_sim/customers/${wa}/messages`, body);
    assert.equal(r.status, 400, `${JSON.stringify(body)} → ${r.status} ${JSON.stringify(r.json)}`);
    assert.equal(typeof r.json.error.message, 'string');
  }
  const form = new FormData();
  form.append('file', new Blob([Buffer.from('%PDF-1.4')], { type: 'application/pdf' }), 'a.pdf');
  const pdf = (await (
    await fetch(`${sim.url}/_sim/media`, { method: 'POST', body: form, headers: { 'x-sim-token': sim.testToken } })
  ).json()) as { id: string };
  assert.equal(
    (await simApi(sim, 'POST', `/_sim/customers/${wa}/messages`, { type: 'image', image: { id: pdf.id } })).status,
    400,
    'a PDF is no image',
  );
  await assert.rejects(sim.customer(wa).send({ type: 'location', location: { latitude: 100, longitude: 0 } }), /latitude/);
  assert.deepEqual(
    sim
      .inbound()
      .filter((m) => m.waId === wa)
      .map((m) => m.wamid),
    [known],
    'nothing malformed was delivered',
  );
});
