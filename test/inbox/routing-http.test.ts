import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { forEachDialect } from '../support/dialects.ts';
import { startWorld, type World } from '../support/test-world.ts';
import { agentSession, call } from './agents-http.ts';

forEachDialect('routing: assignment, round robin, capacity, queue, offline agents', (dialect) => {
  let w: World;
  let customerN = 0;
  before(async () => {
    w = await startWorld({ dialect });
  });
  after(async () => {
    await w?.stop();
  });

  /** A new customer writes: a new conversation. */
  async function conversation(): Promise<string> {
    const waId = `1555800${String(customerN++).padStart(4, '0')}`;
    await w.sim.customer(waId, `Customer ${customerN}`).sendText('I need a person');
    await w.settle();
    const row = await w.app.deps.storage.db
      .selectFrom('conversations as c')
      .innerJoin('contacts as ct', 'ct.id', 'c.contact_id')
      .select('c.id')
      .where('ct.external_id', '=', waId)
      .executeTakeFirstOrThrow();
    return row.id;
  }
  const assigneeOf = async (id: string) =>
    await w.app.deps.storage.db
      .selectFrom('conversations')
      .select(['assignee_id', 'team_id', 'awaiting_human_since'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
  const team = async (name: string, members: string[]) => {
    const t = await call(w, 'admin', 'POST', '/api/v1/teams', { name });
    assert.equal(t.status, 201, JSON.stringify(t.body));
    for (const m of members) assert.equal((await call(w, 'admin', 'PUT', `/api/v1/teams/${t.body.id}/members/${m}`)).status < 300, true);
    return t.body.id as string;
  };
  const user = async (email: string, extra: Record<string, unknown>) => {
    const res = await call(w, 'admin', 'POST', '/api/v1/users', { email, name: email, password: 'a long passphrase', ...extra });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body.id as string;
  };
  const handoff = (id: string, teamId?: string) =>
    call(w, 'admin', 'POST', `/api/v1/conversations/${id}/handoff`, teamId ? { team_id: teamId } : {});

  test('manual assignment, transfer and unassign, with their validation', async () => {
    const ana = await user('ana@r.test', { availability: 'online' });
    const bo = await user('bo@r.test', {});
    const sales = await team('Sales manual', [ana]);
    const id = await conversation();
    let res = await call(w, 'admin', 'POST', `/api/v1/conversations/${id}/assign`, { user_id: ana });
    assert.deepEqual(res.body, { assignee_id: ana, team_id: null });
    res = await call(w, 'admin', 'POST', `/api/v1/conversations/${id}/assign`, { team_id: sales, user_id: ana });
    assert.deepEqual(res.body, { assignee_id: ana, team_id: sales });
    res = await call(w, 'admin', 'POST', `/api/v1/conversations/${id}/assign`, { user_id: bo });
    assert.equal(res.status, 422);
    assert.equal(res.body.error.code, 'user_not_in_team', 'the transfer must stay inside the team, or name another team');
    res = await call(w, 'admin', 'POST', `/api/v1/conversations/${id}/assign`, { user_id: bo, team_id: null });
    assert.deepEqual(res.body, { assignee_id: bo, team_id: null }, 'transfer to an agent outside the team');
    for (const [body, code, status] of [
      [{}, 'assignee_required', 422],
      [{ user_id: 'usr_nope' }, 'user_not_found', 422],
      [{ team_id: 'team_nope' }, 'team_not_found', 422],
      [{ user_id: 5 }, 'invalid_user_id', 422],
      [{ agent: ana }, 'unknown_field', 400],
      [[1], 'invalid_body', 400],
    ] as const) {
      const r = await call(w, 'admin', 'POST', `/api/v1/conversations/${id}/assign`, body);
      assert.equal(r.status, status, JSON.stringify(body));
      assert.equal(r.body.error.code, code);
    }
    assert.equal((await call(w, 'admin', 'POST', `/api/v1/conversations/conv_nope/assign`, { user_id: ana })).status, 404);
    res = await call(w, 'admin', 'POST', `/api/v1/conversations/${id}/unassign`);
    assert.deepEqual(res.body, { assignee_id: null, team_id: null });
    assert.equal((await assigneeOf(id)).assignee_id, null);
  });

  test('a restricted agent cannot assign what they cannot see', async () => {
    const { cookie } = await agentSession(w, 'restricted@r.test', { visibility: 'assigned_and_team' });
    const id = await conversation();
    const res = await call(w, { cookie }, 'POST', `/api/v1/conversations/${id}/assign`, { user_id: null });
    assert.equal(res.status, 404);
    const token = await call(w, 'admin', 'POST', '/api/v1/tokens', { name: 'reader', scopes: ['conversations:read'] });
    const denied = await call(w, { bearer: token.body.token }, 'POST', `/api/v1/conversations/${id}/handoff`, {});
    assert.equal(denied.status, 403);
  });

  test('round robin is fair, capacity holds, the queue drains oldest first, and offline agents hand back', async () => {
    const a = await user('rr-a@r.test', { availability: 'online', capacity: 2 });
    const b = await user('rr-b@r.test', { availability: 'online', capacity: 2 });
    const c = await user('rr-c@r.test', { availability: 'online', capacity: 2 });
    const away = await user('rr-away@r.test', { availability: 'away', capacity: 5 });
    const support = await team('Support RR', [a, b, c, away]);
    const order = [a, b, c].sort();

    // Fairness: six hand-offs go round the three online agents twice, least recently assigned first.
    const first: string[] = [];
    for (let i = 0; i < 6; i++) first.push(await conversation());
    const got: string[] = [];
    for (const id of first) {
      const res = await handoff(id, support);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.queued, false);
      got.push(res.body.assignee_id);
    }
    assert.deepEqual(got, [...order, ...order]);

    // Capacity: everyone has 2 open; the next ones wait, in arrival order.
    const waiting = [await conversation(), await conversation(), await conversation()];
    for (const id of waiting) {
      const res = await handoff(id, support);
      assert.deepEqual(res.body, { conversation_id: id, assignee_id: null, team_id: support, queued: true });
    }

    // Capacity frees (an unassign): the oldest waiting conversation goes to the agent with room.
    const freed = first[0]!; // order[0]'s
    await call(w, 'admin', 'POST', `/api/v1/conversations/${freed}/unassign`);
    assert.equal((await assigneeOf(waiting[0]!)).assignee_id, order[0]);
    assert.equal((await assigneeOf(waiting[1]!)).assignee_id, null);

    // Raising capacity lets the next oldest in.
    await call(w, 'admin', 'PATCH', `/api/v1/users/${order[1]}`, { capacity: 3 });
    assert.equal((await assigneeOf(waiting[1]!)).assignee_id, order[1]);
    assert.equal((await assigneeOf(waiting[2]!)).assignee_id, null);

    // An agent going offline: their open conversations go back to the queue and are re-routed to
    // whoever has room (the 'away' agent takes none: away means no new conversations).
    const leaving = order[2]!;
    const theirs = (await w.app.deps.storage.db.selectFrom('conversations').select('id').where('assignee_id', '=', leaving).execute()).map(
      (r) => r.id,
    );
    assert.equal(theirs.length, 2);
    await call(w, 'admin', 'PATCH', `/api/v1/users/${order[0]}`, { capacity: 4 }); // room for 1 (waiting[2]) + 1
    assert.equal((await assigneeOf(waiting[2]!)).assignee_id, order[0]);
    const res = await call(w, 'admin', 'PATCH', `/api/v1/users/${leaving}`, { availability: 'offline' });
    assert.equal(res.status, 200);
    const after = await Promise.all(theirs.map(assigneeOf));
    assert.equal(after.filter((r) => r.assignee_id === leaving).length, 0, 'nothing stays with the offline agent');
    assert.deepEqual(
      after.map((r) => r.assignee_id).filter((x) => x !== null),
      [order[0]],
      'one re-routed to the agent with room',
    );
    assert.equal(after.filter((r) => r.assignee_id === null && r.awaiting_human_since !== null).length, 1, 'the other waits in the queue');
    assert.equal(
      after.some((r) => r.assignee_id === away),
      false,
    );

    // The agent comes back online: the waiting conversation is theirs again.
    await call(w, 'admin', 'PATCH', `/api/v1/users/${leaving}`, { availability: 'online' });
    assert.deepEqual((await Promise.all(theirs.map(assigneeOf))).map((r) => r.assignee_id).sort(), [order[0], leaving].sort());
  });

  test('closing a conversation frees its agent at once: the oldest waiting conversation takes the place', async () => {
    const solo = await user('close-solo@r.test', { availability: 'online', capacity: 1 });
    const desk = await team('Close desk', [solo]);
    const held = await conversation();
    const next = await conversation();
    assert.equal((await handoff(held, desk)).body.assignee_id, solo);
    assert.equal((await handoff(next, desk)).body.queued, true);
    assert.equal((await call(w, 'admin', 'PATCH', `/api/v1/conversations/${held}`, { status: 'closed' })).status, 200);
    assert.equal((await assigneeOf(next)).assignee_id, solo, 'assigned on close, not at the next periodic check');
  });

  test('the rotation is stored in the database (it survives restarts and is shared by processes)', async () => {
    const rows = await w.app.deps.storage.db
      .selectFrom('user_routing')
      .select(['user_id', 'last_assigned_at'])
      .where('last_assigned_at', 'is not', null)
      .execute();
    assert.ok(rows.length >= 3);
  });

  test('no team: every online agent serves the general queue; a blocked contact is not routed', async () => {
    const id = await conversation();
    const res = await handoff(id);
    assert.equal(res.status, 200);
    assert.equal(res.body.team_id, null);
    assert.equal(typeof res.body.assignee_id, 'string');
    const again = await handoff(id);
    assert.equal(again.body.assignee_id, res.body.assignee_id, 'asking twice keeps the agent');

    const blocked = await conversation();
    const contact = await w.app.deps.storage.db
      .selectFrom('conversations')
      .select('contact_id')
      .where('id', '=', blocked)
      .executeTakeFirstOrThrow();
    assert.equal((await call(w, 'admin', 'POST', `/api/v1/contacts/${contact.contact_id}/block`)).status, 200);
    const refused = await handoff(blocked);
    assert.equal(refused.status, 422);
    assert.equal(refused.body.error.code, 'contact_blocked');
    assert.equal((await handoff(id, 'team_nope')).body.error.code, 'team_not_found');
  });
});
