import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { forEachDialect } from '../support/dialects.ts';
import { startWorld, type World } from '../support/test-world.ts';
import { agentSession, call } from './agents-http.ts';

forEachDialect('agents and access: users and teams', (dialect) => {
  let w: World;
  before(async () => {
    w = await startWorld({ dialect });
  });
  after(async () => {
    await w?.stop();
  });

  test('users: create, read, list, update and delete', async () => {
    const made = await call(w, 'admin', 'POST', '/api/v1/users', {
      email: 'gus@example.com',
      name: 'Gus',
      password: 'gus password 1',
      role: 'admin',
      visibility: 'assigned_and_team',
      capacity: 3,
      availability: 'online',
    });
    assert.equal(made.status, 201);
    const id = made.body.id;
    assert.match(id, /^usr_/);
    const got = await call(w, 'admin', 'GET', `/api/v1/users/${id}`);
    assert.deepEqual(got.body, made.body);
    const patched = await call(w, 'admin', 'PATCH', `/api/v1/users/${id}`, {
      name: 'Gustavo',
      role: 'agent',
      capacity: null,
      availability: 'away',
      email: 'GUSTAVO@example.com',
    });
    assert.equal(patched.status, 200);
    assert.deepEqual(
      [patched.body.name, patched.body.role, patched.body.capacity, patched.body.availability, patched.body.email],
      ['Gustavo', 'agent', null, 'away', 'gustavo@example.com'],
    );
    const list = await call(w, 'admin', 'GET', '/api/v1/users');
    assert.ok(list.body.data.some((u: any) => u.id === id && u.name === 'Gustavo'));
    assert.equal((await call(w, 'admin', 'DELETE', `/api/v1/users/${id}`)).status, 204);
    assert.equal((await call(w, 'admin', 'DELETE', `/api/v1/users/${id}`)).status, 404);
    assert.equal((await call(w, 'admin', 'PATCH', `/api/v1/users/${id}`, { name: 'x' })).status, 404);
    const relisted = await call(w, 'admin', 'GET', '/api/v1/users');
    assert.equal(
      relisted.body.data.some((u: any) => u.id === id),
      false,
    );
    const reused = await call(w, 'admin', 'POST', '/api/v1/users', {
      email: 'gustavo@example.com',
      name: 'New Gus',
      password: 'gus password 2',
    });
    assert.equal(reused.status, 201, "a deleted user's email can be used again");
  });

  test('an admin user cannot delete themselves; an email clash on update is 409', async () => {
    const boss = await agentSession(w, 'boss@example.com', { role: 'admin' });
    const res = await call(w, { cookie: boss.cookie }, 'DELETE', `/api/v1/users/${boss.user.id}`);
    assert.equal(res.status, 409);
    assert.equal(res.body.error.code, 'cannot_delete_self');
    const other = await call(w, 'admin', 'POST', '/api/v1/users', {
      email: 'other@example.com',
      name: 'Other',
      password: 'other password',
    });
    const clash = await call(w, 'admin', 'PATCH', `/api/v1/users/${other.body.id}`, { email: 'Boss@Example.com' });
    assert.equal(clash.status, 409);
    assert.equal(clash.body.error.code, 'email_taken');
  });

  test('bad user input gets 4xx with a code naming the problem, never 5xx', async () => {
    const ok = { email: 'val@example.com', name: 'Val', password: 'val password' };
    for (const [body, status, code] of [
      [null, 400, 'invalid_body'],
      [[ok], 400, 'invalid_body'],
      [{ ...ok, email: 'not-an-email' }, 422, 'invalid_email'],
      [{ ...ok, email: 42 }, 422, 'invalid_email'],
      [{ ...ok, name: '  ' }, 422, 'invalid_name'],
      [{ ...ok, password: 'short' }, 422, 'invalid_password'],
      [{ ...ok, password: 'x'.repeat(1025) }, 422, 'invalid_password'],
      [{ ...ok, role: 'owner' }, 422, 'invalid_role'],
      [{ ...ok, visibility: 'mine' }, 422, 'invalid_visibility'],
      [{ ...ok, capacity: -1 }, 422, 'invalid_capacity'],
      [{ ...ok, capacity: 1.5 }, 422, 'invalid_capacity'],
      [{ ...ok, availability: 'busy' }, 422, 'invalid_availability'],
      [{ ...ok, is_admin: true }, 400, 'unknown_field'],
    ] as const) {
      const res = await call(w, 'admin', 'POST', '/api/v1/users', body);
      assert.equal(res.status, status, JSON.stringify(body));
      assert.equal(res.body.error.code, code, JSON.stringify(body));
    }
    const raw = await fetch(`${w.app.url}/api/v1/users`, {
      method: 'POST',
      headers: { authorization: 'Bearer test-admin-token-0123456789', 'content-type': 'application/json' },
      body: '{nope',
    });
    assert.equal(raw.status, 400);
    for (const [body, code] of [
      [{ name: 't', scopes: [] }, 'invalid_scopes'],
      [{ name: 't', scopes: ['root'] }, 'invalid_scopes'],
      [{ name: 't', scopes: 'admin' }, 'invalid_scopes'],
      [{ scopes: ['admin'] }, 'invalid_name'],
      [{ name: 't', scopes: ['admin'], expires_at: '2001-01-01T00:00:00Z' }, 'invalid_expires_at'],
      [{ name: 't', scopes: ['admin'], expires_at: 'tomorrow' }, 'invalid_expires_at'],
    ] as const) {
      const res = await call(w, 'admin', 'POST', '/api/v1/tokens', body);
      assert.equal(res.status, 422, JSON.stringify(body));
      assert.equal(res.body.error.code, code, JSON.stringify(body));
    }
  });

  test('an API token past its expiry is refused', async () => {
    const created = await call(w, 'admin', 'POST', '/api/v1/tokens', {
      name: 'short-lived',
      scopes: ['conversations:read'],
      expires_at: new Date(w.clock.now() + 3600_000).toISOString(),
    });
    assert.equal((await call(w, { bearer: created.body.token }, 'GET', '/api/v1/conversations')).status, 200);
    w.clock.advance(3600_000 + 1);
    assert.equal((await call(w, { bearer: created.body.token }, 'GET', '/api/v1/conversations')).status, 401);
  });

  test('teams: create, rename, members in and out, delete', async () => {
    const hal = await agentSession(w, 'hal@example.com', { visibility: 'assigned_and_team' });
    const team = await call(w, 'admin', 'POST', '/api/v1/teams', { name: 'Support', description: 'First line' });
    assert.equal(team.status, 201);
    assert.match(team.body.id, /^team_/);
    assert.deepEqual(team.body.members, []);
    const dup = await call(w, 'admin', 'POST', '/api/v1/teams', { name: 'Support' });
    assert.equal(dup.status, 409);
    assert.equal(dup.body.error.code, 'team_name_taken');

    const added = await call(w, 'admin', 'PUT', `/api/v1/teams/${team.body.id}/members/${hal.user.id}`);
    assert.equal(added.status, 200);
    assert.deepEqual(
      added.body.members.map((m: any) => m.id),
      [hal.user.id],
    );
    assert.equal(
      (await call(w, 'admin', 'PUT', `/api/v1/teams/${team.body.id}/members/${hal.user.id}`)).status,
      200,
      'adding twice is fine',
    );
    assert.equal((await call(w, 'admin', 'PUT', `/api/v1/teams/${team.body.id}/members/usr_nobody`)).body.error.code, 'user_not_found');
    assert.equal((await call(w, 'admin', 'PUT', `/api/v1/teams/team_nope/members/${hal.user.id}`)).body.error.code, 'team_not_found');

    const halAs = { cookie: hal.cookie };
    const seen = await call(w, halAs, 'GET', `/api/v1/teams/${team.body.id}`);
    assert.equal(seen.status, 200, 'agents read teams');
    assert.equal((await call(w, halAs, 'PATCH', `/api/v1/teams/${team.body.id}`, { name: 'Mine' })).status, 403);
    assert.equal((await call(w, halAs, 'PUT', `/api/v1/teams/${team.body.id}/members/${hal.user.id}`)).status, 403);
    const me = await call(w, halAs, 'GET', '/api/v1/users/me');
    assert.deepEqual(me.body.team_ids, [team.body.id]);
    const principal = await call(w, halAs, 'GET', '/api/v1/auth/me');
    assert.equal(principal.body.principal.visibility, 'assigned_and_team');

    const renamed = await call(w, 'admin', 'PATCH', `/api/v1/teams/${team.body.id}`, { name: 'Support EU', description: null });
    assert.deepEqual([renamed.body.name, renamed.body.description], ['Support EU', null]);
    const list = await call(w, 'admin', 'GET', '/api/v1/teams');
    assert.deepEqual(list.body.data.find((t: any) => t.id === team.body.id).member_ids, [hal.user.id]);

    assert.equal((await call(w, 'admin', 'DELETE', `/api/v1/teams/${team.body.id}/members/${hal.user.id}`)).status, 204);
    assert.equal(
      (await call(w, 'admin', 'DELETE', `/api/v1/teams/${team.body.id}/members/${hal.user.id}`)).body.error.code,
      'member_not_found',
    );
    assert.equal((await call(w, 'admin', 'DELETE', `/api/v1/teams/${team.body.id}`)).status, 204);
    assert.equal((await call(w, 'admin', 'GET', `/api/v1/teams/${team.body.id}`)).status, 404);
    assert.equal((await call(w, 'admin', 'POST', '/api/v1/teams', { name: '' })).body.error.code, 'invalid_name');
    assert.equal((await call(w, 'admin', 'POST', '/api/v1/teams', { name: 'X', lead: 'y' })).body.error.code, 'unknown_field');
  });
});
