import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { forEachDialect, postgresUrl } from '../support/dialects.ts';
import { ADMIN_TOKEN, startWorld, type World } from '../support/test-world.ts';
import { agentSession, call } from './agents-http.ts';
import { SseClient } from './sse-client.ts';

const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };

forEachDialect('realtime: the inbox stream', (dialect) => {
  let w: World;
  const streams: SseClient[] = [];
  const open = async (headers: Record<string, string>, world = w) => {
    const s = await SseClient.open(`${world.app.url}/api/v1/stream`, headers);
    streams.push(s);
    return s;
  };
  const conversationOf = async (waId: string) =>
    (
      await w.app.deps.storage.db
        .selectFrom('conversations as c')
        .innerJoin('contacts as ct', 'ct.id', 'c.contact_id')
        .select('c.id')
        .where('ct.external_id', '=', waId)
        .executeTakeFirstOrThrow()
    ).id;

  before(async () => {
    w = await startWorld({ dialect });
  });
  after(async () => {
    for (const s of streams) await s.close();
    await w?.stop();
  });

  test('needs credentials and conversations:read; answers text/event-stream', async () => {
    const anon = await fetch(`${w.app.url}/api/v1/stream`);
    assert.equal(anon.status, 401);
    await anon.text();
    const s = await open(admin);
    assert.equal(s.status, 200);
    assert.match(s.contentType, /^text\/event-stream/);
  });

  test('a revoked token or an ended session closes an open stream within seconds', async () => {
    const created = await w.api('POST', '/api/v1/tokens', { name: 'stream reader', scopes: ['conversations:read'] });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const byToken = await open({ authorization: `Bearer ${created.body.token}` });
    assert.equal((await w.api('DELETE', `/api/v1/tokens/${created.body.id}`)).status, 204);
    const cut = await byToken.next((e) => e.event === 'unauthorized', 5000, 'the token stream is told and closed');
    assert.equal(cut.data.code, 'unauthorized');

    const agent = await agentSession(w, 'stream-logout@r.test');
    const bySession = await open({ cookie: agent.cookie });
    assert.equal((await call(w, { cookie: agent.cookie }, 'POST', '/api/v1/auth/logout')).status, 204);
    await bySession.next((e) => e.event === 'unauthorized', 5000, 'the session stream is told and closed');

    const byAdmin = await open(admin);
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(
      byAdmin.events.some((e) => e.event === 'unauthorized'),
      false,
      'the admin token stays valid',
    );
  });

  test("a customer's message arrives as message.new, then the bot's reply and its statuses", async () => {
    const s = await open(admin);
    await w.sim.customer('15557000001', 'Rita').sendText('hello stream');
    const got = await s.next((e) => e.event === 'message.new' && e.data.message.text === 'hello stream');
    assert.equal(got.data.message.direction, 'in');
    assert.equal(got.data.conversation.id, got.data.conversation_id);
    assert.match(got.id ?? '', /^\d+-\d+$/);
    const id = got.data.conversation_id;
    await s.next(
      (e) => e.event === 'message.new' && e.data.conversation_id === id && e.data.message.direction === 'out',
      5000,
      'the bot reply',
    );
    await s.next(
      (e) => e.event === 'message.status' && e.data.conversation_id === id && e.data.message.status === 'read',
      5000,
      'read status',
    );
    await s.next((e) => e.event === 'conversation.updated' && e.data.conversation_id === id, 5000, 'conversation created');
  });

  test('a restricted agent sees only their conversations; the assignee is notified and sees typing of others', async () => {
    const ana = await agentSession(w, 'ana@rt.test', { visibility: 'assigned_and_team', availability: 'online' });
    const bo = await agentSession(w, 'bo@rt.test', { availability: 'online' });
    const anaStream = await open({ cookie: ana.cookie });
    const boStream = await open({ cookie: bo.cookie });
    const adminStream = await open(admin);

    await w.sim.customer('15557000002', 'Hidden').sendText('not for ana');
    await adminStream.next((e) => e.event === 'message.new' && e.data.message.text === 'not for ana');
    const hidden = await conversationOf('15557000002');
    await w.settle();

    const assigned = await call(w, 'admin', 'POST', `/api/v1/conversations/${hidden}/assign`, { user_id: ana.user.id });
    assert.equal(assigned.status, 200);
    await anaStream.next((e) => e.event === 'conversation.assigned' && e.data.conversation_id === hidden);
    assert.equal(anaStream.events.find((e) => e.event === 'conversation.assigned')!.data.conversation.assignee_id, ana.user.id);
    assert.equal(anaStream.of('message.new', hidden).length, 0, 'nothing of it before it was hers');

    await w.sim.customer('15557000002').sendText('now for ana');
    const note = await anaStream.next((e) => e.event === 'notification' && e.data.message.text === 'now for ana');
    assert.deepEqual(note.data.user_ids, [ana.user.id]);
    assert.equal(note.data.reason, 'assigned');
    await boStream.next((e) => e.event === 'message.new' && e.data.message.text === 'now for ana');
    assert.equal(boStream.of('notification').length, 0, 'only the assignee is notified');

    // Bo types in Ana's conversation: Ana and the admin see it, Bo does not get his own back.
    const typing = await call(w, { cookie: bo.cookie }, 'POST', `/api/v1/conversations/${hidden}/typing`);
    assert.equal(typing.status, 202);
    const t = await anaStream.next((e) => e.event === 'typing' && e.data.conversation_id === hidden);
    assert.equal(t.data.user_id, bo.user.id);
    await adminStream.next((e) => e.event === 'typing');
    await w.settle();
    assert.equal(boStream.of('typing').length, 0);

    // Another customer, never Ana's: the whole time, her stream saw nothing of it.
    await w.sim.customer('15557000003').sendText('still hidden');
    await adminStream.next((e) => e.event === 'message.new' && e.data.message.text === 'still hidden');
    await w.settle();
    const other = await conversationOf('15557000003');
    assert.equal(anaStream.events.filter((e) => e.data.conversation_id === other).length, 0);
    assert.equal(
      anaStream.events.some((e) => e.data.message?.text === 'not for ana' || e.data.message?.text === 'still hidden'),
      false,
    );

    // Team routing: a conversation with the team and nobody assigned notifies the team's members.
    const team = await call(w, 'admin', 'POST', '/api/v1/teams', { name: 'RT team' });
    await call(w, 'admin', 'PUT', `/api/v1/teams/${team.body.id}/members/${ana.user.id}`);
    await call(w, 'admin', 'POST', `/api/v1/conversations/${other}/assign`, { team_id: team.body.id });
    await w.sim.customer('15557000003').sendText('team, anyone?');
    const teamNote = await anaStream.next((e) => e.event === 'notification' && e.data.message.text === 'team, anyone?');
    assert.equal(teamNote.data.reason, 'team');
    assert.equal(
      anaStream.events.some((e) => e.data.message?.text === 'still hidden'),
      false,
      'nothing from before it reached her team',
    );
  });

  test('typing: validation, visibility and scope', async () => {
    const ana = await agentSession(w, 'typist@rt.test', { visibility: 'assigned_and_team' });
    await w.sim.customer('15557000004').sendText('x');
    await w.settle();
    const id = await conversationOf('15557000004');
    assert.equal((await call(w, { cookie: ana.cookie }, 'POST', `/api/v1/conversations/${id}/typing`)).status, 404);
    assert.equal(
      (await call(w, 'admin', 'POST', `/api/v1/conversations/${id}/typing`, { typing: 'yes' })).body.error.code,
      'invalid_typing',
    );
    const reader = await call(w, 'admin', 'POST', '/api/v1/tokens', { name: 'ro', scopes: ['conversations:read'] });
    assert.equal((await call(w, { bearer: reader.body.token }, 'POST', `/api/v1/conversations/${id}/typing`)).status, 403);
    const contactsOnly = await call(w, 'admin', 'POST', '/api/v1/tokens', { name: 'contacts', scopes: ['contacts:read'] });
    const denied = await fetch(`${w.app.url}/api/v1/stream`, { headers: { authorization: `Bearer ${contactsOnly.body.token}` } });
    assert.equal(denied.status, 403);
    await denied.text();
  });

  if (dialect === 'postgres' && postgresUrl) {
    test('PostgreSQL: a second server process streams what happened in the first', async () => {
      const second = await startWorld({ dialect, keepDatabase: true, config: { role: 'web' } });
      try {
        const s = await open(admin, second);
        await w.sim.customer('15557000009', 'Far').sendText('across processes');
        const got = await s.next((e) => e.event === 'message.new' && e.data.message.text === 'across processes', 8000);
        assert.equal(got.data.message.direction, 'in');
        const id = got.data.conversation_id;
        await call(w, 'admin', 'POST', `/api/v1/conversations/${id}/assign`, {
          user_id: (await call(w, 'admin', 'GET', '/api/v1/users')).body.data[0].id,
        });
        await s.next((e) => e.event === 'conversation.assigned' && e.data.conversation_id === id);
      } finally {
        for (const s of streams.splice(0)) await s.close();
        await second.stop();
      }
    });
  }
});
