import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { applyEarlyStatuses } from '../../src/messaging/apply-status.ts';
import { upsertContact } from '../../src/contacts/contact-store.ts';
import { openConversation } from '../../src/messaging/open-conversation.ts';
import { insertInbound, insertOutbound } from '../../src/conversations/message-store.ts';
import { processInbound } from '../../src/messaging/process-inbound.ts';
import { forEachDialect } from '../support/dialects.ts';
import { inboundEnvelope, postSigned, statusEnvelope } from '../support/signed-post.ts';
import { startWorld, type World } from '../support/test-world.ts';
import { waitFor } from '../support/wait-for.ts';

forEachDialect('pipeline guarantees', (dialect) => {
  let w: World;
  before(async () => {
    w = await startWorld({ dialect });
  });
  after(async () => {
    await w?.stop();
  });
  const db = () => w.app.deps.storage.db;

  test('one wamid delivered many times, concurrently, is processed once', async () => {
    const body = inboundEnvelope(
      w.sim.phoneNumberId,
      [
        {
          from: '15552220001',
          id: 'wamid.DUPLICATE1',
          timestamp: `${Math.floor(w.clock.now() / 1000)}`,
          type: 'text',
          text: { body: 'only once' },
        },
      ],
      [{ profile: { name: 'Dup' }, wa_id: '15552220001' }],
    );
    const results = await Promise.all(Array.from({ length: 12 }, () => postSigned(w.app.url, body)));
    assert.ok(results.every((r) => r.status === 200));
    await w.settle();
    await postSigned(w.app.url, body); // and once more, after processing
    await w.settle();
    const stored = await db().selectFrom('messages').selectAll().where('external_id', '=', 'wamid.DUPLICATE1').execute();
    assert.equal(stored.length, 1);
    const replies = w.sim.outbound().filter((m) => m.to.endsWith('15552220001'));
    assert.equal(replies.length, 1, 'the bot answered once');
  });

  test("one conversation's messages are processed in the order the customer sent them", async () => {
    const customer = w.sim.customer('15552220002', 'Order');
    const n = 25;
    for (let i = 0; i < n; i++) await customer.sendText(`message ${i}`);
    await waitFor(() => customer.received().length >= n, 15_000, `${n} echoes`);
    assert.deepEqual(
      customer.received().map((m) => m.text),
      Array.from({ length: n }, (_, i) => `You said: message ${i}`),
    );
  });

  test('a job that runs out of turn handles the earlier waiting message of its conversation first', async () => {
    const now = w.clock.now();
    const channelId = `wa_${w.sim.phoneNumberId}`;
    const contact = await upsertContact(db(), {
      channelKind: 'whatsapp',
      externalId: '15552220009',
      phoneE164: '+15552220009',
      profileName: 'Turn',
      now,
    });
    const conv = await openConversation(db(), { channelId, contactId: contact.id, now });
    const inbound = (i: number) => ({
      channel: 'whatsapp' as const,
      channelAccountId: w.sim.phoneNumberId,
      externalId: `wamid.TURN${i}`,
      from: '15552220009',
      sentAt: now,
      kind: 'text' as const,
      providerType: 'text',
      text: `turn ${i}`,
      raw: {},
    });
    // Stored without their jobs, as if the engine had lost or postponed the first one.
    const first = await insertInbound(db(), { conversationId: conv.id, channelId, message: inbound(1), now });
    const second = await insertInbound(db(), { conversationId: conv.id, channelId, message: inbound(2), now });
    assert.ok(first && second);
    await processInbound(w.app.deps, { messageId: second });
    await processInbound(w.app.deps, { messageId: first }); // the late job: nothing left to do
    await w.settle();
    // This customer never wrote through the simulator, so look at what the business sent.
    const sent = () => w.sim.outbound().filter((m) => m.to.endsWith('15552220009'));
    await waitFor(() => sent().length >= 2, 5000, 'two replies');
    assert.deepEqual(
      sent().map((m) => m.text),
      ['You said: turn 1', 'You said: turn 2'],
    );
  });

  test('statuses apply monotonically whatever their order; failed keeps its error', async () => {
    const customer = w.sim.customer('15552220003');
    await customer.sendText('status test');
    const reply = await customer.waitForMessage();
    await w.settle();
    const wamid = reply.wamid;
    const at = `${Math.floor(w.clock.now() / 1000)}`;
    const st = (status: string, extra: object = {}) => ({ id: wamid, status, timestamp: at, recipient_id: '15552220003', ...extra });
    // read first, then the older ones late
    await postSigned(w.app.url, statusEnvelope(w.sim.phoneNumberId, [st('read')]));
    await postSigned(w.app.url, statusEnvelope(w.sim.phoneNumberId, [st('delivered'), st('sent')]));
    await w.settle();
    await waitFor(
      async () =>
        (await db().selectFrom('messages').select('status').where('external_id', '=', wamid).executeTakeFirstOrThrow()).status === 'read',
    );

    // A message that fails: failed sticks with its error, a late "sent" does not undo it.
    const conv = await db()
      .selectFrom('messages')
      .select(['conversation_id', 'channel_id'])
      .where('external_id', '=', wamid)
      .executeTakeFirstOrThrow();
    const out = await insertOutbound(db(), {
      conversationId: conv.conversation_id,
      channelId: conv.channel_id,
      content: { type: 'text', text: 'x' },
      author: 'test',
      now: w.clock.now(),
    });
    await db().updateTable('messages').set({ external_id: 'wamid.WILLFAIL', status: 'accepted' }).where('id', '=', out.id).execute();
    const failed = {
      id: 'wamid.WILLFAIL',
      status: 'failed',
      timestamp: at,
      recipient_id: '15552220003',
      errors: [
        {
          code: 131026,
          title: 'Message undeliverable',
          message: 'Message undeliverable',
          error_data: { details: 'Receiver is incapable of receiving this message' },
        },
      ],
    };
    await postSigned(w.app.url, statusEnvelope(w.sim.phoneNumberId, [failed]));
    await w.settle();
    await postSigned(
      w.app.url,
      statusEnvelope(w.sim.phoneNumberId, [{ id: 'wamid.WILLFAIL', status: 'sent', timestamp: at, recipient_id: '15552220003' }]),
    );
    await w.settle();
    const m = await db().selectFrom('messages').selectAll().where('id', '=', out.id).executeTakeFirstOrThrow();
    assert.equal(m.status, 'failed');
    assert.equal(m.error_code, 'whatsapp_131026');
    assert.match(m.error_message ?? '', /undeliverable.*incapable/i);
  });

  test('a status for an unknown message is kept, and applied when the message appears', async () => {
    await postSigned(
      w.app.url,
      statusEnvelope(w.sim.phoneNumberId, [
        { id: 'wamid.NOTYETKNOWN', status: 'delivered', timestamp: '1700000000', recipient_id: '1555' },
      ]),
    );
    await w.settle();
    const kept = await db().selectFrom('status_events').selectAll().where('external_id', '=', 'wamid.NOTYETKNOWN').execute();
    assert.equal(kept.length, 1);
    assert.equal(kept[0]?.message_id, null);

    // The send's response arrives after its status: recording the wamid applies what was kept.
    const conv = await db().selectFrom('conversations').select(['id', 'channel_id']).executeTakeFirstOrThrow();
    const out = await insertOutbound(db(), {
      conversationId: conv.id,
      channelId: conv.channel_id,
      content: { type: 'text', text: 'late' },
      author: 'test',
      now: w.clock.now(),
    });
    await db().updateTable('messages').set({ external_id: 'wamid.NOTYETKNOWN', status: 'accepted' }).where('id', '=', out.id).execute();
    await applyEarlyStatuses(db(), conv.channel_id, out.id, 'wamid.NOTYETKNOWN');
    const applied = await db().selectFrom('messages').select('status').where('id', '=', out.id).executeTakeFirstOrThrow();
    assert.equal(applied.status, 'delivered');
    const linked = await db()
      .selectFrom('status_events')
      .select('message_id')
      .where('external_id', '=', 'wamid.NOTYETKNOWN')
      .executeTakeFirstOrThrow();
    assert.equal(linked.message_id, out.id);
  });

  test('a status webhook applied with its acknowledgement is kept as its status_events rows, with no webhook_events row', async () => {
    const status = {
      id: 'wamid.KEPTWHOLE',
      status: 'delivered',
      timestamp: '1700000001',
      recipient_id: '1555',
      conversation: { id: 'c1' },
    };
    const res = await postSigned(w.app.url, statusEnvelope(w.sim.phoneNumberId, [status]));
    assert.equal(res.status, 200);
    // Durable before the 200: the status is there without waiting for any loop.
    const kept = await db().selectFrom('status_events').select(['raw', 'status']).where('external_id', '=', 'wamid.KEPTWHOLE').execute();
    assert.deepEqual(
      kept.map((k) => [k.status, JSON.parse(k.raw)]),
      [['delivered', status]],
    );
    const rows = await db().selectFrom('webhook_events').select('id').where('body', 'like', '%wamid.KEPTWHOLE%').execute();
    assert.equal(rows.length, 0);

    // One that names a number we do not serve is not applied: its row keeps it, with the error.
    const stray = await postSigned(
      w.app.url,
      statusEnvelope('999000', [{ id: 'wamid.STRAYNUMBER', status: 'sent', timestamp: '1700000001', recipient_id: '1555' }]),
    );
    assert.equal(stray.status, 200);
    await w.settle();
    const strayRow = await db()
      .selectFrom('webhook_events')
      .select(['status', 'error'])
      .where('body', 'like', '%wamid.STRAYNUMBER%')
      .executeTakeFirstOrThrow();
    assert.equal(strayRow.status, 'processed');
    assert.match(strayRow.error ?? '', /unknown phone_number_id 999000/);
  });

  test('every inbound type is stored normalised with its raw payload; unknown types are unsupported', async () => {
    const from = '15552220004';
    const ts = `${Math.floor(w.clock.now() / 1000)}`;
    const items: Array<[object, (m: any) => void]> = [
      [{ type: 'text', text: { body: 'plain' } }, (m) => assert.equal(m.text, 'plain')],
      [
        { type: 'image', image: { id: '111', mime_type: 'image/jpeg', sha256: 'abc', caption: 'cap' } },
        (m) => assert.deepEqual([m.content.media.id, m.content.media.mimeType, m.text], ['111', 'image/jpeg', 'cap']),
      ],
      [
        { type: 'audio', audio: { id: '112', mime_type: 'audio/ogg; codecs=opus', voice: true } },
        (m) => assert.equal(m.content.media.voice, true),
      ],
      [{ type: 'video', video: { id: '113', mime_type: 'video/mp4' } }, (m) => assert.equal(m.content.media.id, '113')],
      [
        { type: 'document', document: { id: '114', mime_type: 'application/pdf', filename: 'a.pdf' } },
        (m) => assert.equal(m.content.media.filename, 'a.pdf'),
      ],
      [{ type: 'sticker', sticker: { id: '115', mime_type: 'image/webp', animated: false } }, (m) => assert.equal(m.kind, 'sticker')],
      [
        { type: 'location', location: { latitude: 1.5, longitude: -2.25, name: 'HQ' } },
        (m) => assert.deepEqual([m.content.location.latitude, m.content.location.name], [1.5, 'HQ']),
      ],
      [{ type: 'contacts', contacts: [{ name: { formatted_name: 'Chandler Bing' } }] }, (m) => assert.equal(m.content.contacts.length, 1)],
      [
        {
          type: 'interactive',
          context: { from: '15550783881', id: 'wamid.BIZ' },
          interactive: { type: 'button_reply', button_reply: { id: 'yes-id', title: 'Yes' } },
        },
        (m) => assert.deepEqual([m.content.reply.id, m.content.reply.title, m.reply_to], ['yes-id', 'Yes', 'wamid.BIZ']),
      ],
      [
        { type: 'interactive', interactive: { type: 'list_reply', list_reply: { id: 'row1', title: 'Row', description: 'd' } } },
        (m) => assert.equal(m.content.reply.kind, 'list_reply'),
      ],
      [
        { type: 'button', button: { payload: 'CONTINUE', text: 'Continue' } },
        (m) => assert.deepEqual([m.kind, m.content.reply.id], ['button', 'CONTINUE']),
      ],
      [
        { type: 'reaction', reaction: { message_id: 'wamid.BIZ', emoji: '\u{1F44D}' } },
        (m) => assert.equal(m.content.reaction.emoji, '\u{1F44D}'),
      ],
      [
        { type: 'text', text: { body: 'from an ad' }, referral: { source_url: 'https://fb.me/x', source_id: '1', source_type: 'ad' } },
        (m) => assert.equal(m.content.referral.source_type, 'ad'),
      ],
      [{ type: 'pool', pool: { x: 1 } }, (m) => assert.deepEqual([m.kind, m.content.providerType], ['unsupported', 'pool'])],
      [
        { type: 'unsupported', unsupported: { type: 'poll' }, errors: [{ code: 131051, title: 'Message type unknown' }] },
        (m) => assert.equal(m.kind, 'unsupported'),
      ],
    ];
    const messages = items.map(([item], i) => ({ from, id: `wamid.TYPE${i}`, timestamp: ts, ...item }));
    const res = await postSigned(w.app.url, inboundEnvelope(w.sim.phoneNumberId, messages, [{ profile: { name: 'Types' }, wa_id: from }]));
    assert.equal(res.status, 200);
    await w.settle();
    for (let i = 0; i < items.length; i++) {
      const row = await db().selectFrom('messages').selectAll().where('external_id', '=', `wamid.TYPE${i}`).executeTakeFirstOrThrow();
      const view = { ...row, content: JSON.parse(row.content), reply_to: row.reply_to_external_id };
      assert.deepEqual(JSON.parse(row.raw ?? 'null'), messages[i]);
      items[i]![1](view);
    }
  });
});
