import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { forEachDialect } from '../support/dialects.ts';
import { inboundEnvelope, postSigned } from '../support/signed-post.ts';
import { startWorld, type World } from '../support/test-world.ts';
import { waitFor } from '../support/wait-for.ts';
import { approvedTemplate, body } from '../templates/helpers.ts';

/**
 * Business-scoped user IDs and usernames (docs/whatsapp-identity.md): webhooks in Meta's
 * documented shape, signed and posted over HTTP; replies leave through the real adapter to the
 * simulator, whose log holds the exact Graph request.
 */
forEachDialect('contacts: BSUIDs and usernames', (dialect) => {
  let w: World;
  let n = 0;
  before(async () => {
    w = await startWorld({ dialect, config: { demoBot: false } });
  });
  after(async () => {
    await w?.stop();
  });

  const ts = () => String(Math.floor(w.clock.now() / 1000));
  /** One inbound text as Meta sends it; `waId` undefined = the number is withheld. */
  async function inbound(who: { waId?: string; userId?: string; username?: string; name?: string }, text: string): Promise<string> {
    const wamid = `wamid.bsuid${dialect}${++n}`;
    const contact: Record<string, unknown> = { profile: { name: who.name ?? 'Ana', ...(who.username ? { username: who.username } : {}) } };
    if (who.waId !== undefined) contact.wa_id = who.waId;
    if (who.userId !== undefined) contact.user_id = who.userId;
    const message: Record<string, unknown> = { id: wamid, timestamp: ts(), type: 'text', text: { body: text } };
    if (who.waId !== undefined) message.from = who.waId;
    if (who.userId !== undefined) message.from_user_id = who.userId;
    const res = await postSigned(w.app.url, inboundEnvelope(w.sim.phoneNumberId, [message], [contact]));
    assert.equal(res.status, 200);
    await w.settle();
    return wamid;
  }
  const contactsMatching = async (q: string) => (await w.api('GET', `/api/v1/contacts?q=${encodeURIComponent(q)}`)).body.data as any[];
  const messageByWamid = (wamid: string) =>
    w.app.deps.storage.db
      .selectFrom('messages')
      .innerJoin('conversations', 'conversations.id', 'messages.conversation_id')
      .select(['messages.id', 'messages.text', 'conversations.contact_id', 'conversations.id as conversation_id'])
      .where('messages.external_id', '=', wamid)
      .executeTakeFirst();

  test('a username-only customer is stored, shown with the username, and answered by BSUID (Graph `recipient`)', async () => {
    const customer = w.sim.customer('14155550101', 'Ana', { username: 'ana.k', hidePhone: true });
    const wamid = await inbound({ userId: customer.userId, username: 'ana.k', name: 'Ana K' }, 'hola, soy Ana');
    const stored = await messageByWamid(wamid);
    assert.ok(stored, 'the message is stored');
    const [c] = await contactsMatching('ana.k');
    assert.ok(c, 'found by username');
    assert.equal(c.id, stored.contact_id);
    assert.equal(c.bsuid, customer.userId);
    assert.equal(c.username, 'ana.k');
    assert.equal(c.phone, null);
    assert.equal(c.wa_id, null);
    assert.equal((await contactsMatching(customer.userId))[0]?.id, c.id, 'found by BSUID too');

    const reply = await w.api('POST', `/api/v1/conversations/${stored.conversation_id}/messages`, {
      type: 'text',
      text: 'Hola Ana, ¿en qué te ayudo?',
    });
    assert.equal(reply.status, 202, JSON.stringify(reply.body));
    const sent = await w.sim.waitForOutbound((m) => m.text === 'Hola Ana, ¿en qué te ayudo?');
    assert.equal(sent.body.recipient, customer.userId);
    assert.equal(sent.body.to, undefined, 'no phone number is sent');
    assert.equal(sent.body.messaging_product, 'whatsapp');
    assert.deepEqual(sent.body.text, { preview_url: false, body: 'Hola Ana, ¿en qué te ayudo?' });
  });

  test('a later message carrying the phone number links to the same contact, never a duplicate; a new username updates it', async () => {
    const userId = 'BR.1502576394655843';
    const first = await messageByWamid(await inbound({ userId, username: 'joao' }, 'oi'));
    const second = await messageByWamid(await inbound({ userId, waId: '5511987654321', username: 'joao.silva' }, 'meu número'));
    assert.ok(first && second);
    assert.equal(second.contact_id, first.contact_id);
    assert.equal(second.conversation_id, first.conversation_id);
    const rows = await w.app.deps.storage.db.selectFrom('contacts').selectAll().where('bsuid', '=', userId).execute();
    assert.equal(rows.length, 1);
    const c = (await w.api('GET', `/api/v1/contacts/${first.contact_id}`)).body;
    assert.equal(c.phone, '+5511987654321');
    assert.equal(c.wa_id, '5511987654321');
    assert.equal(c.username, 'joao.silva');
    // The number withheld again later: the known number stays.
    const third = await messageByWamid(await inbound({ userId, username: 'joao.silva' }, 'de novo'));
    assert.equal(third?.contact_id, first.contact_id);
    assert.equal((await w.api('GET', `/api/v1/contacts/${first.contact_id}`)).body.phone, '+5511987654321');
  });

  test('an older payload without user_id is keyed by phone; the first message with a BSUID sets it on that contact', async () => {
    const legacy = await messageByWamid(await inbound({ waId: '14155550202', name: 'Old Timer' }, 'hello'));
    assert.ok(legacy);
    const before = (await w.api('GET', `/api/v1/contacts/${legacy.contact_id}`)).body;
    assert.equal(before.wa_id, '14155550202');
    assert.equal(before.phone, '+14155550202');
    assert.equal(before.bsuid, null);
    const userId = 'US.88811122233344455566';
    const linked = await messageByWamid(await inbound({ waId: '14155550202', userId }, 'again'));
    assert.equal(linked?.contact_id, legacy.contact_id);
    assert.equal((await w.api('GET', `/api/v1/contacts/${legacy.contact_id}`)).body.bsuid, userId);
    // Then found by BSUID alone.
    const hidden = await messageByWamid(await inbound({ userId, username: 'oldtimer' }, 'hidden now'));
    assert.equal(hidden?.contact_id, legacy.contact_id);
  });

  test('user_id_update (a phone change gave a new BSUID) moves the contact to the new BSUID and number', async () => {
    const previous = 'US.10000000000000000001';
    const current = 'US.20000000000000000002';
    const m = await messageByWamid(await inbound({ waId: '14155550303', userId: previous, name: 'Sheena' }, 'hi'));
    assert.ok(m);
    const update = {
      object: 'whatsapp_business_account',
      entry: [
        {
          id: '102290129340398',
          changes: [
            {
              field: 'user_id_update',
              value: {
                messaging_product: 'whatsapp',
                metadata: { display_phone_number: '15550783881', phone_number_id: w.sim.phoneNumberId },
                contacts: [{ profile: { name: 'Sheena' }, wa_id: '14155550404' }],
                user_id_update: [
                  { wa_id: '14155550404', detail: 'User id for Sheena has been updated.', user_id: { previous, current }, timestamp: ts() },
                ],
              },
            },
          ],
        },
      ],
    };
    assert.equal((await postSigned(w.app.url, update)).status, 200);
    await w.settle();
    const c = (await w.api('GET', `/api/v1/contacts/${m.contact_id}`)).body;
    assert.equal(c.bsuid, current);
    assert.equal(c.phone, '+14155550404');
    assert.equal(c.wa_id, '14155550404');
    const next = await messageByWamid(await inbound({ userId: current, waId: '14155550404' }, 'new phone'));
    assert.equal(next?.contact_id, m.contact_id);
    assert.equal(next?.conversation_id, m.conversation_id);
  });

  test('system messages: user_changed_number moves the contact to the new number, user_changed_user_id to the new BSUID', async () => {
    const userId = 'US.30000000000000000003';
    const m = await messageByWamid(await inbound({ waId: '14155550606', userId, name: 'Sam' }, 'hi'));
    assert.ok(m);
    const system = async (sys: Record<string, unknown>, from: Record<string, unknown>) => {
      const wamid = `wamid.bsuidsys${dialect}${++n}`;
      const res = await postSigned(
        w.app.url,
        inboundEnvelope(w.sim.phoneNumberId, [{ ...from, id: wamid, timestamp: ts(), type: 'system', system: sys }]),
      );
      assert.equal(res.status, 200);
      await w.settle();
      return messageByWamid(wamid);
    };
    const changed = await system(
      { body: 'User Sam changed from 14155550606 to 14155550707', wa_id: '14155550707', type: 'user_changed_number' },
      { from: '14155550606' },
    );
    assert.equal(changed?.contact_id, m.contact_id, "the system message is stored in the contact's conversation");
    let c = (await w.api('GET', `/api/v1/contacts/${m.contact_id}`)).body;
    assert.equal(c.phone, '+14155550707');
    assert.equal(c.wa_id, '14155550707');
    assert.equal(c.bsuid, userId);
    const next = 'US.40000000000000000004';
    await system(
      { body: `User Sam changed from ${userId} to ${next}`, user_id: next, type: 'user_changed_user_id' },
      { from_user_id: userId },
    );
    c = (await w.api('GET', `/api/v1/contacts/${m.contact_id}`)).body;
    assert.equal(c.bsuid, next);
    const after = await messageByWamid(await inbound({ userId: next }, 'still me'));
    assert.equal(after?.contact_id, m.contact_id);
  });

  test("a malformed wa_id is kept out of the contact's identity; the message is stored and the problem recorded", async () => {
    const userId = 'GB.4242424242';
    const wamid = await inbound({ waId: '<WHATSAPP_USER_PHONE_NUMBER>', userId }, 'placeholder number');
    const m = await messageByWamid(wamid);
    assert.ok(m, 'the message is stored');
    const c = (await w.api('GET', `/api/v1/contacts/${m.contact_id}`)).body;
    assert.equal(c.bsuid, userId);
    assert.equal(c.wa_id, null);
    assert.equal(c.phone, null);
    const ev = await w.app.deps.storage.db
      .selectFrom('webhook_events')
      .select('error')
      .where('body', 'like', `%${wamid}%`)
      .executeTakeFirstOrThrow();
    assert.match(ev.error ?? '', /malformed wa_id/);

    // Neither identifier usable (a BSUID in the wrong format too): still stored, on a contact with no identity.
    const lost = await messageByWamid(await inbound({ waId: 'abc-123', userId: 'not a bsuid' }, 'who am I'));
    assert.ok(lost, 'the message is stored');
    const nobody = (await w.api('GET', `/api/v1/contacts/${lost.contact_id}`)).body;
    assert.equal(nobody.wa_id, null);
    assert.equal(nobody.phone, null);
    assert.equal(nobody.bsuid, null);
  });

  test('start a conversation and send a template by bsuid; bad bsuid is 422', async () => {
    const customer = w.sim.customer('14155550505', 'Bea', { username: 'bea.r', hidePhone: true });
    const m = await messageByWamid(await inbound({ userId: customer.userId, username: 'bea.r', name: 'Bea' }, 'hola'));
    assert.ok(m);
    const started = await w.api('POST', '/api/v1/conversations', { bsuid: customer.userId, text: 'Seguimos por aquí' });
    assert.equal(started.status, 202, JSON.stringify(started.body));
    assert.equal(started.body.conversation.id, m.conversation_id);
    const sent = await w.sim.waitForOutbound((o) => o.text === 'Seguimos por aquí');
    assert.equal(sent.body.recipient, customer.userId);
    assert.equal(sent.body.to, undefined);

    const tpl = await approvedTemplate(w, {
      name: 'aviso_bsuid',
      language: 'es_MX',
      category: 'UTILITY',
      components: [body('Tu pedido {{1}} está listo.', ['A-1'])],
    });
    assert.equal(tpl.status, 'APPROVED');
    const t = await w.api('POST', '/api/v1/conversations', { bsuid: customer.userId, template: tpl.id, parameters: { body: ['A-7'] } });
    assert.equal(t.status, 202, JSON.stringify(t.body));
    await w.settle();
    const tsent = await w.sim.waitForOutbound((o) => o.type === 'template' && o.body.template?.name === 'aviso_bsuid');
    assert.equal(tsent.body.recipient, customer.userId);
    assert.equal(tsent.body.to, undefined);
    const viaTemplateRoute = await w.api('POST', `/api/v1/templates/${tpl.id}/send`, {
      bsuid: customer.userId,
      parameters: { body: ['A-8'] },
    });
    assert.equal(viaTemplateRoute.status, 202, JSON.stringify(viaTemplateRoute.body));

    for (const bad of ['US-123', 'us.123', '15551234567', 'US.', 'US.abc def']) {
      const r = await w.api('POST', '/api/v1/conversations', { bsuid: bad, text: 'x' });
      assert.equal(r.status, 422, bad);
      assert.equal(r.body.error.code, 'invalid_bsuid');
    }
    const both = await w.api('POST', '/api/v1/conversations', { bsuid: customer.userId, phone: '+14155550505', text: 'x' });
    assert.equal(both.status, 422);
    const tBad = await w.api('POST', '/api/v1/conversations', { bsuid: 'nope', template: tpl.id, parameters: { body: ['A-9'] } });
    assert.equal(tBad.status, 422);
    assert.equal(tBad.body.error.code, 'invalid_bsuid');
    await waitFor(
      async () => (await w.app.deps.storage.db.selectFrom('messages').select('id').where('status', '=', 'queued').execute()).length === 0,
      5000,
      'queue drained',
    );
  });
});
