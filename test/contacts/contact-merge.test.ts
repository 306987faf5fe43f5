import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import type { TelegramSimulator } from '../../src/simulator/telegram/index.ts';
import { call, agentSession } from '../inbox/agents-http.ts';
import { forEachDialect } from '../support/dialects.ts';
import { inboundEnvelope, postSigned } from '../support/signed-post.ts';
import { startTelegramWorld } from '../support/telegram-world.ts';
import type { World } from '../support/test-world.ts';
import { waitFor } from '../support/wait-for.ts';

// Issue 20: one person writes on WhatsApp and on Telegram (two contacts); an agent merges them
// through the API; the survivor holds both identities and both histories, and the next message on
// either channel lands on it. Real Switchboard, both real simulators, real event webhooks.
forEachDialect('contacts merged across channels', (dialect) => {
  let tg: TelegramSimulator;
  let w: World;
  let botId: string;
  let server: Server;
  const hooks: any[] = [];

  before(async () => {
    ({ tg, w, botId } = await startTelegramWorld(dialect, 'merge_secret_1', { eventWebhooks: { allowPrivate: true } }));
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        hooks.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
    const sub = await w.api('POST', '/api/v1/webhooks', { url, events: ['contact.merged', 'message.received', 'conversation.created'] });
    assert.equal(sub.status, 201, JSON.stringify(sub.body));
  });
  after(async () => {
    await w?.stop();
    await tg?.close();
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  });

  const db = () => w.app.deps.storage.db;
  async function conversationsOf(contactId: string) {
    return db().selectFrom('conversations').selectAll().where('contact_id', '=', contactId).orderBy('created_at').execute();
  }
  async function contactByTelegram(chatId: number) {
    return db().selectFrom('contacts').selectAll().where('telegram_chat_id', '=', String(chatId)).executeTakeFirstOrThrow();
  }
  async function contactByWaId(waId: string) {
    return db()
      .selectFrom('contacts')
      .selectAll()
      .where('channel_kind', '=', 'whatsapp')
      .where('external_id', '=', waId)
      .executeTakeFirstOrThrow();
  }
  async function writeOnBoth(waId: string, name: string) {
    const c = w.sim.customer(waId, name);
    await c.sendText(`hi on WhatsApp from ${name}`);
    const u = tg.user({ first_name: name });
    u.send(`hi on Telegram from ${name}`);
    await w.sim.drainWebhooks();
    assert.ok(await tg.drain(10_000));
    await w.settle();
    return { c, u, wa: await contactByWaId(waId), tg: await contactByTelegram(u.id) };
  }

  test('two contacts until merged; the survivor shows both identities and both conversations; new messages land on it', async () => {
    const { c, u, wa, tg: tgc } = await writeOnBoth('15550101001', 'Mira');
    assert.notEqual(wa.id, tgc.id, 'a person writing on both channels is two contacts');
    assert.equal(tgc.channel_kind, 'telegram');
    const waConv = (await conversationsOf(wa.id))[0]!;
    const tgConv = (await conversationsOf(tgc.id))[0]!;

    const r = await w.api('POST', `/api/v1/contacts/${wa.id}/merge`, { contact_id: tgc.id });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.id, wa.id);
    assert.equal(r.body.channel, 'whatsapp');
    assert.deepEqual(r.body.channels, ['whatsapp', 'telegram']);
    assert.equal(r.body.wa_id, '15550101001');
    assert.equal(r.body.telegram_chat_id, String(u.id));
    assert.deepEqual(r.body.merge, { merged_contact_id: tgc.id, conversations_moved: [tgConv.id], conversations_closed: [] });

    const got = await w.api('GET', `/api/v1/contacts/${wa.id}`);
    assert.equal(got.status, 200);
    assert.deepEqual(got.body.channels, ['whatsapp', 'telegram']);
    assert.equal(got.body.telegram_chat_id, String(u.id));
    assert.deepEqual(
      got.body.conversations.map((x: any) => [x.id, x.channel, x.channel_id]).sort(),
      [
        [waConv.id, 'whatsapp', waConv.channel_id],
        [tgConv.id, 'telegram', `tg_${botId}`],
      ].sort(),
    );
    assert.equal((await w.api('GET', `/api/v1/contacts/${tgc.id}`)).status, 404, 'the merged contact is gone');
    // Found by either identity.
    for (const q of ['15550101001', String(u.id)]) {
      const list = await w.api('GET', `/api/v1/contacts?q=${q}`);
      assert.deepEqual(
        list.body.data.map((x: { id: string }) => x.id),
        [wa.id],
        `contacts?q=${q}`,
      );
      const search = await w.api('GET', `/api/v1/search?type=contacts&q=${q}`);
      assert.deepEqual(
        search.body.data.map((x: { id: string }) => x.id),
        [wa.id],
        `search q=${q}`,
      );
    }
    // Both histories kept: the Telegram conversation's messages are the survivor's now.
    const tgMessages = await db().selectFrom('messages').select('text').where('conversation_id', '=', tgConv.id).execute();
    assert.deepEqual(
      tgMessages.map((m) => m.text),
      ['hi on Telegram from Mira'],
    );

    // A new message on each channel lands on the survivor, in the same conversations.
    await c.sendText('again on WhatsApp');
    u.send('again on Telegram');
    await w.sim.drainWebhooks();
    assert.ok(await tg.drain(10_000));
    await w.settle();
    const convs = await conversationsOf(wa.id);
    assert.deepEqual(convs.map((x) => x.id).sort(), [waConv.id, tgConv.id].sort());
    const count = await db().selectFrom('contacts').select(db().fn.countAll().as('n')).where('id', '=', tgc.id).executeTakeFirstOrThrow();
    assert.equal(Number(count.n), 0, 'no new Telegram contact was created');
    const latest = await db()
      .selectFrom('messages')
      .select(['conversation_id', 'text'])
      .where('direction', '=', 'in')
      .where('text', 'in', ['again on WhatsApp', 'again on Telegram'])
      .execute();
    assert.deepEqual(latest.map((m) => [m.text, m.conversation_id]).sort(), [
      ['again on Telegram', tgConv.id],
      ['again on WhatsApp', waConv.id],
    ]);

    // Replies go out on each conversation's own channel, to its own address.
    const toTg = await w.api('POST', `/api/v1/conversations/${tgConv.id}/messages`, { type: 'text', text: 'reply on Telegram' });
    assert.equal(toTg.status, 202, JSON.stringify(toTg.body));
    await tg.waitForSent((s) => s.method === 'sendMessage' && s.params.chat_id === u.id && s.params.text === 'reply on Telegram', 10_000);
    const toWa = await w.api('POST', `/api/v1/conversations/${waConv.id}/messages`, { type: 'text', text: 'reply on WhatsApp' });
    assert.equal(toWa.status, 202, JSON.stringify(toWa.body));
    await c.waitForMessage((m) => (m as { text?: string }).text === 'reply on WhatsApp', 10_000);

    // Events: contact.merged, and message.received naming the channel beside channel_id.
    await waitFor(() => hooks.some((h) => h.type === 'contact.merged' && h.data.contact.id === wa.id), 10_000, 'contact.merged');
    const merged = hooks.find((h) => h.type === 'contact.merged' && h.data.contact.id === wa.id);
    assert.equal(merged.data.merged_contact_id, tgc.id);
    assert.deepEqual(merged.data.contact.channels, ['whatsapp', 'telegram']);
    assert.deepEqual(merged.data.conversations_moved, [tgConv.id]);
    assert.equal(merged.data.by, 'api');
    await waitFor(
      () => hooks.filter((h) => h.type === 'message.received' && /^again on/.test(h.data.message.text)).length === 2,
      10_000,
      'message.received for both',
    );
    for (const h of hooks.filter((x) => x.type === 'message.received' && /^again on/.test(x.data.message.text))) {
      const expected = h.data.message.text === 'again on Telegram' ? 'telegram' : 'whatsapp';
      assert.equal(h.data.message.channel, expected);
      assert.equal(h.data.conversation.channel, expected);
      assert.equal(h.data.conversation.channel_id.startsWith(expected === 'telegram' ? 'tg_' : 'wa_'), true);
      assert.equal(h.data.conversation.contact.id, wa.id);
    }
    const created = hooks.filter((h) => h.type === 'conversation.created');
    assert.ok(created.some((h) => h.data.conversation.channel === 'telegram'));
    assert.ok(created.some((h) => h.data.conversation.channel === 'whatsapp'));
  });

  test('a Telegram contact may be the survivor: it takes the WhatsApp identity, and WhatsApp finds it', async () => {
    const { c, u, wa, tg: tgc } = await writeOnBoth('15550101002', 'Nils');
    const r = await w.api('POST', `/api/v1/contacts/${tgc.id}/merge`, { contact_id: wa.id });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.id, tgc.id);
    assert.equal(r.body.channel, 'whatsapp');
    assert.equal(r.body.wa_id, '15550101002');
    assert.equal(r.body.telegram_chat_id, String(u.id));
    await c.sendText('still me');
    await w.sim.drainWebhooks();
    await w.settle();
    const row = await db()
      .selectFrom('messages as m')
      .innerJoin('conversations as cv', 'cv.id', 'm.conversation_id')
      .select('cv.contact_id')
      .where('m.text', '=', 'still me')
      .executeTakeFirstOrThrow();
    assert.equal(row.contact_id, tgc.id);
  });

  test('two WhatsApp records of one person (phone only, BSUID only), both open on one number: the quieter conversation is closed', async () => {
    let n = 0;
    const post = async (who: { waId?: string; userId?: string }, text: string) => {
      const wamid = `wamid.merge${dialect}${++n}`;
      const contact: Record<string, unknown> = { profile: { name: 'Quinn' } };
      const message: Record<string, unknown> = {
        id: wamid,
        timestamp: String(Math.floor(w.clock.now() / 1000)),
        type: 'text',
        text: { body: text },
      };
      if (who.waId) {
        contact.wa_id = who.waId;
        message.from = who.waId;
      }
      if (who.userId) {
        contact.user_id = who.userId;
        message.from_user_id = who.userId;
      }
      assert.equal((await postSigned(w.app.url, inboundEnvelope(w.sim.phoneNumberId, [message], [contact]))).status, 200);
      await w.settle();
    };
    w.sim.customer('15550101003', 'Quinn');
    await post({ waId: '15550101003' }, 'old payload, phone only');
    w.clock.advance(60_000);
    await post({ userId: 'US.55500011122233344466' }, 'username user, number withheld');
    const phoneOnly = await contactByWaId('15550101003');
    const bsuidOnly = await db()
      .selectFrom('contacts')
      .selectAll()
      .where('bsuid', '=', 'US.55500011122233344466')
      .executeTakeFirstOrThrow();
    assert.notEqual(phoneOnly.id, bsuidOnly.id);
    const quieter = (await conversationsOf(phoneOnly.id))[0]!;
    const livelier = (await conversationsOf(bsuidOnly.id))[0]!;
    const r = await w.api('POST', `/api/v1/contacts/${phoneOnly.id}/merge`, { contact_id: bsuidOnly.id });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body.merge.conversations_closed, [quieter.id]);
    assert.equal(r.body.wa_id, '15550101003');
    assert.equal(r.body.bsuid, 'US.55500011122233344466');
    const statuses = Object.fromEntries(r.body.conversations.map((c: { id: string; status: string }) => [c.id, c.status]));
    assert.deepEqual(statuses, { [quieter.id]: 'closed', [livelier.id]: 'active' });
  });

  test('a restricted agent merges only contacts they can see: another contact reads as missing', async () => {
    const { u: mine } = await writeOnBoth('15550101004', 'Rita');
    const seen = await contactByWaId('15550101004');
    const hiddenTg = await contactByTelegram(mine.id);
    const agent = await agentSession(w, 'merge-agent@example.com', { visibility: 'assigned_and_team' });
    const conv = (await conversationsOf(seen.id))[0]!;
    assert.equal((await w.api('POST', `/api/v1/conversations/${conv.id}/assign`, { user_id: agent.user.id })).status, 200);
    const as = { cookie: agent.cookie };
    const refused = await call(w, as, 'POST', `/api/v1/contacts/${seen.id}/merge`, { contact_id: hiddenTg.id });
    assert.equal(refused.status, 404, JSON.stringify(refused.body));
    assert.equal(refused.body.error.code, 'contact_not_found');
    const tgConv = (await conversationsOf(hiddenTg.id))[0]!;
    assert.equal((await w.api('POST', `/api/v1/conversations/${tgConv.id}/assign`, { user_id: agent.user.id })).status, 200);
    const ok = await call(w, as, 'POST', `/api/v1/contacts/${seen.id}/merge`, { contact_id: hiddenTg.id });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.deepEqual(ok.body.channels, ['whatsapp', 'telegram']);
  });

  test('refusals: the same contact 422, an unknown one 404, two Telegram chats 409, no contact_id 422', async () => {
    const a = tg.user({ first_name: 'Ola' });
    const b = tg.user({ first_name: 'Pia' });
    a.send('one');
    b.send('two');
    assert.ok(await tg.drain(10_000));
    await w.settle();
    const ca = await contactByTelegram(a.id);
    const cb = await contactByTelegram(b.id);
    // A Telegram chat id is digits, but it is not a WhatsApp id.
    const view = await w.api('GET', `/api/v1/contacts/${ca.id}`);
    assert.equal(view.body.wa_id, null);
    assert.equal(view.body.telegram_chat_id, String(a.id));
    assert.deepEqual(view.body.channels, ['telegram']);
    const found = await w.api('GET', `/api/v1/search?type=contacts&q=${a.id}`);
    assert.equal(found.status, 200, JSON.stringify(found.body));
    assert.deepEqual(
      found.body.data.map((r: { id: string; wa_id: string | null }) => [r.id, r.wa_id]),
      [[ca.id, null]],
    );
    const same = await w.api('POST', `/api/v1/contacts/${ca.id}/merge`, { contact_id: ca.id });
    assert.equal(same.status, 422);
    assert.equal(same.body.error.code, 'same_contact');
    const unknownOther = await w.api('POST', `/api/v1/contacts/${ca.id}/merge`, { contact_id: 'ct_nope' });
    assert.equal(unknownOther.status, 404);
    assert.equal(unknownOther.body.error.code, 'contact_not_found');
    const unknownSelf = await w.api('POST', '/api/v1/contacts/ct_nope/merge', { contact_id: ca.id });
    assert.equal(unknownSelf.status, 404);
    const clash = await w.api('POST', `/api/v1/contacts/${ca.id}/merge`, { contact_id: cb.id });
    assert.equal(clash.status, 409);
    assert.equal(clash.body.error.code, 'identity_conflict');
    const missing = await w.api('POST', `/api/v1/contacts/${ca.id}/merge`, {});
    assert.equal(missing.status, 422);
    assert.equal(missing.body.error.code, 'invalid_contact_id');
    // Nothing changed.
    assert.equal((await conversationsOf(cb.id)).length, 1);
  });
});
