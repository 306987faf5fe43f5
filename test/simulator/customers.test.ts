import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { request } from 'undici';
import type { Simulator } from '../../src/channels/simulator/index.ts';
import { send, simApi, startReceiver, testSimulator, type Receiver } from './helpers.ts';

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
  const buttons = await send(sim, { to: c.waId, type: 'interactive', interactive: { type: 'button', body: { text: 'Reschedule?' }, action: { buttons: [{ type: 'reply', reply: { id: 'change-button', title: 'Change' } }, { type: 'reply', reply: { id: 'cancel-button', title: 'Cancel' } }] } } });
  const list = await send(sim, { to: c.waId, type: 'interactive', interactive: { type: 'list', body: { text: 'Shipping?' }, action: { button: 'Options', sections: [{ title: 'Fast', rows: [{ id: 'priority_express', title: 'Priority Mail Express', description: 'Next Day to 2 Days' }] }] } } });
  const first = await c.waitForMessage();
  const second = await c.waitForMessage();
  assert.deepEqual([first.wamid, second.wamid], [buttons.json.messages[0].id, list.json.messages[0].id], 'successive waits walk the conversation');
  await c.replyButton(first.wamid, 'cancel-button');
  assert.deepEqual(lastMessage().interactive, { type: 'button_reply', button_reply: { id: 'cancel-button', title: 'Cancel' } });
  assert.deepEqual(lastMessage().context, { from: sim.displayPhoneNumber, id: first.wamid });
  await c.replyList(second.wamid, 'priority_express');
  assert.deepEqual(lastMessage().interactive, { type: 'list_reply', list_reply: { id: 'priority_express', title: 'Priority Mail Express', description: 'Next Day to 2 Days' } });
  assert.throws(() => c.replyButton(first.wamid, 'nope'), /no reply button "nope" \(has: change-button, cancel-button\)/);
  await assert.rejects(c.waitForMessage(undefined, 50), /waitForMessage: customer 16505550001 got no matching business message within 50 ms/);
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
  await c.sendContacts([{ name: { formatted_name: 'Chandler Bing', first_name: 'Chandler' }, phones: [{ phone: '+1 555-555-5555', wa_id: '15555555555', type: 'CELL' }] }]);
  assert.equal(lastMessage().contacts[0].name.formatted_name, 'Chandler Bing');
  await c.sendVideo(Buffer.from('mp4'), { caption: 'clip' });
  assert.equal(lastMessage().video.mime_type, 'video/mp4');
  await c.react(w1, '😮');
  assert.deepEqual(lastMessage().reaction, { message_id: w1, emoji: '😮' });
  await c.send({ type: 'unsupported', unsupported: { type: 'pool' } });
  assert.equal(lastMessage().errors[0].code, 131051);
  await c.send({ type: 'request_welcome' });
  assert.deepEqual(Object.keys(lastMessage()), ['from', 'id', 'timestamp', 'type']);
  const ids = rcv.messages().map((m) => m.id);
  assert.equal(new Set(ids).size, ids.length, 'wamids are unique');
  const env = rcv.received.at(-1)!.json.entry[0].changes[0].value;
  assert.deepEqual(env.contacts, [{ profile: { name: 'Bo' }, wa_id: c.waId }]);
});

test('customer.read emits read once; waitForOutbound times out clearly', async () => {
  const c = sim.customer('16505550003');
  await c.sendText('hi');
  const r = await send(sim, { to: c.waId, text: { body: 'read me' } });
  await sim.drainWebhooks(2000);
  const id = r.json.messages[0].id;
  assert.deepEqual(rcv.statuses().filter((s) => s.id === id).map((s) => s.status), ['sent', 'delivered']);
  c.read();
  await sim.drainWebhooks(2000);
  assert.deepEqual(rcv.statuses().filter((s) => s.id === id).map((s) => s.status), ['sent', 'delivered', 'read']);
  await assert.rejects(sim.waitForOutbound((m) => m.text === 'never sent', 30), /waitForOutbound: no matching outbound message within 30 ms/);
});

test('HTTP test API: customer messages, conversation, logs, clock, templates, webhook', async () => {
  const sent = await simApi(sim, 'POST', '/_sim/customers/16505550004/messages', { type: 'text', text: { body: 'via http' }, profile_name: 'Http Hank' });
  assert.equal(sent.status, 200);
  assert.match(sent.json.id, /^wamid\./);
  assert.deepEqual(rcv.received.at(-1)!.json.entry[0].changes[0].value.contacts[0], { profile: { name: 'Http Hank' }, wa_id: '16505550004' });
  const reply = await send(sim, { to: '16505550004', type: 'interactive', interactive: { type: 'button', body: { text: 'Yes?' }, action: { buttons: [{ type: 'reply', reply: { id: 'y', title: 'Yes' } }] } } });
  const tap = await simApi(sim, 'POST', '/_sim/customers/16505550004/actions/button-reply', { message_id: reply.json.messages[0].id, button_id: 'y' });
  assert.equal(tap.status, 200);
  const badTap = await simApi(sim, 'POST', '/_sim/customers/16505550004/actions/button-reply', { message_id: reply.json.messages[0].id, button_id: 'zzz' });
  assert.equal(badTap.status, 400);
  const conv = await simApi(sim, 'GET', '/_sim/customers/16505550004/messages');
  assert.deepEqual(conv.json.data.map((m: any) => [m.direction, m.type]), [['in', 'text'], ['out', 'interactive'], ['in', 'interactive']]);
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

  const created = await simApi(sim, 'POST', '/_sim/templates', { name: 'http_seed', language: 'en', category: 'UTILITY', components: [{ type: 'BODY', text: 'Seeded over the test API for you.' }] });
  assert.equal(created.json.status, 'APPROVED');
  const paused = await simApi(sim, 'POST', '/_sim/templates/status', { name: 'http_seed', language: 'en', status: 'PAUSED' });
  assert.equal(paused.json.status, 'PAUSED');
  assert.ok((await simApi(sim, 'GET', '/_sim/templates')).json.data.some((t: any) => t.name === 'http_seed'));
  const review = await simApi(sim, 'POST', '/_sim/templates/review', { name: 'x', language: 'en', category: 'UTILITY', components: [{ type: 'BODY', text: '{{1}} hi there', example: { body_text: [['a']] } }] });
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
  const up = await fetch(`${sim.url}/_sim/media`, { method: 'POST', body: form });
  const json = (await up.json()) as any;
  assert.equal(json.mime_type, 'image/png');
  const r = await simApi(sim, 'POST', '/_sim/customers/16505550005/messages', { type: 'image', image: { id: json.id, caption: 'pic' } });
  assert.equal(r.status, 200);
  assert.equal(lastMessage().image.id, json.id);
  const viaBase64 = await simApi(sim, 'POST', '/_sim/customers/16505550005/messages', { type: 'document', document: { data_base64: Buffer.from('hello').toString('base64'), mime_type: 'text/plain', filename: 'a.txt' } });
  assert.equal(viaBase64.status, 200);
  assert.equal(lastMessage().document.filename, 'a.txt');
  const bytes = await fetch(`${sim.url}/_sim/media/${json.id}`);
  assert.equal(Buffer.from(await bytes.arrayBuffer()).toString(), 'pngbytes');
});

test('GET /_sim/events streams outbound, status and inbound events (filtered by wa_id)', async () => {
  const res = await request(`${sim.url}/_sim/events?wa_id=16505550006`);
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
