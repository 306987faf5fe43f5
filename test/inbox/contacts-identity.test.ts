import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { publish } from '../flows/flow-helpers.ts';
import { forEachDialect } from '../support/dialects.ts';
import { inboundEnvelope, postSigned } from '../support/signed-post.ts';
import { startWorld, type World } from '../support/test-world.ts';
import { approvedTemplate, body } from '../templates/helpers.ts';

/**
 * Issue 12, identity (docs/whatsapp-identity.md): inbox search by username and BSUID, duplicate
 * contacts merged when a message carries both identifiers, parent BSUIDs, flow variables, opt-in
 * for BSUID-only contacts. Webhooks are signed and posted over HTTP to the real route.
 */
forEachDialect('contacts: identity search, merge, parent BSUID, flow variables', (dialect) => {
  let w: World;
  let n = 0;
  before(async () => {
    w = await startWorld({ dialect, config: { demoBot: false } });
  });
  after(async () => {
    await w?.stop();
  });

  const ts = () => String(Math.floor(w.clock.now() / 1000));
  async function inbound(who: { waId?: string; userId?: string; username?: string; name?: string }, text: string) {
    const wamid = `wamid.ident${dialect}${++n}`;
    const contact: Record<string, unknown> = { profile: { name: who.name ?? 'Ana', ...(who.username ? { username: who.username } : {}) } };
    if (who.waId !== undefined) contact.wa_id = who.waId;
    if (who.userId !== undefined) contact.user_id = who.userId;
    const message: Record<string, unknown> = { id: wamid, timestamp: ts(), type: 'text', text: { body: text } };
    if (who.waId !== undefined) message.from = who.waId;
    if (who.userId !== undefined) message.from_user_id = who.userId;
    const res = await postSigned(w.app.url, inboundEnvelope(w.sim.phoneNumberId, [message], [contact]));
    assert.equal(res.status, 200);
    await w.settle();
    return w.app.deps.storage.db
      .selectFrom('messages')
      .innerJoin('conversations', 'conversations.id', 'messages.conversation_id')
      .select(['messages.id', 'conversations.contact_id', 'conversations.id as conversation_id'])
      .where('messages.external_id', '=', wamid)
      .executeTakeFirstOrThrow();
  }
  const listIds = async (q: string) =>
    ((await w.api('GET', `/api/v1/conversations?q=${encodeURIComponent(q)}`)).body.data as any[]).map((c) => c.id);

  test('the conversation list q matches username and BSUID (indexed and short queries), and follows changes', async () => {
    // A phone-keyed contact with a BSUID: neither the username nor the BSUID is in name/phone/external_id.
    const m = await inbound({ waId: '14155551001', userId: 'US.55500011122233344455', username: 'zorro.qx', name: 'Diego' }, 'hola');
    assert.ok((await listIds('zorro.qx')).includes(m.conversation_id), 'by username');
    assert.ok((await listIds('ZORRO')).includes(m.conversation_id), 'by username, any case');
    assert.ok((await listIds('US.555000111')).includes(m.conversation_id), 'by BSUID');
    assert.ok((await listIds('zo')).includes(m.conversation_id), 'short query (no index) by username');
    assert.ok(!(await listIds('nobody.here')).includes(m.conversation_id));
    // A new username on the next message: the index follows it.
    await inbound({ waId: '14155551001', userId: 'US.55500011122233344455', username: 'quetzal.mx', name: 'Diego' }, 'again');
    assert.ok((await listIds('quetzal')).includes(m.conversation_id), 'new username found');
    assert.ok(!(await listIds('zorro.qx')).includes(m.conversation_id), 'old username gone');
  });

  test('a phone-only contact and a BSUID-only contact merge when a message carries both; the older survives with everything', async () => {
    const waId = '14155551009';
    const userId = 'US.77700011122233344455';
    w.sim.customer(waId, 'Lupe');
    // 1. An older payload: phone only. Notes, tags, attributes, opt-in on this record.
    const old = await inbound({ waId, name: 'Lupe' }, 'pedido 1');
    const oldConv = old.conversation_id;
    assert.equal(
      (await w.api('PATCH', `/api/v1/contacts/${old.contact_id}`, { tags: ['vip'], attributes: { city: 'CDMX', tier: 'gold' } })).status,
      200,
    );
    assert.equal((await w.api('POST', `/api/v1/contacts/${old.contact_id}/opt-in`, { source: 'web_form' })).status, 200);
    assert.equal((await w.api('POST', `/api/v1/conversations/${oldConv}/notes`, { text: 'called about order 1' })).status, 201);
    w.clock.advance(60_000);
    // 2. The same person as a username user, number withheld: a second record.
    const hidden = await inbound({ userId, username: 'lupe.g', name: 'Lupe G' }, 'soy yo otra vez');
    assert.notEqual(hidden.contact_id, old.contact_id, 'two records while nothing links them');
    assert.equal(
      (await w.api('PATCH', `/api/v1/contacts/${hidden.contact_id}`, { tags: ['new'], attributes: { tier: 'silver', lang: 'es' } })).status,
      200,
    );
    assert.equal((await w.api('POST', `/api/v1/contacts/${hidden.contact_id}/opt-out`, { source: 'keyword' })).status, 200);
    // An integration listening for conversation changes (the receiver need not exist: the events are recorded).
    const sub = await w.api('POST', '/api/v1/webhooks', {
      url: 'https://crm.example.com/hook',
      events: ['conversation.closed', 'conversation.updated'],
    });
    assert.equal(sub.status, 201, JSON.stringify(sub.body));
    const contactsBefore = await w.app.deps.storage.db
      .selectFrom('contacts')
      .select(({ fn }) => fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    w.clock.advance(60_000);
    // 3. A message with both: one contact.
    const both = await inbound({ waId, userId, username: 'lupe.g', name: 'Lupe G' }, 'ya con número');
    assert.equal(both.contact_id, old.contact_id, 'the older record survives');
    const db = w.app.deps.storage.db;
    assert.equal(
      await db.selectFrom('contacts').select('id').where('id', '=', hidden.contact_id).executeTakeFirst(),
      undefined,
      'the other record is gone',
    );
    const contactsAfter = await db
      .selectFrom('contacts')
      .select(({ fn }) => fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    assert.equal(Number(contactsAfter.n), Number(contactsBefore.n) - 1, 'one record fewer, none created');
    assert.equal((await db.selectFrom('contacts').select('id').where('bsuid', '=', userId).execute()).length, 1);

    const c = (await w.api('GET', `/api/v1/contacts/${old.contact_id}`)).body;
    assert.equal(c.bsuid, userId);
    assert.equal(c.wa_id, waId);
    assert.equal(c.phone, '+14155551009');
    assert.equal(c.username, 'lupe.g');
    assert.deepEqual([...c.tags].sort(), ['new', 'vip']);
    assert.deepEqual(c.attributes, { city: 'CDMX', tier: 'gold', lang: 'es' }, 'the survivor wins on a shared key');
    assert.equal(c.opt_in.state, 'opted_out', 'the later opt change wins');
    assert.deepEqual(c.opt_in_history.map((e: any) => e.state).sort(), ['opted_in', 'opted_out'], 'both ledgers moved, nothing duplicated');

    // Conversations: both belong to the survivor; one open per number, the quieter one closed.
    const convs = await db
      .selectFrom('conversations')
      .select(['id', 'status', 'contact_id'])
      .where('id', 'in', [oldConv, hidden.conversation_id])
      .execute();
    assert.equal(convs.length, 2);
    assert.ok(convs.every((x) => x.contact_id === old.contact_id));
    assert.equal(convs.find((x) => x.id === oldConv)?.status, 'closed', 'the quieter conversation is closed');
    assert.equal(both.conversation_id, hidden.conversation_id, 'the message joined the recent conversation');
    // The close and the move are events like any other: integrations and the inbox hear of them.
    const events = await db
      .selectFrom('emitted_events')
      .select(['type', 'body'])
      .where('type', 'in', ['conversation.closed', 'conversation.updated'])
      .execute();
    assert.ok(
      events.some((e) => e.type === 'conversation.closed' && e.body.includes(oldConv)),
      'conversation.closed for the conversation the merge closed',
    );
    assert.ok(
      events.some((e) => e.type === 'conversation.updated' && e.body.includes(hidden.conversation_id) && e.body.includes('"contact"')),
      'conversation.updated (changes: contact) for the moved one',
    );
    const notes = (await w.api('GET', `/api/v1/conversations/${oldConv}/notes`)).body.data as any[];
    assert.equal(notes.length, 1, 'notes stay with their conversation');
    const msgs = await db
      .selectFrom('messages')
      .innerJoin('conversations', 'conversations.id', 'messages.conversation_id')
      .select('messages.id')
      .where('conversations.contact_id', '=', old.contact_id)
      .execute();
    assert.equal(msgs.length, 3, 'every message once');
    // Search finds the merged contact by its username, and a reply goes to the number.
    assert.ok((await listIds('lupe.g')).includes(hidden.conversation_id));
    const reply = await w.api('POST', `/api/v1/conversations/${hidden.conversation_id}/messages`, { type: 'text', text: 'Gracias Lupe' });
    assert.equal(reply.status, 202, JSON.stringify(reply.body));
    const sent = await w.sim.waitForOutbound((o) => o.text === 'Gracias Lupe');
    assert.equal(sent.body.to, waId);
    // Replayed (Meta redelivers): nothing twice.
    const again = await inbound({ waId, userId, username: 'lupe.g' }, 'otra');
    assert.equal(again.contact_id, old.contact_id);
  });

  test('a phone record that has another BSUID is not merged (a recycled number)', async () => {
    const a = await inbound({ waId: '14155551002', userId: 'US.11100000000000000001' }, 'first owner');
    const b = await inbound({ userId: 'US.22200000000000000002', username: 'second.owner' }, 'second owner');
    const c = await inbound({ waId: '14155551002', userId: 'US.22200000000000000002', username: 'second.owner' }, 'now with number');
    assert.equal(c.contact_id, b.contact_id);
    assert.notEqual(c.contact_id, a.contact_id);
    assert.ok(await w.app.deps.storage.db.selectFrom('contacts').select('id').where('id', '=', a.contact_id).executeTakeFirst());
  });

  test('parent BSUID: the simulator sends it where Meta does; Switchboard stores and shows it', async () => {
    const parent = 'US.ENT.11815799212886844830';
    const customer = w.sim.customer('14155551003', 'Pat', { username: 'pat.p', parentUserId: parent });
    await customer.sendText('hi from a linked portfolio');
    await w.settle();
    const delivered = w.sim.deliveries().find((d) => d.body.includes('hi from a linked portfolio'));
    const value = delivered ? JSON.parse(delivered.body).entry[0].changes[0].value : undefined;
    assert.ok(value, 'the webhook the simulator sent');
    assert.equal(value.contacts[0].parent_user_id, parent);
    assert.equal(value.contacts[0].user_id, customer.userId);
    assert.equal(value.messages[0].from_parent_user_id, parent);
    const [contact] = (await w.api('GET', `/api/v1/contacts?q=${encodeURIComponent('pat.p')}`)).body.data as any[];
    assert.equal(contact.parent_bsuid, parent);
    assert.equal(contact.bsuid, customer.userId);
    assert.throws(() => w.sim.customer('14155551004', 'Bad', { parentUserId: 'US.123' }), /parent BSUID/);
  });

  test('flow variables: a username-only contact has an empty wa_id and phone, and its bsuid and username', async () => {
    await publish(w, {
      id: 'ident-vars',
      name: 'ident vars',
      start: 'say',
      triggers: [{ type: 'exact', value: 'who am i' }],
      blocks: {
        say: {
          type: 'end',
          status: 'succeeded',
          message: 'wa=[{{contact.wa_id}}] phone=[{{contact.phone}}] bsuid=[{{contact.bsuid}}] user=[{{contact.username}}]',
        },
      },
    });
    const hidden = w.sim.customer('14155551005', 'Hid', { username: 'hid.den', hidePhone: true });
    await hidden.sendText('who am i');
    const out = await w.sim.waitForOutbound((o) => (o.text ?? '').startsWith('wa=[') && o.body.recipient === hidden.userId);
    assert.equal(out.text, `wa=[] phone=[] bsuid=[${hidden.userId}] user=[hid.den]`);
    const plain = w.sim.customer('14155551006', 'Plain');
    await plain.sendText('who am i');
    const out2 = await w.sim.waitForOutbound((o) => (o.text ?? '').startsWith('wa=[14155551006'));
    assert.equal(out2.text, `wa=[14155551006] phone=[+14155551006] bsuid=[${plain.userId}] user=[]`);
  });

  test('a flow started through the API by bsuid reaches a username-only customer; a malformed bsuid is refused', async () => {
    await publish(w, {
      id: 'ident-start',
      name: 'ident start',
      start: 'say',
      blocks: { say: { type: 'end', status: 'succeeded', message: 'started for {{contact.username}}' } },
    });
    const hidden = w.sim.customer('14155551007', 'Start', { username: 'start.me', hidePhone: true });
    await hidden.sendText('hola'); // opens the 24-hour window
    await w.settle();
    const started = await w.api('POST', '/api/v1/flows/ident-start/start', { bsuid: hidden.userId });
    assert.equal(started.status, 202, JSON.stringify(started.body));
    const out = await w.sim.waitForOutbound((o) => o.text === 'started for start.me');
    assert.equal(out.body.recipient, hidden.userId);
    const bad = await w.api('POST', '/api/v1/flows/ident-start/start', { bsuid: 'not a bsuid' });
    assert.equal(bad.status, 422);
    assert.equal(bad.body.error.code, 'invalid_bsuid');
    const both = await w.api('POST', '/api/v1/flows/ident-start/start', { bsuid: hidden.userId, phone: '+14155551007' });
    assert.equal(both.status, 400);
    assert.equal(both.body.error.code, 'contact_required');
  });

  test('opt-in and template sends for a BSUID-only contact', async () => {
    const customer = w.sim.customer('14155551007', 'Opt', { username: 'opt.out', hidePhone: true });
    const m = await inbound({ userId: customer.userId, username: 'opt.out' }, 'hola');
    const out = await w.api('POST', `/api/v1/contacts/${m.contact_id}/opt-out`, { source: 'api' });
    assert.equal(out.status, 200);
    assert.equal(out.body.opt_in.state, 'opted_out');
    const tpl = await approvedTemplate(w, {
      name: 'ident_promo',
      language: 'es_MX',
      category: 'MARKETING',
      components: [body('Tenemos una oferta {{1}} para ti esta semana.', ['X'])],
    });
    w.clock.advance(25 * 3600_000); // the customer's window closes: a business-initiated send needs opt-in
    const refused = await w.api('POST', `/api/v1/templates/${tpl.id}/send`, { bsuid: customer.userId, parameters: { body: ['Y'] } });
    assert.equal(refused.status, 422, JSON.stringify(refused.body));
    assert.equal(refused.body.error.code, 'opt_in_required');
    const back = await w.api('POST', `/api/v1/contacts/${m.contact_id}/opt-in`, { source: 'web_form' });
    assert.equal(back.body.opt_in.state, 'opted_in');
    const sent = await w.api('POST', '/api/v1/conversations', { bsuid: customer.userId, template: tpl.id, parameters: { body: ['Z'] } });
    assert.equal(sent.status, 202, JSON.stringify(sent.body));
    const o = await w.sim.waitForOutbound((x) => x.type === 'template' && x.body.template?.name === 'ident_promo');
    assert.equal(o.body.recipient, customer.userId);
  });
});
