import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { forEachDialect } from '../support/dialects.ts';
import { startWorld, type World } from '../support/test-world.ts';
import { agentSession, call } from './agents-http.ts';
import { SseClient } from './sse-client.ts';

forEachDialect('issue 13 route: auto-assignment, mentions, per-agent unread', (dialect) => {
  let w: World;
  let customerN = 0;
  const streams: SseClient[] = [];
  before(async () => {
    w = await startWorld({ dialect });
  });
  after(async () => {
    for (const s of streams) await s.close();
    await w?.stop();
  });

  async function customerWrites(text = 'hello', waId?: string): Promise<{ id: string; waId: string }> {
    const wa = waId ?? `1555700${String(customerN++).padStart(4, '0')}`;
    await w.sim.customer(wa, `Customer ${wa}`).sendText(text);
    await w.settle();
    const row = await w.app.deps.storage.db
      .selectFrom('conversations as c')
      .innerJoin('contacts as ct', 'ct.id', 'c.contact_id')
      .select('c.id')
      .where('ct.external_id', '=', wa)
      .where('c.status', '<>', 'closed')
      .executeTakeFirstOrThrow();
    return { id: row.id, waId: wa };
  }
  const conv = (id: string) =>
    w.app.deps.storage.db
      .selectFrom('conversations')
      .select(['assignee_id', 'team_id', 'awaiting_human_since'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
  const paused = async (id: string) =>
    (await w.app.deps.storage.db.selectFrom('bot_pauses').select('reason').where('conversation_id', '=', id).executeTakeFirst())?.reason;

  test('auto-assign per number: validation, first_message routes at once to the team and pauses the bot, after_handoff only on hand-off, off as before', async () => {
    const ch = await call(w, 'admin', 'GET', '/api/v1/channels');
    assert.equal(ch.status, 200);
    const channel = ch.body.data[0];
    assert.equal(channel.auto_assign, 'off', 'off by default');
    for (const [body, code] of [
      [{ auto_assign: 'sometimes' }, 'invalid_auto_assign'],
      [{ auto_assign_team_id: 42 }, 'invalid_auto_assign_team_id'],
      [{ auto_assign_team_id: 'team_nope' }, 'team_not_found'],
      [{}, 'nothing_to_change'],
    ] as const) {
      const res = await call(w, 'admin', 'PATCH', `/api/v1/channels/${channel.id}`, body);
      assert.equal(res.status, 422, JSON.stringify(res.body));
      assert.equal(res.body.error.code, code);
    }
    assert.equal((await call(w, 'admin', 'PATCH', '/api/v1/channels/ch_nope', { auto_assign: 'off' })).status, 404);

    const ana = await agentSession(w, 'ana-auto@r.test', { availability: 'online' });
    const team = await call(w, 'admin', 'POST', '/api/v1/teams', { name: 'Auto desk' });
    await call(w, 'admin', 'PUT', `/api/v1/teams/${team.body.id}/members/${ana.user.id}`);

    // off: nobody is assigned on the first message (today's behaviour).
    const offConv = await customerWrites();
    assert.equal((await conv(offConv.id)).assignee_id, null);

    let res = await call(w, 'admin', 'PATCH', `/api/v1/channels/${channel.id}`, {
      auto_assign: 'first_message',
      auto_assign_team_id: team.body.id,
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.auto_assign, 'first_message');
    const first = await customerWrites();
    assert.deepEqual({ ...(await conv(first.id)) }, { assignee_id: ana.user.id, team_id: team.body.id, awaiting_human_since: null });
    assert.ok(await paused(first.id), 'the bot steps aside at once');

    res = await call(w, 'admin', 'PATCH', `/api/v1/channels/${channel.id}`, { auto_assign: 'after_handoff' });
    const later = await customerWrites();
    assert.equal((await conv(later.id)).assignee_id, null, 'the bot answers first');
    res = await call(w, 'admin', 'POST', `/api/v1/conversations/${later.id}/handoff`, {});
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(
      [res.body.assignee_id, res.body.team_id],
      [ana.user.id, team.body.id],
      "a hand-off naming no team goes to the number's team",
    );
    await call(w, 'admin', 'PATCH', `/api/v1/channels/${channel.id}`, { auto_assign: 'off', auto_assign_team_id: null });
  });

  test('a mention notifies the mentioned agent on the stream and grants read (not write) access', async () => {
    const author = await agentSession(w, 'author-m@r.test', { availability: 'online' });
    const bea = await agentSession(w, 'bea-m@r.test', { visibility: 'assigned_and_team' });
    const { id } = await customerWrites();
    await call(w, 'admin', 'POST', `/api/v1/conversations/${id}/assign`, { user_id: author.user.id });
    assert.equal((await call(w, { cookie: bea.cookie }, 'GET', `/api/v1/conversations/${id}`)).status, 404, 'hidden before the mention');
    const stream = await SseClient.open(`${w.app.url}/api/v1/stream`, { cookie: bea.cookie });
    streams.push(stream);
    const res = await call(w, { cookie: author.cookie }, 'POST', `/api/v1/conversations/${id}/notes`, {
      text: 'look @bea-m@r.test please',
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const n = await stream.next((e) => e.event === 'notification' && e.data?.reason === 'mention', 5000, 'mention notification');
    assert.equal(n.data.conversation_id, id);
    assert.deepEqual(n.data.user_ids, [bea.user.id]);
    assert.equal((await call(w, { cookie: bea.cookie }, 'GET', `/api/v1/conversations/${id}`)).status, 200, 'readable after the mention');
    assert.equal((await call(w, { cookie: bea.cookie }, 'GET', `/api/v1/conversations/${id}/notes`)).status, 200);
    const reply = await call(w, { cookie: bea.cookie }, 'POST', `/api/v1/conversations/${id}/messages`, { type: 'text', text: 'hi' });
    assert.equal(reply.status, 404, 'reads only: no writes');
  });

  test('per-agent unread: two agents of a team keep their own badges; my_unread filter; validation', async () => {
    const a = await agentSession(w, 'a-u@r.test');
    const b = await agentSession(w, 'b-u@r.test');
    const { id, waId } = await customerWrites('first');
    await customerWrites('second', waId);
    const row = async (who: { cookie: string }) =>
      (await call(w, who, 'GET', '/api/v1/conversations?limit=200')).body.data.find((r: any) => r.id === id);
    assert.equal((await row(a)).my_unread_count, 2);
    assert.equal((await row(b)).my_unread_count, 2);
    const read = await call(w, { cookie: a.cookie }, 'POST', `/api/v1/conversations/${id}/read`);
    assert.equal(read.status, 200);
    assert.equal(read.body.my_unread_count, 0);
    assert.equal((await row(a)).my_unread_count, 0, "a's badge cleared");
    assert.equal((await row(b)).my_unread_count, 2, "b's badge kept");
    assert.equal((await row(b)).unread_count, 0, 'the business-level count is shared');
    const mineA = await call(w, { cookie: a.cookie }, 'GET', '/api/v1/conversations?my_unread=true&limit=200');
    assert.ok(!mineA.body.data.some((r: any) => r.id === id));
    const mineB = await call(w, { cookie: b.cookie }, 'GET', '/api/v1/conversations?my_unread=true&limit=200');
    assert.ok(mineB.body.data.some((r: any) => r.id === id));
    await customerWrites('third', waId);
    assert.equal((await row(a)).my_unread_count, 1, 'a new customer message is unread for a again');
    const bad = await call(w, { cookie: a.cookie }, 'GET', '/api/v1/conversations?my_unread=maybe');
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.code, 'invalid_my_unread');
    const noUser = await call(w, 'admin', 'GET', '/api/v1/conversations?my_unread=true');
    assert.equal(noUser.status, 400);
    assert.equal((await call(w, 'admin', 'GET', '/api/v1/conversations')).body.data[0].my_unread_count, null);
  });
});
