import assert from 'node:assert/strict';
import { test } from 'node:test';
import { send, simApi, startReceiver, testSimulator } from './helpers.ts';

// BSUIDs and usernames (docs/whatsapp-identity.md, docs/simulator.md "Identity"). The simulator
// has no database, so these run once, over real HTTP to a real webhook receiver.

const BSUID = /^[A-Z]{2}\.[A-Za-z0-9]{1,128}$/;
const DAY = 24 * 60 * 60 * 1000;

async function setup(t: import('node:test').TestContext) {
  const rcv = await startReceiver();
  const sim = await testSimulator({ webhookUrl: rcv.url, statusDelaysMs: { sent: 1, delivered: 2, read: 3 }, readProbability: 1 });
  t.after(async () => {
    await sim.close();
    await rcv.close();
  });
  const values = () => rcv.received.map((w) => w.json.entry[0].changes[0]);
  return { rcv, sim, values };
}

test('every customer has a deterministic BSUID in Meta format; messages carry user_id and from_user_id', async (t) => {
  const { rcv, sim } = await setup(t);
  const c = sim.customer('16505551234', 'Sheena Nelson');
  assert.match(c.userId, BSUID);
  assert.ok(c.userId.startsWith('US.'), 'the country of the number');
  const other = await testSimulator({});
  t.after(() => other.close());
  assert.equal(other.customer('16505551234').userId, c.userId, 'same number, same business: same BSUID');
  assert.notEqual(sim.customer('4915112345678').userId, c.userId);
  assert.ok(sim.customer('4915112345678').userId.startsWith('DE.'));
  await c.sendText('hi');
  const value = rcv.received.at(-1)!.json.entry[0].changes[0].value;
  assert.deepEqual(value.contacts, [{ profile: { name: 'Sheena Nelson' }, wa_id: '16505551234', user_id: c.userId }]);
  assert.equal(value.messages[0].from, '16505551234');
  assert.equal(value.messages[0].from_user_id, c.userId);
});

test('a username customer with the phone hidden: no wa_id, no from; username in contacts', async (t) => {
  const { rcv, sim } = await setup(t);
  const created = await simApi(sim, 'POST', '/_sim/customers', {
    wa_id: '16505550101',
    profile_name: 'Maria',
    username: 'maria.lopez',
    hide_phone: true,
  });
  assert.equal(created.status, 200);
  assert.equal(created.json.phone_shared, false);
  assert.match(created.json.user_id, BSUID);
  const userId = created.json.user_id;
  // The test API takes the BSUID as the customer id too.
  const sent = await simApi(sim, 'POST', `/_sim/customers/${userId}/messages`, { type: 'text', text: { body: 'hola' } });
  assert.equal(sent.status, 200);
  const value = rcv.received.at(-1)!.json.entry[0].changes[0].value;
  assert.deepEqual(value.contacts, [{ profile: { name: 'Maria', username: 'maria.lopez' }, user_id: userId }]);
  const m = value.messages[0];
  assert.equal('from' in m, false, 'no phone number for a username-only user');
  assert.equal(m.from_user_id, userId);
  assert.doesNotMatch(rcv.received.at(-1)!.raw, /16505550101/, 'the number appears nowhere in the webhook');
  // A username with the phone not hidden keeps sharing it.
  await simApi(sim, 'POST', '/_sim/customers', { wa_id: '16505550102', username: 'open_user' });
  await simApi(sim, 'POST', '/_sim/customers/16505550102/messages', { type: 'text', text: { body: 'x' } });
  const open = rcv.received.at(-1)!.json.entry[0].changes[0].value;
  assert.equal(open.contacts[0].wa_id, '16505550102');
  assert.equal(open.contacts[0].profile.username, 'open_user');
});

test('send by BSUID reaches the customer; response and statuses carry user_id, not the hidden phone', async (t) => {
  const { rcv, sim } = await setup(t);
  const c = sim.customer('16505550201', 'Maria', { username: 'maria', hidePhone: true });
  await c.sendText('hi');
  const r = await send(sim, { recipient: c.userId, type: 'text', text: { body: 'hello by BSUID' } });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  assert.deepEqual(r.json.contacts, [{ input: c.userId, user_id: c.userId }]);
  const wamid = r.json.messages[0].id;
  const got = await c.waitForMessage();
  assert.equal(got.wamid, wamid);
  assert.equal(got.text, 'hello by BSUID');
  await sim.drainWebhooks(2000);
  const statusValues = rcv.received
    .map((w) => w.json.entry[0].changes[0].value)
    .filter((v) => v.statuses?.some((s: any) => s.id === wamid));
  assert.deepEqual(
    statusValues.map((v) => v.statuses[0].status),
    ['sent', 'delivered', 'read'],
  );
  for (const v of statusValues) {
    const s = v.statuses[0];
    assert.equal(s.recipient_user_id, c.userId);
    assert.equal('recipient_id' in s, false, 'phone withheld: no recipient_id');
    assert.equal(v.contacts[0].user_id, c.userId);
    assert.equal('wa_id' in v.contacts[0], false);
  }
  assert.equal(statusValues[0].contacts[0].profile, undefined, 'no username on sent');
  assert.deepEqual(statusValues[1].contacts[0].profile, { username: 'maria' }, 'username on delivered');
  // `to` wins over `recipient`; a phone send answers wa_id and makes the phone shareable (30-day rule).
  const both = await send(sim, { to: '16505550201', recipient: c.userId, type: 'text', text: { body: 'by phone' } });
  assert.deepEqual(both.json.contacts, [{ input: '16505550201', wa_id: '16505550201' }]);
  await c.sendText('again');
  assert.equal(rcv.messages().at(-1).from, '16505550201', 'phone shared after the business wrote to it');
  sim.advanceTime(31 * DAY);
  await c.sendText('a month later');
  assert.equal('from' in rcv.messages().at(-1), false, 'hidden again after 30 days without a send to the phone');
});

test('BSUID sends: bad format, unknown BSUID and authentication templates are refused clearly', async (t) => {
  const { sim } = await setup(t);
  const bad = await send(sim, { recipient: 'not-a-bsuid', type: 'text', text: { body: 'x' } });
  assert.equal(bad.status, 400);
  assert.equal(bad.json.error.code, 131009);
  const unknown = await send(sim, { recipient: 'US.12345678901234567890', type: 'text', text: { body: 'x' } });
  assert.equal(unknown.status, 400);
  assert.equal(unknown.json.error.code, 131009);
  const missing = await send(sim, { type: 'text', text: { body: 'x' } });
  assert.equal(missing.status, 400);
});

test('change-number emits user_changed_number and user_id_update in Meta shape; new BSUID', async (t) => {
  const { sim, values } = await setup(t);
  const c = sim.customer('16505550301', 'Sheena Nelson');
  const oldUserId = c.userId;
  const r = await simApi(sim, 'POST', '/_sim/customers/16505550301/change-number', { new_wa_id: '16505550399' });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  assert.equal(r.json.previous_user_id, oldUserId);
  assert.notEqual(r.json.user_id, oldUserId);
  assert.match(r.json.user_id, BSUID);
  const [system, update] = values().slice(-2);
  assert.equal(system.field, 'messages');
  assert.equal(system.value.contacts, undefined, 'system messages carry no contacts[]');
  const m = system.value.messages[0];
  assert.equal(m.from, '16505550301');
  assert.equal(m.type, 'system');
  assert.deepEqual(m.system, {
    body: 'User Sheena Nelson changed from 16505550301 to 16505550399',
    wa_id: '16505550399',
    type: 'user_changed_number',
  });
  assert.equal(update.field, 'user_id_update');
  assert.deepEqual(update.value.user_id_update[0].user_id, { previous: oldUserId, current: r.json.user_id });
  assert.equal(update.value.user_id_update[0].wa_id, '16505550399');
  assert.deepEqual(update.value.contacts, [{ profile: { name: 'Sheena Nelson' }, wa_id: '16505550399', user_id: r.json.user_id }]);
  // The customer lives on under the new number and BSUID.
  assert.equal(sim.customer('16505550399').userId, r.json.user_id);
  const bad = await simApi(sim, 'POST', '/_sim/customers/16505550399/change-number', { new_wa_id: 'abc' });
  assert.equal(bad.status, 400);
  assert.equal(bad.json.error.code, 'invalid_request');
});

test('change-number of a username-only customer emits user_changed_user_id without any phone', async (t) => {
  const { rcv, sim, values } = await setup(t);
  const c = sim.customer('16505550401', 'Maria', { username: 'maria', hidePhone: true });
  const oldUserId = c.userId;
  const r = await simApi(sim, 'POST', `/_sim/customers/${oldUserId}/change-number`, { new_wa_id: '16505550499' });
  assert.equal(r.status, 200);
  const [system, update] = values().slice(-2);
  const m = system.value.messages[0];
  assert.equal('from' in m, false);
  assert.deepEqual(m.system, {
    body: `User Maria changed from ${oldUserId} to ${r.json.user_id}`,
    user_id: r.json.user_id,
    type: 'user_changed_user_id',
  });
  assert.equal('wa_id' in update.value.user_id_update[0], false);
  assert.doesNotMatch(rcv.received.at(-1)!.raw, /1650555040/);
});

test('username change: later webhooks carry the new username, BSUID unchanged; bad usernames are 400', async (t) => {
  const { rcv, sim } = await setup(t);
  const c = sim.customer('16505550501', 'Bo');
  const before = rcv.received.length;
  const r = await simApi(sim, 'POST', '/_sim/customers/16505550501/username', { username: 'bo.builder', hide_phone: true });
  assert.equal(r.status, 200);
  assert.deepEqual(r.json, { wa_id: '16505550501', user_id: c.userId, username: 'bo.builder', hide_phone: true });
  assert.equal(rcv.received.length, before, 'Meta documents no webhook for a username change');
  await c.sendText('hi');
  const v = rcv.received.at(-1)!.json.entry[0].changes[0].value;
  assert.deepEqual(v.contacts, [{ profile: { name: 'Bo', username: 'bo.builder' }, user_id: c.userId }]);
  for (const username of ['a', 'has space', 42]) {
    const bad = await simApi(sim, 'POST', '/_sim/customers/16505550501/username', { username });
    assert.equal(bad.status, 400, String(username));
  }
  const none = await simApi(sim, 'POST', '/_sim/customers/16505550599/username', { username: 'x_y_z' });
  assert.equal(none.status, 400);
  const removed = await simApi(sim, 'POST', '/_sim/customers/16505550501/username', { username: null });
  assert.equal(removed.json.username, null);
  await c.sendText('back');
  assert.equal(rcv.messages().at(-1).from, '16505550501', 'without a username the phone is always shared');
});
