import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { forEachDialect } from '../support/dialects.ts';
import { createUser, signIn, startAuthWorld, type AuthWorld } from './auth-world.ts';

forEachDialect('API tokens need the password from a session; a new password revokes them', (dialect) => {
  let w: AuthWorld;
  before(async () => {
    w = await startAuthWorld(dialect);
  });
  after(async () => {
    await w?.stop();
  });
  const mint = (as: 'admin' | { cookie: string } | { bearer: string }, extra: Record<string, unknown> = {}) =>
    w.call('POST', '/api/v1/tokens', { as, body: { name: 'script', scopes: ['conversations:read'], ...extra } });

  test('a session mints a token only with the password again', async () => {
    const ana = await createUser(w, 'ana@example.com');
    const as = { cookie: await signIn(w, ana.email, ana.password) };
    const none = await mint(as);
    assert.equal(none.status, 403);
    assert.equal(none.body.error.code, 'password_required');
    const wrong = await mint(as, { password: 'not the password' });
    assert.equal(wrong.status, 403);
    assert.equal(wrong.body.error.code, 'password_incorrect');
    const notText = await mint(as, { password: 12345 });
    assert.equal(notText.status, 422);
    assert.equal(notText.body.error.code, 'invalid_password');
    assert.equal((await w.call('GET', '/api/v1/tokens', { as })).body.data.length, 0, 'nothing was minted');
    const ok = await mint(as, { password: ana.password });
    assert.equal(ok.status, 201);
    assert.equal(ok.body.user_id, ana.id);
    assert.equal((await w.call('GET', '/api/v1/conversations', { as: { bearer: ok.body.token } })).status, 200);
  });

  test('an admin session needs it too; the admin token and an admin-scoped API token do not', async () => {
    const root = await createUser(w, 'root@example.com', 'admin');
    const as = { cookie: await signIn(w, root.email, root.password) };
    assert.equal((await mint(as, { scopes: ['admin'] })).body.error.code, 'password_required');
    assert.equal((await mint('admin')).status, 201, 'the admin token');
    const adminScoped = await mint(as, { scopes: ['admin'], password: root.password });
    assert.equal(adminScoped.status, 201);
    assert.equal((await mint({ bearer: adminScoped.body.token })).status, 201, 'an admin-scoped API token');
  });

  test('guessing the password through token minting is throttled like sign-in', async (t) => {
    const bo = await createUser(w, 'bo@example.com');
    const as = { cookie: await signIn(w, bo.email, bo.password) };
    w.clock.stop(); // the 1-second lock must not run out in real time between these requests
    t.after(() => w.clock.resume());
    for (let i = 1; i <= 5; i++) assert.equal((await mint(as, { password: `guess ${i}` })).body.error.code, 'password_incorrect');
    const locked = await mint(as, { password: bo.password });
    assert.equal(locked.status, 429);
    assert.equal(locked.body.error.code, 'too_many_attempts');
    assert.equal(locked.headers.get('retry-after'), '1');
    const change = await w.call('PATCH', '/api/v1/users/me', {
      as,
      body: { password: 'a new password here', current_password: bo.password },
    });
    assert.equal(change.status, 429, 'and so is the current password of a password change');
    w.clock.advance(1000);
    assert.equal((await mint(as, { password: bo.password })).status, 201);
  });

  test("changing one's own password revokes one's API tokens and other sessions, keeps this session", async () => {
    const cy = await createUser(w, 'cy@example.com');
    const as = { cookie: await signIn(w, cy.email, cy.password) };
    const other = { cookie: await signIn(w, cy.email, cy.password) };
    const token = (await mint(as, { password: cy.password })).body;
    const adminMade = (await w.call('POST', '/api/v1/tokens', { as: 'admin', body: { name: 'unowned', scopes: ['conversations:read'] } }))
      .body;
    assert.equal((await w.call('GET', '/api/v1/auth/me', { as: { bearer: token.token } })).status, 200);
    const changed = await w.call('PATCH', '/api/v1/users/me', {
      as,
      body: { password: 'cy has a new password', current_password: cy.password },
    });
    assert.equal(changed.status, 200);
    assert.equal((await w.call('GET', '/api/v1/auth/me', { as: { bearer: token.token } })).status, 401, 'the token is revoked');
    assert.equal((await w.call('GET', '/api/v1/auth/me', { as: other })).status, 401, 'the other session ended');
    assert.equal((await w.call('GET', '/api/v1/auth/me', { as })).status, 200, 'the session that changed it stays');
    const listed = (await w.call('GET', '/api/v1/tokens', { as: 'admin' })).body.data;
    assert.ok(listed.find((t: any) => t.id === token.id).revoked_at, 'listed as revoked');
    assert.equal(listed.find((t: any) => t.id === adminMade.id).revoked_at, null, "others' tokens are untouched");
    assert.equal((await w.call('GET', '/api/v1/auth/me', { as: { bearer: adminMade.token } })).status, 200);
  });

  test("an administrator's password reset revokes the user's tokens and ends every session", async () => {
    const dee = await createUser(w, 'dee@example.com');
    const as = { cookie: await signIn(w, dee.email, dee.password) };
    const token = (await mint(as, { password: dee.password })).body.token;
    assert.equal((await w.call('PATCH', `/api/v1/users/${dee.id}`, { as: 'admin', body: { password: 'reset by the admin' } })).status, 200);
    assert.equal((await w.call('GET', '/api/v1/auth/me', { as: { bearer: token } })).status, 401);
    assert.equal((await w.call('GET', '/api/v1/auth/me', { as })).status, 401);
    assert.ok(await signIn(w, dee.email, 'reset by the admin'));
  });
});
