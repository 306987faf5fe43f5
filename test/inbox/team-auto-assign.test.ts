import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { forEachDialect } from '../support/dialects.ts';
import { startWorld, type World } from '../support/test-world.ts';
import { agentSession, call } from './agents-http.ts';

forEachDialect('issue 13: auto-assignment per team overrides the number', (dialect) => {
  let w: World;
  let customerN = 0;
  before(async () => {
    w = await startWorld({ dialect });
  });
  after(async () => {
    await w?.stop();
  });

  async function customerWrites(): Promise<string> {
    const wa = `1555710${String(customerN++).padStart(4, '0')}`;
    await w.sim.customer(wa, `Customer ${wa}`).sendText('hello');
    await w.settle();
    const row = await w.app.deps.storage.db
      .selectFrom('conversations as c')
      .innerJoin('contacts as ct', 'ct.id', 'c.contact_id')
      .select('c.id')
      .where('ct.external_id', '=', wa)
      .where('c.status', '<>', 'closed')
      .executeTakeFirstOrThrow();
    return row.id;
  }
  const conv = async (id: string) => ({
    ...(await w.app.deps.storage.db
      .selectFrom('conversations')
      .select(['assignee_id', 'team_id', 'awaiting_human_since'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow()),
  });
  const setTeam = (teamId: string, mode: string | null) =>
    call(w, 'admin', 'PUT', `/api/v1/teams/${teamId}/auto-assign`, { auto_assign: mode });

  test("a team's mode applies to the conversations its number routes to it; null follows the number; same capacity and availability rules", async () => {
    const channel = (await call(w, 'admin', 'GET', '/api/v1/channels')).body.data[0];
    const team = (await call(w, 'admin', 'POST', '/api/v1/teams', { name: 'Team desk' })).body;
    const ana = await agentSession(w, 'ana-team@ta.test', { availability: 'online', capacity: 1 });
    const bob = await agentSession(w, 'bob-team@ta.test', { availability: 'offline' });
    await call(w, 'admin', 'PUT', `/api/v1/teams/${team.id}/members/${ana.user.id}`);
    await call(w, 'admin', 'PUT', `/api/v1/teams/${team.id}/members/${bob.user.id}`);

    // Validation and reads.
    let res = await call(w, 'admin', 'GET', `/api/v1/teams/${team.id}/auto-assign`);
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { team_id: team.id, auto_assign: null, channels: [] });
    for (const body of [{ auto_assign: 'sometimes' }, {}, { auto_assign: 3 }]) {
      res = await call(w, 'admin', 'PUT', `/api/v1/teams/${team.id}/auto-assign`, body);
      assert.equal(res.status, 422, JSON.stringify(res.body));
      assert.equal(res.body.error.code, 'invalid_auto_assign');
    }
    res = await call(w, 'admin', 'PUT', `/api/v1/teams/${team.id}/auto-assign`, { auto_assign: 'off', extra: 1 });
    assert.equal(res.status, 400, 'unknown fields are refused');
    assert.equal((await setTeam('team_nope', 'off')).status, 404);
    assert.equal((await call(w, 'admin', 'GET', '/api/v1/teams/team_nope/auto-assign')).status, 404);
    assert.equal(
      (await call(w, { cookie: ana.cookie }, 'PUT', `/api/v1/teams/${team.id}/auto-assign`, { auto_assign: 'off' })).status,
      403,
      'admins only',
    );

    // The number is off and routes to the team; the team says first_message: routed at once.
    await call(w, 'admin', 'PATCH', `/api/v1/channels/${channel.id}`, { auto_assign: 'off', auto_assign_team_id: team.id });
    res = await setTeam(team.id, 'first_message');
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body, {
      team_id: team.id,
      auto_assign: 'first_message',
      channels: [{ id: channel.id, auto_assign: 'off', effective_auto_assign: 'first_message' }],
    });
    const ch = (await call(w, 'admin', 'GET', '/api/v1/channels')).body.data.find((c: any) => c.id === channel.id);
    assert.deepEqual([ch.auto_assign, ch.team_auto_assign, ch.effective_auto_assign], ['off', 'first_message', 'first_message']);
    const first = await customerWrites();
    assert.deepEqual(
      await conv(first),
      { assignee_id: ana.user.id, team_id: team.id, awaiting_human_since: null },
      'the online agent, never the offline one',
    );
    // Ana is at capacity (1): the next one waits in the team's queue, and goes to her when room appears.
    const second = await customerWrites();
    const waiting = await conv(second);
    assert.equal(waiting.assignee_id, null);
    assert.equal(waiting.team_id, team.id);
    assert.ok(waiting.awaiting_human_since !== null, 'waits in the queue');
    assert.equal((await call(w, 'admin', 'PATCH', `/api/v1/conversations/${first}`, { status: 'closed' })).status, 200);
    assert.equal((await conv(second)).assignee_id, ana.user.id, 'routed when room appears');
    assert.equal((await call(w, 'admin', 'PATCH', `/api/v1/conversations/${second}`, { status: 'closed' })).status, 200);

    // The number says first_message; its team says off: no routing at the first message, and a
    // hand-off naming no team goes to the no-team queue (as with a number that is off).
    await call(w, 'admin', 'PATCH', `/api/v1/channels/${channel.id}`, { auto_assign: 'first_message' });
    await setTeam(team.id, 'off');
    const off = await customerWrites();
    assert.deepEqual(await conv(off), { assignee_id: null, team_id: null, awaiting_human_since: null });
    res = await call(w, 'admin', 'POST', `/api/v1/conversations/${off}/handoff`, {});
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.team_id, null);
    await call(w, 'admin', 'PATCH', `/api/v1/conversations/${off}`, { status: 'closed' });

    // The team says after_handoff: the bot first; its hand-off goes to the team.
    await setTeam(team.id, 'after_handoff');
    const later = await customerWrites();
    assert.equal((await conv(later)).assignee_id, null, 'the bot answers first');
    res = await call(w, 'admin', 'POST', `/api/v1/conversations/${later}/handoff`, {});
    assert.deepEqual([res.body.assignee_id, res.body.team_id], [ana.user.id, team.id]);
    await call(w, 'admin', 'PATCH', `/api/v1/conversations/${later}`, { status: 'closed' });

    // null: the number's own first_message applies again.
    res = await setTeam(team.id, null);
    assert.equal(res.body.auto_assign, null);
    assert.equal(res.body.channels[0].effective_auto_assign, 'first_message');
    const again = await customerWrites();
    assert.deepEqual(await conv(again), { assignee_id: ana.user.id, team_id: team.id, awaiting_human_since: null });
    await call(w, 'admin', 'PATCH', `/api/v1/channels/${channel.id}`, { auto_assign: 'off', auto_assign_team_id: null });
  });

  test('the OpenAPI document describes the team routes', async () => {
    const doc = (await call(w, 'anonymous', 'GET', '/openapi.json')).body;
    const path = doc.paths['/api/v1/teams/{id}/auto-assign'];
    assert.ok(
      path?.get && path?.put,
      Object.keys(doc.paths)
        .filter((p: string) => p.includes('teams'))
        .join(', '),
    );
    assert.deepEqual(path.put.requestBody.content['application/json'].schema.properties.auto_assign.enum, [
      'off',
      'first_message',
      'after_handoff',
      null,
    ]);
  });
});
