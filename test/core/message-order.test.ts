import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { sql, type Kysely } from 'kysely';
import { upsertContact } from '../../src/contacts/contact-store.ts';
import { noteInbound } from '../../src/conversations/conversation-store.ts';
import { openConversation } from '../../src/messaging/open-conversation.ts';
import { conversationView } from '../../src/conversations/conversation-views.ts';
import { insertInbound } from '../../src/conversations/message-store.ts';
import { messageOrderMigration } from '../../src/storage/migrations/0012-message-order.ts';
import { openStorage } from '../../src/storage/open-database.ts';
import { forEachDialect, postgresUrl } from '../support/dialects.ts';
import { resetPostgres } from '../support/reset-postgres.ts';
import { inboundEnvelope, postSigned, statusEnvelope } from '../support/signed-post.ts';
import { startWorld, type World } from '../support/test-world.ts';
import { waitFor } from '../support/wait-for.ts';

const DAY = 24 * 3600_000;
// Long enough that nothing in these tests outlives it by accident: the tests end it by moving the clock.
const WINDOW = 60_000;
// The order 20 messages reach us in: every one out of place.
const SHUFFLED = [13, 2, 19, 7, 0, 16, 10, 4, 18, 1, 12, 8, 15, 5, 17, 3, 11, 9, 14, 6];

forEachDialect("the customer's order: shuffled deliveries, the reorder window, absurd timestamps", (dialect) => {
  let w: World;
  before(async () => {
    w = await startWorld({ dialect, config: { inboundReorderWindowMs: WINDOW } });
  });
  after(async () => {
    await w?.stop();
  });

  const item = (waId: string, id: string, timestamp: string | undefined, text: string) => ({
    from: waId,
    id,
    ...(timestamp === undefined ? {} : { timestamp }),
    type: 'text',
    text: { body: text },
  });
  const post = async (waId: string, items: object[]) => {
    const res = await postSigned(
      w.app.url,
      inboundEnvelope(w.sim.phoneNumberId, items, [{ profile: { name: `Customer ${waId.slice(-2)}` }, wa_id: waId }]),
    );
    assert.equal(res.status, 200);
  };
  const conversationOf = async (waId: string) => {
    const list = await w.api('GET', '/api/v1/conversations?limit=200');
    assert.equal(list.status, 200);
    const row = list.body.data.find((c: any) => c.contact.wa_id === waId);
    assert.ok(row, `a conversation for ${waId}`);
    return row;
  };
  const messagesOf = async (waId: string, query = '') => {
    const res = await w.api('GET', `/api/v1/conversations/${(await conversationOf(waId)).id}${query}`);
    assert.equal(res.status, 200);
    return res.body;
  };
  const replies = (waId: string) =>
    w.sim
      .outbound()
      .filter((m) => m.to.endsWith(waId))
      .map((m) => m.text);
  /** Ends every reorder window now waiting: the jobs are due once the clock passes it. */
  const endWindow = () => w.clock.advance(WINDOW + 1000);
  const texts = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

  test('20 messages sent a second apart, delivered shuffled in one webhook: listed and answered in send order', async () => {
    const waId = '15557770001';
    const base = Math.floor(w.clock.now() / 1000) - 60;
    await post(
      waId,
      SHUFFLED.map((i) => item(waId, `wamid.ONE${i}`, String(base + i), `one ${i}`)),
    );
    await w.app.ingest.idle();
    const listed = await messagesOf(waId);
    assert.deepEqual(
      listed.messages.map((m: any) => m.text),
      texts(20, 'one '),
    );
    assert.deepEqual(
      listed.messages.map((m: any) => m.sent_at),
      Array.from({ length: 20 }, (_, i) => new Date((base + i) * 1000).toISOString()),
    );
    assert.ok(listed.messages.every((m: any) => m.timestamp_anomaly === null));
    endWindow();
    await waitFor(() => replies(waId).length >= 20, 15_000, '20 replies');
    assert.deepEqual(replies(waId), texts(20, 'You said: one '));
  });

  test('20 webhooks delivered at once in shuffled order wait for the window, then are answered in send order', async () => {
    const waId = '15557770002';
    const base = Math.floor(w.clock.now() / 1000) - 60;
    for (const i of SHUFFLED) await post(waId, [item(waId, `wamid.MANY${i}`, String(base + i), `many ${i}`)]);
    await w.app.ingest.idle();
    const listed = await messagesOf(waId);
    assert.deepEqual(
      listed.messages.map((m: any) => m.text),
      texts(20, 'many '),
    );
    // Inside the window nothing is processed, so a message still on its way could join in its place.
    assert.equal(replies(waId).length, 0);
    assert.ok(listed.messages.every((m: any) => m.status === 'received'));
    endWindow();
    await waitFor(() => replies(waId).length >= 20, 15_000, '20 replies');
    assert.deepEqual(replies(waId), texts(20, 'You said: many '));

    // One the customer sent before all of them, delivered after they were answered: it is
    // processed when its own window ends (answered last) and listed where the customer sent it.
    await post(waId, [item(waId, 'wamid.MANYLATE', String(base - 1), 'many late')]);
    await w.app.ingest.idle();
    endWindow();
    await waitFor(() => replies(waId).length >= 21, 15_000, 'the late reply');
    assert.equal(replies(waId)[20], 'You said: many late');
    const inbound = (await messagesOf(waId, '?limit=500')).messages.filter((m: any) => m.direction === 'in');
    assert.deepEqual(
      inbound.map((m: any) => m.text),
      ['many late', ...texts(20, 'many ')],
    );
  });

  test("the window holds back only the customer's messages: a reply on the same conversation goes out at once", async () => {
    const waId = '15557770003';
    await post(waId, [item(waId, 'wamid.HOLD', String(Math.floor(w.clock.now() / 1000)), 'hold on')]);
    await w.app.ingest.idle();
    const conv = await conversationOf(waId);
    // Jobs of one queue run in run-at order: the agent's send is due now, the message's job later.
    assert.equal((await w.api('POST', `/api/v1/conversations/${conv.id}/messages`, { text: 'an agent, meanwhile' })).status, 202);
    await waitFor(() => replies(waId).includes('an agent, meanwhile'), 5000, 'the agent reply sent inside the window');
    assert.equal((await messagesOf(waId)).messages.find((m: any) => m.direction === 'in').status, 'received');
    endWindow();
    await waitFor(
      async () => (await messagesOf(waId)).messages.find((m: any) => m.direction === 'in').status === 'processed',
      15_000,
      'processed after the window',
    );
  });

  test('paging back with messages_before_cursor follows the same order; a cursor of no message of this conversation is 400', async () => {
    const waId = '15557770001';
    const all = (await messagesOf(waId, '?limit=500')).messages.map((m: any) => m.id);
    assert.equal(all.length, 40); // 20 messages and 20 replies
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: any = await messagesOf(waId, `?limit=7${cursor ? `&before=${cursor}` : ''}`);
      seen.unshift(...page.messages.map((m: any) => m.id));
      cursor = page.messages_before_cursor;
    } while (cursor);
    assert.deepEqual(seen, all);
    const conv = await conversationOf(waId);
    for (const bad of ['abc', '-1', '1e3', '99999999999999999999', '999999999']) {
      const res = await w.api('GET', `/api/v1/conversations/${conv.id}?before=${bad}`);
      assert.equal(res.status, 400, `before=${bad}`);
      assert.equal(res.body.error.code, 'invalid_cursor');
    }
  });

  test('a status callback with an absurd timestamp is recorded at the time we received it', async () => {
    const waId = '15557770004';
    const customer = w.sim.customer(waId, 'Status');
    await customer.sendText('status please');
    await w.app.ingest.idle();
    endWindow();
    const reply = await customer.waitForMessage((m) => m.text === 'You said: status please');
    const ours = async () => (await messagesOf(waId)).messages.find((m: any) => m.external_id === reply.wamid);
    await waitFor(async () => (await ours())?.status === 'read', 5000, 'the reply read');
    const t0 = w.clock.now();
    const res = await postSigned(
      w.app.url,
      statusEnvelope(w.sim.phoneNumberId, [{ id: reply.wamid, status: 'played', timestamp: '9999999999999', recipient_id: waId }]),
    );
    assert.equal(res.status, 200);
    const t1 = w.clock.now();
    await w.app.ingest.idle();
    const m = await ours();
    assert.equal(m.status, 'played');
    const at = Date.parse(m.status_at);
    assert.ok(at >= t0 && at <= t1, `status_at is the receive time (${m.status_at})`);
  });

  test('absurd timestamps keep the message with the receive time, flagged; the list answers 200 and the window closes normally', async () => {
    const cases: Array<[string, string | undefined, string]> = [
      ['15557770011', '9999999999999', 'future'],
      ['15557770012', '99999999999', 'future'],
      ['15557770013', '1', 'past'],
      ['15557770014', 'soon', 'invalid'],
      ['15557770015', undefined, 'invalid'],
    ];
    for (const [waId, timestamp, anomaly] of cases) {
      const t0 = w.clock.now();
      await post(waId, [item(waId, `wamid.ODD${waId}`, timestamp, `odd ${anomaly}`)]);
      const t1 = w.clock.now();
      await w.app.ingest.idle();
      const body = await messagesOf(waId);
      const [m] = body.messages;
      assert.equal(m.timestamp_anomaly, anomaly, `timestamp ${timestamp}`);
      const sentAt = Date.parse(m.sent_at);
      assert.ok(sentAt >= t0 && sentAt <= t1, `sent_at is the receive time (${m.sent_at})`);
      assert.equal(body.window.open, true);
      assert.equal(body.window.open_until, new Date(sentAt + DAY).toISOString());
    }
    endWindow();
    await waitFor(() => cases.every(([waId]) => replies(waId).length >= 1), 15_000, 'replies to the odd ones');

    w.clock.advance(DAY);
    const list = await w.api('GET', '/api/v1/conversations?limit=200');
    assert.equal(list.status, 200);
    for (const [waId] of cases) {
      const conv = list.body.data.find((c: any) => c.contact.wa_id === waId);
      assert.equal(conv.window.open, false, `the window of ${waId} closed`);
      const send = await w.api('POST', `/api/v1/conversations/${conv.id}/messages`, { text: 'too late' });
      assert.equal(send.status, 422);
      assert.equal(send.body.error.code, 'window_closed');
    }
  });
});

forEachDialect("the customer's order: absurd times stored before the fix are repaired by the migration", (dialect) => {
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'switchboard-order-'));
    if (dialect === 'postgres' && postgresUrl) await resetPostgres(postgresUrl);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('a year-5138 and a beyond-Date send time become the stored time, flagged; the windows they opened close', async () => {
    const storage = await openStorage({ databaseUrl: dialect === 'postgres' ? postgresUrl : undefined, dataDir: dir });
    try {
      const { db } = storage;
      const now = Date.now();
      await db
        .insertInto('channels')
        .values({
          id: 'wa_order',
          kind: 'whatsapp',
          account_id: 'order',
          business_account_id: null,
          display_phone_number: null,
          name: 'order',
          created_at: now,
        })
        .execute();
      const absurd = [99999999999 * 1000, 9999999999999 * 1000];
      const ids: string[] = [];
      for (const [i, sentAt] of absurd.entries()) {
        const contact = await upsertContact(db, { channelKind: 'whatsapp', externalId: `1555666000${i}`, now });
        const conv = await openConversation(db, { channelId: 'wa_order', contactId: contact.id, now });
        const message = {
          channel: 'whatsapp' as const,
          channelAccountId: 'order',
          externalId: `wamid.OLD${i}`,
          from: `1555666000${i}`,
          sentAt,
          kind: 'text' as const,
          providerType: 'text',
          text: 'old',
          raw: {},
        };
        const id = await insertInbound(db, { conversationId: conv.id, channelId: 'wa_order', message, now });
        assert.ok(id);
        ids.push(id);
        // What the code before the fix stored: the send time as Meta gave it, the window from it.
        await noteInbound(db, conv.id, { sentAt, preview: 'old', now });
      }
      // Back to the schema before the migration, with those rows in it.
      await sql`drop index messages_conversation_sort`.execute(db);
      await sql`alter table messages drop column sort_at`.execute(db);
      await sql`alter table messages drop column timestamp_anomaly`.execute(db);
      // Run that migration again by itself: later migrations stay applied, and the migrator refuses
      // to run an earlier one after them.
      await messageOrderMigration(dialect).up(db as Kysely<unknown>);
      const rows = await db
        .selectFrom('messages')
        .select(['id', 'sent_at', 'sort_at', 'timestamp_anomaly', 'created_at'])
        .where('id', 'in', ids)
        .execute();
      assert.equal(rows.length, 2);
      for (const r of rows) assert.deepEqual([r.sent_at, r.sort_at, r.timestamp_anomaly], [now, now, 'future']);
      const convs = await db
        .selectFrom('conversations')
        .innerJoin('contacts', 'contacts.id', 'conversations.contact_id')
        .selectAll('conversations')
        .select(['contacts.profile_name as contact_name', 'contacts.external_id as contact_wa_id', 'contacts.phone_e164 as contact_phone'])
        .where('conversations.channel_id', '=', 'wa_order')
        .execute();
      assert.equal(convs.length, 2);
      for (const c of convs) {
        assert.equal(c.last_customer_message_at, now);
        assert.equal(c.awaiting_reply_since, now);
        assert.deepEqual(conversationView(c, now + DAY + 1).window, {
          open: false,
          open_until: null,
          closes_at: null,
          closed_at: new Date(now + DAY).toISOString(),
        });
      }
    } finally {
      await storage.close();
    }
  });
});
