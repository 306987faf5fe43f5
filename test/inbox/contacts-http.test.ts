import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { forEachDialect } from '../support/dialects.ts';
import { startWorld, type World } from '../support/test-world.ts';
import { loadConfig } from '../../src/load-config.ts';
import { agentSession, call } from './agents-http.ts';

forEachDialect('contacts: list, edit, opt-in ledger, opt-out keywords, block', (dialect) => {
  let w: World;
  before(async () => {
    w = await startWorld({ dialect, config: { eventWebhooks: { allowPrivate: true }, optOutConfirmation: 'Unsubscribed. Bye!' } });
    // A subscriber, so contact.opted_out events are recorded (deliveries to a closed port just fail).
    const sub = await call(w, 'admin', 'POST', '/api/v1/webhooks', { url: 'http://127.0.0.1:9/hook', events: ['contact.opted_out'] });
    assert.equal(sub.status, 201, JSON.stringify(sub.body));
  });
  after(async () => {
    await w?.stop();
  });

  const contactOf = async (waId: string) => {
    const res = await call(w, 'admin', 'GET', `/api/v1/contacts?q=${waId}`);
    assert.equal(res.status, 200);
    assert.equal(res.body.data.length, 1, `one contact ${waId}`);
    return res.body.data[0];
  };
  const conversationOf = async (contactId: string) =>
    (
      await w.app.deps.storage.db
        .selectFrom('conversations')
        .select('id')
        .where('contact_id', '=', contactId)
        .where('status', '<>', 'closed')
        .executeTakeFirstOrThrow()
    ).id;

  test('list with search, filters and keyset pages; detail; 404', async () => {
    for (const [waId, name] of [
      ['15559000001', 'Alma Ruiz'],
      ['15559000002', 'Beto'],
      ['15559000003', 'Carla'],
    ] as const)
      await w.sim.customer(waId, name).sendText('hi');
    await w.settle();
    const alma = await contactOf('15559000001');
    assert.deepEqual(
      {
        name: alma.name,
        phone: alma.phone,
        wa_id: alma.wa_id,
        tags: alma.tags,
        attributes: alma.attributes,
        opt_in: alma.opt_in.state,
        blocked: alma.blocked,
      },
      { name: 'Alma Ruiz', phone: '+15559000001', wa_id: '15559000001', tags: [], attributes: {}, opt_in: 'unknown', blocked: false },
    );
    assert.equal((await call(w, 'admin', 'GET', '/api/v1/contacts?q=alma%20r')).body.data[0].id, alma.id, 'search ignores case');
    const page1 = await call(w, 'admin', 'GET', '/api/v1/contacts?limit=2');
    assert.equal(page1.body.data.length, 2);
    const page2 = await call(w, 'admin', 'GET', `/api/v1/contacts?limit=2&cursor=${page1.body.next_cursor}`);
    assert.equal(page2.body.next_cursor, null);
    assert.deepEqual(
      [...page1.body.data, ...page2.body.data].map((c: any) => c.name),
      ['Carla', 'Beto', 'Alma Ruiz'],
      'newest first',
    );
    const detail = await call(w, 'admin', 'GET', `/api/v1/contacts/${alma.id}`);
    assert.deepEqual(detail.body.opt_in_history, []);
    assert.equal((await call(w, 'admin', 'GET', '/api/v1/contacts/ct_nope')).status, 404);
    for (const [qs, code] of [
      ['limit=0', 'invalid_limit'],
      ['opted_in=maybe', 'invalid_opted_in'],
      ['cursor=bad', 'invalid_cursor'],
    ]) {
      const res = await call(w, 'admin', 'GET', `/api/v1/contacts?${qs}`);
      assert.equal(res.status, 400, qs);
      assert.equal(res.body.error.code, code);
    }
  });

  test('PATCH sets the name, merges attributes (null removes) and replaces tags; bad input is a 422', async () => {
    const beto = await contactOf('15559000002');
    let res = await call(w, 'admin', 'PATCH', `/api/v1/contacts/${beto.id}`, {
      name: 'Alberto',
      attributes: { plan: 'gold', city: 'Lima' },
      tags: ['vip', ' vip ', 'Lima 2'],
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    res = await call(w, 'admin', 'PATCH', `/api/v1/contacts/${beto.id}`, { attributes: { city: null, orders: 3 } });
    assert.deepEqual(
      { name: res.body.name, profile_name: res.body.profile_name, attributes: res.body.attributes, tags: res.body.tags },
      {
        name: 'Alberto',
        profile_name: 'Beto',
        attributes: { plan: 'gold', orders: 3 },
        tags: ['vip', 'Lima 2'],
      },
    );
    const tagged = await call(w, 'admin', 'GET', '/api/v1/contacts?tag=VIP');
    assert.deepEqual(
      tagged.body.data.map((c: any) => c.id),
      [beto.id],
    );
    assert.equal((await call(w, 'admin', 'GET', '/api/v1/contacts?tag=vi')).body.data.length, 0, 'whole tags only');
    for (const [body, code, status] of [
      [{ attributes: [1] }, 'invalid_attributes', 422],
      [{ tags: 'vip' }, 'invalid_tags', 422],
      [{ tags: ['%%'] }, 'invalid_tags', 422],
      [{ name: '' }, 'invalid_name', 422],
      [{ email: 'x' }, 'unknown_field', 400],
    ] as const) {
      const r = await call(w, 'admin', 'PATCH', `/api/v1/contacts/${beto.id}`, body);
      assert.equal(r.status, status, JSON.stringify(body));
      assert.equal(r.body.error.code, code);
    }
    const reader = await call(w, 'admin', 'POST', '/api/v1/tokens', { name: 'contacts ro', scopes: ['contacts:read'] });
    assert.equal((await call(w, { bearer: reader.body.token }, 'PATCH', `/api/v1/contacts/${beto.id}`, { name: 'x' })).status, 403);
    assert.equal((await call(w, { bearer: reader.body.token }, 'GET', `/api/v1/contacts/${beto.id}`)).status, 200);
  });

  test('opt-in and opt-out by API keep a ledger: who, when, how', async () => {
    const carla = await contactOf('15559000003');
    const agent = await agentSession(w, 'optin@c.test');
    let res = await call(w, 'admin', 'POST', `/api/v1/contacts/${carla.id}/opt-in`, { source: 'web_form', note: 'newsletter form' });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.opt_in.state, 'opted_in');
    res = await call(w, { cookie: agent.cookie }, 'POST', `/api/v1/contacts/${carla.id}/opt-out`, {});
    assert.equal(res.body.opt_in.state, 'opted_out');
    assert.deepEqual(
      res.body.opt_in_history.map((h: any) => [h.state, h.source, h.by, h.note]),
      [
        ['opted_out', 'agent', agent.user.id, null],
        ['opted_in', 'web_form', 'system', 'newsletter form'],
      ],
    );
    assert.ok(Date.parse(res.body.opt_in_history[0].at) > 0);
    assert.equal(
      (await call(w, 'admin', 'POST', `/api/v1/contacts/${carla.id}/opt-in`, { source: 'Web Form!' })).body.error.code,
      'invalid_source',
    );
    assert.equal((await call(w, 'admin', 'GET', '/api/v1/contacts?opted_in=false&q=15559000003')).body.data.length, 1);
    const optedOut = await w.app.deps.storage.db
      .selectFrom('emitted_events')
      .select('body')
      .where('type', '=', 'contact.opted_out')
      .execute();
    assert.ok(optedOut.some((e) => JSON.parse(e.body).data.contact_id === carla.id && JSON.parse(e.body).data.by === agent.user.id));
  });

  test('an opt-out keyword opts the customer out, confirms it, emits contact.opted_out, and the bot stays quiet', async () => {
    const customer = w.sim.customer('15559000004', 'Dora');
    await customer.sendText('hello');
    await customer.waitForMessage((m) => m.type === 'text');
    const before = customer.received().length;
    await customer.sendText('  Stop ');
    const confirmation = await customer.waitForMessage((m) => m.text === 'Unsubscribed. Bye!');
    assert.ok(confirmation);
    await w.settle();
    assert.equal(customer.received().length, before + 1, 'only the confirmation: the bot did not answer "Stop"');
    const dora = await contactOf('15559000004');
    const detail = await call(w, 'admin', 'GET', `/api/v1/contacts/${dora.id}`);
    assert.equal(detail.body.opt_in.state, 'opted_out');
    assert.deepEqual(
      detail.body.opt_in_history.map((h: any) => [h.state, h.source, h.by, h.note]),
      [['opted_out', 'keyword', 'customer', 'Stop']],
    );
    const events = await w.app.deps.storage.db
      .selectFrom('emitted_events')
      .select('body')
      .where('type', '=', 'contact.opted_out')
      .execute();
    const mine = events.map((e) => JSON.parse(e.body).data).find((d) => d.contact_id === dora.id);
    // The contact's BSUID is whatever WhatsApp (here the simulator) gave it, or null.
    assert.deepEqual(mine, {
      contact_id: dora.id,
      wa_id: '15559000004',
      telegram_chat_id: null,
      bsuid: dora.bsuid ?? null,
      phone: '+15559000004',
      source: 'keyword',
      by: 'customer',
      note: 'Stop',
    });
    // The message itself is kept in the conversation.
    const conv = await call(w, 'admin', 'GET', `/api/v1/conversations/${await conversationOf(dora.id)}`);
    assert.ok(conv.body.messages.some((m: any) => m.text === '  Stop '));
    // "stop it" is a sentence, not a keyword: the bot answers as usual.
    await customer.sendText('stop it');
    await customer.waitForMessage((m) => (m.text ?? '').includes('stop it'));
  });

  test('a blocked contact: messages are stored, not answered nor routed; sending is refused until unblocked', async () => {
    const customer = w.sim.customer('15559000005', 'Eve');
    await customer.sendText('hi');
    await customer.waitForMessage((m) => m.type === 'text');
    await w.settle();
    const eve = await contactOf('15559000005');
    const convId = await conversationOf(eve.id);
    const blocked = await call(w, 'admin', 'POST', `/api/v1/contacts/${eve.id}/block`);
    assert.equal(blocked.body.blocked, true);
    const before = customer.received().length;
    await customer.sendText('are you there?');
    await customer.sendText('STOP');
    await w.settle();
    assert.equal(customer.received().length, before, 'no bot reply, no opt-out confirmation');
    const conv = await call(w, 'admin', 'GET', `/api/v1/conversations/${convId}`);
    assert.ok(
      conv.body.messages.some((m: any) => m.text === 'are you there?'),
      'stored',
    );
    const send = await call(w, 'admin', 'POST', `/api/v1/conversations/${convId}/messages`, { text: 'hello?' });
    assert.equal(send.status, 422);
    assert.equal(send.body.error.code, 'contact_blocked');
    assert.equal((await call(w, 'admin', 'POST', `/api/v1/conversations/${convId}/handoff`, {})).body.error.code, 'contact_blocked');
    assert.equal((await call(w, 'admin', 'GET', '/api/v1/contacts?blocked=true')).body.data.map((c: any) => c.id).join(), eve.id);

    assert.equal((await call(w, 'admin', 'POST', `/api/v1/contacts/${eve.id}/unblock`)).body.blocked, false);
    const ok = await call(w, 'admin', 'POST', `/api/v1/conversations/${convId}/messages`, { text: 'back again' });
    assert.equal(ok.status, 202);
    await customer.waitForMessage((m) => m.text === 'back again');
  });

  test('OPT_OUT_KEYWORDS and OPT_OUT_CONFIRMATION are read from the environment', () => {
    const loaded = loadConfig({ OPT_OUT_KEYWORDS: ' alto, Cancelar ,,', OPT_OUT_CONFIRMATION: 'Listo.' }, '/nonexistent');
    assert.ok(loaded.ok);
    assert.deepEqual(loaded.config.optOutKeywords, ['alto', 'Cancelar']);
    assert.equal(loaded.config.optOutConfirmation, 'Listo.');
  });

  // A second world on its own database (SQLite: a new file; on PostgreSQL it would share this one).
  if (dialect === 'sqlite') {
    test('configured keywords replace the defaults', async () => {
      const other = await startWorld({ dialect, config: { optOutKeywords: ['ALTO'] } });
      try {
        const c = other.sim.customer('15559000006');
        await c.sendText('alto');
        await c.waitForMessage((m) => (m.text ?? '').includes('unsubscribed'));
        await c.sendText('STOP');
        await c.waitForMessage((m) => (m.text ?? '').includes('STOP'), 5000);
      } finally {
        await other.stop();
      }
    });
  }
});
