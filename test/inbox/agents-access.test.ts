import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, test } from 'node:test';
import { forEachDialect } from '../support/dialects.ts';
import { startWorld, type World } from '../support/test-world.ts';
import { agentSession, call, login } from './agents-http.ts';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

forEachDialect('agents and access: sign-in, tokens, scopes', (dialect) => {
  let w: World;
  before(async () => {
    w = await startWorld({ dialect });
  });
  after(async () => {
    await w?.stop();
  });

  test('every access route answers 401 without credentials, or with wrong ones', async () => {
    const routes = [
      ['GET', '/api/v1/auth/me'],
      ['GET', '/api/v1/tokens'],
      ['POST', '/api/v1/tokens'],
      ['DELETE', '/api/v1/tokens/tok_x'],
      ['GET', '/api/v1/users'],
      ['POST', '/api/v1/users'],
      ['GET', '/api/v1/users/me'],
      ['PATCH', '/api/v1/users/me'],
      ['PUT', '/api/v1/users/me/availability'],
      ['GET', '/api/v1/users/usr_x'],
      ['PATCH', '/api/v1/users/usr_x'],
      ['DELETE', '/api/v1/users/usr_x'],
      ['GET', '/api/v1/teams'],
      ['POST', '/api/v1/teams'],
      ['GET', '/api/v1/teams/team_x'],
      ['PATCH', '/api/v1/teams/team_x'],
      ['DELETE', '/api/v1/teams/team_x'],
      ['PUT', '/api/v1/teams/team_x/members/usr_x'],
      ['DELETE', '/api/v1/teams/team_x/members/usr_x'],
      ['GET', '/api/v1/conversations'],
      ['POST', '/api/v1/conversations/x/messages'],
    ] as const;
    for (const [method, path] of routes) {
      for (const as of [
        'anonymous',
        { bearer: 'wrong-token' },
        { bearer: 'sbt_not-a-real-token' },
        { cookie: 'sb_session=forged' },
      ] as const) {
        const res = await call(w, as, method, path);
        assert.equal(res.status, 401, `${method} ${path} as ${JSON.stringify(as)}`);
        assert.equal(res.body.error.code, 'unauthorized');
      }
    }
  });

  test('an admin creates an agent; the password is stored only as a salted scrypt hash', async () => {
    const res = await call(w, 'admin', 'POST', '/api/v1/users', {
      email: 'Ana@Example.com',
      name: 'Ana',
      password: 'correct horse battery',
      capacity: 5,
    });
    assert.equal(res.status, 201);
    assert.deepEqual(
      {
        email: res.body.email,
        role: res.body.role,
        visibility: res.body.visibility,
        availability: res.body.availability,
        capacity: res.body.capacity,
      },
      { email: 'ana@example.com', role: 'agent', visibility: 'all', availability: 'offline', capacity: 5 },
    );
    assert.equal(JSON.stringify(res.body).includes('correct horse'), false);
    assert.equal('password_hash' in res.body, false);
    const row = await w.app.deps.storage.db.selectFrom('users').selectAll().where('id', '=', res.body.id).executeTakeFirstOrThrow();
    assert.match(row.password_hash, /^\$scrypt\$v=1\$ln=\d+,r=\d+,p=\d+\$[\w-]+\$[\w-]+$/);
    assert.equal(row.password_hash.includes('correct horse'), false);
    const again = await call(w, 'admin', 'POST', '/api/v1/users', {
      email: 'ANA@example.COM',
      name: 'Ana 2',
      password: 'another password',
    });
    assert.equal(again.status, 409, 'emails are unique whatever their case');
    assert.equal(again.body.error.code, 'email_taken');
  });

  test('login sets an HttpOnly SameSite=Lax session cookie stored hashed; me and logout', async () => {
    const res = await call(w, 'anonymous', 'POST', '/api/v1/auth/login', { email: 'ANA@example.com', password: 'correct horse battery' });
    assert.equal(res.status, 200);
    assert.equal(res.body.user.email, 'ana@example.com');
    const setCookie = res.setCookies.find((c) => c.startsWith('sb_session=')) ?? '';
    assert.match(setCookie, /HttpOnly/i);
    assert.match(setCookie, /SameSite=Lax/i);
    assert.match(setCookie, /Path=\//);
    assert.match(setCookie, /Max-Age=\d+/);
    const cookie = setCookie.split(';')[0] ?? '';
    const token = cookie.slice('sb_session='.length);
    assert.ok(token.length >= 40, 'a long random token');
    const sessions = await w.app.deps.storage.db.selectFrom('sessions').selectAll().where('user_id', '=', res.body.user.id).execute();
    assert.deepEqual(
      sessions.map((s) => s.id),
      [sha256(token)],
      'only the hash is stored',
    );

    const me = await call(w, { cookie }, 'GET', '/api/v1/auth/me');
    assert.equal(me.status, 200);
    assert.equal(me.body.user.email, 'ana@example.com');
    assert.deepEqual({ kind: me.body.principal.kind, role: me.body.principal.role }, { kind: 'user', role: 'agent' });
    assert.deepEqual(me.body.principal.scopes.sort(), ['contacts:read', 'contacts:write', 'conversations:read', 'conversations:write']);

    const out = await call(w, { cookie }, 'POST', '/api/v1/auth/logout');
    assert.equal(out.status, 204);
    assert.match(out.setCookies.find((c) => c.startsWith('sb_session=')) ?? '', /Expires=Thu, 01 Jan 1970|Max-Age=0/);
    assert.equal((await call(w, { cookie }, 'GET', '/api/v1/auth/me')).status, 401, 'the session ended on the server');
  });

  test('a wrong password or an unknown email gets 401 and no cookie', async () => {
    for (const body of [
      { email: 'ana@example.com', password: 'wrong password' },
      { email: 'nobody@example.com', password: 'correct horse battery' },
    ]) {
      const res = await call(w, 'anonymous', 'POST', '/api/v1/auth/login', body);
      assert.equal(res.status, 401);
      assert.equal(res.body.error.code, 'invalid_credentials');
      assert.equal(res.setCookies.length, 0);
    }
    assert.equal((await call(w, 'anonymous', 'POST', '/api/v1/auth/login', { email: 'ana@example.com' })).status, 422);
    assert.equal((await call(w, 'anonymous', 'POST', '/api/v1/auth/login', ['x'])).status, 400);
  });

  test('an agent works on conversations but cannot manage users, teams or tokens beyond their own', async () => {
    const agent = await agentSession(w, 'bo@example.com');
    const as = { cookie: agent.cookie };
    assert.equal((await call(w, as, 'GET', '/api/v1/conversations')).status, 200);
    for (const [method, path, body] of [
      ['GET', '/api/v1/users', undefined],
      ['POST', '/api/v1/users', { email: 'x@example.com', name: 'X', password: 'long enough pw' }],
      ['GET', `/api/v1/users/${agent.user.id}`, undefined],
      ['PATCH', `/api/v1/users/${agent.user.id}`, { role: 'admin' }],
      ['DELETE', `/api/v1/users/${agent.user.id}`, undefined],
      ['POST', '/api/v1/teams', { name: 'Sneaky' }],
      ['POST', '/api/v1/tokens', { name: 'too much', scopes: ['admin'] }],
    ] as const) {
      const res = await call(w, as, method, path, body);
      assert.equal(res.status, 403, `${method} ${path}`);
      assert.equal(res.body.error.code, 'forbidden');
    }
    assert.equal((await call(w, as, 'GET', '/api/v1/teams')).status, 200, 'agents read teams');
    const mine = await call(w, as, 'PATCH', '/api/v1/users/me', { availability: 'online' });
    assert.equal(mine.status, 200);
    assert.equal(mine.body.availability, 'online');
    const away = await call(w, as, 'PUT', '/api/v1/users/me/availability', { availability: 'away' });
    assert.equal(away.body.availability, 'away');
    assert.equal((await call(w, as, 'PATCH', '/api/v1/users/me', { role: 'admin' })).body.error.code, 'unknown_field');
    assert.equal(
      (await call(w, as, 'PUT', '/api/v1/users/me/availability', { availability: 'busy' })).body.error.code,
      'invalid_availability',
    );
    assert.equal((await call(w, 'admin', 'GET', '/api/v1/users/me')).status, 403, 'the admin token is not a user');
  });

  test('API tokens: shown once, stored hashed, scoped, and refused at once when revoked', async () => {
    const created = await call(w, 'admin', 'POST', '/api/v1/tokens', {
      name: 'CRM reader',
      scopes: ['conversations:read', 'conversations:read'],
    });
    assert.equal(created.status, 201);
    const token: string = created.body.token;
    assert.match(token, /^sbt_[\w-]{40,}$/);
    assert.deepEqual(created.body.scopes, ['conversations:read']);
    assert.equal(created.body.user_id, null);
    const row = await w.app.deps.storage.db
      .selectFrom('api_tokens')
      .selectAll()
      .where('id', '=', created.body.id)
      .executeTakeFirstOrThrow();
    assert.equal(row.token_hash, sha256(token));
    assert.equal(JSON.stringify(row).includes(token), false);
    const list = await call(w, 'admin', 'GET', '/api/v1/tokens');
    const listed = list.body.data.find((t: any) => t.id === created.body.id);
    assert.equal(listed.name, 'CRM reader');
    assert.equal('token' in listed, false);
    assert.equal(token.startsWith(listed.token_prefix), true);

    const as = { bearer: token };
    assert.equal((await call(w, as, 'GET', '/api/v1/conversations')).status, 200);
    const write = await call(w, as, 'POST', '/api/v1/conversations/x/messages', { text: 'hi' });
    assert.equal(write.status, 403);
    assert.equal(write.body.error.code, 'forbidden');
    assert.equal(write.body.error.details.required_scope, 'conversations:write');
    assert.equal((await call(w, as, 'GET', '/api/v1/users')).status, 403);
    assert.equal((await call(w, as, 'GET', '/api/v1/tokens')).status, 403, 'a non-admin token cannot manage tokens');
    const me = await call(w, as, 'GET', '/api/v1/auth/me');
    assert.deepEqual(
      { kind: me.body.principal.kind, role: me.body.principal.role, token_id: me.body.principal.token_id },
      { kind: 'token', role: 'integration', token_id: created.body.id },
    );

    assert.equal((await call(w, 'admin', 'DELETE', `/api/v1/tokens/${created.body.id}`)).status, 204);
    const refused = await call(w, as, 'GET', '/api/v1/conversations');
    assert.equal(refused.status, 401);
    assert.equal(refused.body.error.code, 'unauthorized');
    const after = await call(w, 'admin', 'GET', '/api/v1/tokens');
    assert.ok(after.body.data.find((t: any) => t.id === created.body.id).revoked_at);
    assert.equal((await call(w, 'admin', 'DELETE', '/api/v1/tokens/tok_missing')).status, 404);
  });

  test('an admin-scoped token acts as admin; a contacts-only token cannot read conversations', async () => {
    const adminTok = (await call(w, 'admin', 'POST', '/api/v1/tokens', { name: 'ops', scopes: ['admin'] })).body.token;
    assert.equal((await call(w, { bearer: adminTok }, 'GET', '/api/v1/users')).status, 200);
    const contacts = (await call(w, { bearer: adminTok }, 'POST', '/api/v1/tokens', { name: 'contacts', scopes: ['contacts:read'] })).body
      .token;
    const res = await call(w, { bearer: contacts }, 'GET', '/api/v1/conversations');
    assert.equal(res.status, 403);
    assert.equal(res.body.error.details.required_scope, 'conversations:read');
  });

  test('last_used_at is recorded, and written at most once a minute', async () => {
    const created = await call(w, 'admin', 'POST', '/api/v1/tokens', { name: 'usage', scopes: ['conversations:read'] });
    assert.equal(created.body.last_used_at, null);
    const lastUsed = async () =>
      (await call(w, 'admin', 'GET', '/api/v1/tokens')).body.data.find((t: any) => t.id === created.body.id).last_used_at;
    await call(w, { bearer: created.body.token }, 'GET', '/api/v1/conversations');
    const first = await lastUsed();
    assert.ok(first, 'set on first use');
    w.clock.advance(30_000);
    await call(w, { bearer: created.body.token }, 'GET', '/api/v1/conversations');
    assert.equal(await lastUsed(), first, 'not rewritten within the minute');
    w.clock.advance(31_000);
    await call(w, { bearer: created.body.token }, 'GET', '/api/v1/conversations');
    assert.ok(Date.parse(await lastUsed()) > Date.parse(first), 'moved on after a minute');
  });

  test('an agent owns tokens within their own scopes, sees only theirs, and loses them when deleted', async () => {
    const agent = await agentSession(w, 'cy@example.com', { visibility: 'assigned_and_team' });
    const as = { cookie: agent.cookie };
    const own = await call(w, as, 'POST', '/api/v1/tokens', {
      name: 'my script',
      scopes: ['conversations:read'],
      password: agent.password,
    });
    assert.equal(own.status, 201);
    assert.equal(own.body.user_id, agent.user.id);
    const list = await call(w, as, 'GET', '/api/v1/tokens');
    assert.deepEqual(
      list.body.data.map((t: any) => t.id),
      [own.body.id],
    );
    const others = (await call(w, 'admin', 'GET', '/api/v1/tokens')).body.data.filter((t: any) => t.user_id !== agent.user.id);
    assert.ok(others.length > 0);
    assert.equal((await call(w, as, 'DELETE', `/api/v1/tokens/${others[0].id}`)).status, 404, "another's token is not found");
    const tokenMe = await call(w, { bearer: own.body.token }, 'GET', '/api/v1/auth/me');
    assert.deepEqual(
      { role: tokenMe.body.principal.role, user_id: tokenMe.body.principal.user_id, visibility: tokenMe.body.principal.visibility },
      { role: 'agent', user_id: agent.user.id, visibility: 'assigned_and_team' },
    );

    assert.equal((await call(w, 'admin', 'DELETE', `/api/v1/users/${agent.user.id}`)).status, 204);
    assert.equal((await call(w, as, 'GET', '/api/v1/auth/me')).status, 401, 'session ended');
    assert.equal((await call(w, { bearer: own.body.token }, 'GET', '/api/v1/conversations')).status, 401, 'token refused');
    assert.equal((await call(w, 'admin', 'GET', `/api/v1/users/${agent.user.id}`)).status, 404);
    assert.equal(
      (await call(w, 'anonymous', 'POST', '/api/v1/auth/login', { email: 'cy@example.com', password: agent.password })).status,
      401,
    );
  });

  test('a role change applies to live sessions at once; a password change ends other sessions', async () => {
    const dee = await agentSession(w, 'dee@example.com');
    assert.equal((await call(w, { cookie: dee.cookie }, 'GET', '/api/v1/users')).status, 403);
    assert.equal((await call(w, 'admin', 'PATCH', `/api/v1/users/${dee.user.id}`, { role: 'admin' })).status, 200);
    assert.equal((await call(w, { cookie: dee.cookie }, 'GET', '/api/v1/users')).status, 200);
    const second = await login(w, 'dee@example.com', dee.password);
    const wrong = await call(w, { cookie: dee.cookie }, 'PATCH', '/api/v1/users/me', {
      password: 'a brand new password',
      current_password: 'nope',
    });
    assert.equal(wrong.body.error.code, 'current_password_incorrect');
    const changed = await call(w, { cookie: dee.cookie }, 'PATCH', '/api/v1/users/me', {
      password: 'a brand new password',
      current_password: dee.password,
    });
    assert.equal(changed.status, 200);
    assert.equal((await call(w, { cookie: dee.cookie }, 'GET', '/api/v1/auth/me')).status, 200, 'the session that changed it stays');
    assert.equal((await call(w, { cookie: second }, 'GET', '/api/v1/auth/me')).status, 401, 'the others end');
    await login(w, 'dee@example.com', 'a brand new password');
  });

  test('cookie-authenticated writes from another site are refused', async () => {
    const eve = await agentSession(w, 'eve@example.com');
    const res = await call(
      w,
      { cookie: eve.cookie },
      'PUT',
      '/api/v1/users/me/availability',
      { availability: 'online' },
      { 'sec-fetch-site': 'cross-site' },
    );
    assert.equal(res.status, 403);
    assert.equal(res.body.error.code, 'cross_site_request');
    const same = await call(
      w,
      { cookie: eve.cookie },
      'PUT',
      '/api/v1/users/me/availability',
      { availability: 'online' },
      { 'sec-fetch-site': 'same-origin' },
    );
    assert.equal(same.status, 200);
  });

  test('sessions slide while used and expire after 14 idle days', async () => {
    const fay = await agentSession(w, 'fay@example.com');
    w.clock.advance(8 * 24 * 3600_000);
    const renewed = await call(w, { cookie: fay.cookie }, 'GET', '/api/v1/auth/me');
    assert.equal(renewed.status, 200);
    assert.ok(
      renewed.setCookies.some((c) => c.startsWith('sb_session=')),
      'cookie renewed in the second half of its life',
    );
    w.clock.advance(13 * 24 * 3600_000);
    assert.equal((await call(w, { cookie: fay.cookie }, 'GET', '/api/v1/auth/me')).status, 200, 'still valid: it slid');
    w.clock.advance(15 * 24 * 3600_000);
    assert.equal((await call(w, { cookie: fay.cookie }, 'GET', '/api/v1/auth/me')).status, 401);
  });
});
