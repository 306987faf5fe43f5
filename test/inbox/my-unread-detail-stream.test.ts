import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { forEachDialect } from '../support/dialects.ts';
import { ADMIN_TOKEN, startWorld, type World } from '../support/test-world.ts';
import { agentSession, call } from './agents-http.ts';
import { SseClient } from './sse-client.ts';

forEachDialect('issue 13: my_unread_count on the conversation detail, the sync list and the stream', (dialect) => {
  let w: World;
  const streams: SseClient[] = [];
  before(async () => {
    w = await startWorld({ dialect });
  });
  after(async () => {
    for (const s of streams) await s.close();
    await w?.stop();
  });

  test('each agent gets their own count, wherever the conversation is shown', async () => {
    const a = await agentSession(w, 'a-detail@u.test');
    const b = await agentSession(w, 'b-detail@u.test');
    const wa = '15557300001';
    const customer = w.sim.customer(wa, 'Uma');
    await customer.sendText('one');
    await customer.sendText('two');
    await w.settle();
    const id = (await call(w, 'admin', 'GET', '/api/v1/conversations?limit=200')).body.data.find((r: any) => r.contact.wa_id === wa)?.id;
    assert.ok(id);
    const detail = async (who: { cookie: string } | 'admin') =>
      (await call(w, who, 'GET', `/api/v1/conversations/${id}`)).body.my_unread_count;
    assert.equal(await detail({ cookie: a.cookie }), 2);
    assert.equal(await detail({ cookie: a.cookie }), 2, 'reading the detail does not mark it read');
    assert.equal((await call(w, { cookie: a.cookie }, 'POST', `/api/v1/conversations/${id}/read`)).status, 200);
    assert.equal(await detail({ cookie: a.cookie }), 0);
    assert.equal(await detail({ cookie: b.cookie }), 2);
    assert.equal(await detail('admin'), null, 'no user: null');

    const synced = async (who: { cookie: string }) =>
      (await call(w, who, 'GET', '/api/v1/conversations?updated_since=0&limit=500')).body.data.find((r: any) => r.id === id);
    assert.equal((await synced({ cookie: a.cookie })).my_unread_count, 0);
    assert.equal((await synced({ cookie: b.cookie })).my_unread_count, 2);

    const sa = await SseClient.open(`${w.app.url}/api/v1/stream`, { cookie: a.cookie });
    const sb = await SseClient.open(`${w.app.url}/api/v1/stream`, { cookie: b.cookie });
    const sadmin = await SseClient.open(`${w.app.url}/api/v1/stream`, { authorization: `Bearer ${ADMIN_TOKEN}` });
    streams.push(sa, sb, sadmin);
    await customer.sendText('three');
    const isNew = (e: any) => e.event === 'message.new' && e.data?.conversation_id === id && e.data?.message?.text === 'three';
    assert.equal((await sa.next(isNew, 8000, 'a: message.new')).data.conversation.my_unread_count, 1);
    assert.equal((await sb.next(isNew, 8000, 'b: message.new')).data.conversation.my_unread_count, 3);
    // A conversation event other than a message: the same per-agent count.
    assert.equal((await call(w, 'admin', 'PATCH', `/api/v1/conversations/${id}`, { status: 'archived' })).status, 200);
    const isUpdated = (e: any) => e.event === 'conversation.updated' && e.data?.conversation_id === id;
    assert.equal((await sa.next(isUpdated, 8000, 'a: conversation.updated')).data.conversation.my_unread_count, 1);
    assert.equal((await sb.next(isUpdated, 8000, 'b: conversation.updated')).data.conversation.my_unread_count, 3);
    // Assigned to b: the notification of the next message carries b's count too.
    assert.equal((await call(w, 'admin', 'POST', `/api/v1/conversations/${id}/assign`, { user_id: b.user.id })).status, 200);
    await customer.sendText('four');
    const note = await sb.next(
      (e: any) => e.event === 'notification' && e.data?.conversation_id === id && e.data?.message?.text === 'four',
      8000,
      'b: notification',
    );
    assert.equal(note.data.conversation.my_unread_count, 4);
    assert.deepEqual(note.data.user_ids, [b.user.id]);
  });
});
