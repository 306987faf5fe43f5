import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { forEachDialect } from '../support/dialects.ts';
import { createUser, signIn, startAuthWorld, type AuthWorld } from './auth-world.ts';

/**
 * The sign-in, token, user and webhook routes declare their schemas (#14); what a client sees when
 * its request is wrong stays what it was before: the same status, code, message and details, and
 * the same order of checks (who may call comes before what the body says).
 */
forEachDialect('declared schemas keep the answers of sign-in, tokens, users and webhooks', (dialect) => {
  let w: AuthWorld;
  before(async () => {
    w = await startAuthWorld(dialect);
  });
  after(async () => {
    await w?.stop();
  });
  const login = (body: unknown, headers: Record<string, string> = {}) => w.call('POST', '/api/v1/auth/login', { body, headers });
  /** An error without its request_id (#19: every error body carries the request's own id). */
  const sansId = (error: { request_id?: unknown }) => {
    assert.equal(typeof error.request_id, 'string');
    const { request_id: _id, ...rest } = error;
    return rest;
  };

  test('POST /auth/login: a body the schema refuses gets the answers it always got, without details', async () => {
    for (const body of [{ email: 'ana@example.com' }, { email: 5, password: 'x' }, { password: 'x' }, {}]) {
      const res = await login(body);
      assert.equal(res.status, 422, JSON.stringify(body));
      assert.deepEqual(
        { error: sansId(res.body.error) },
        { error: { code: 'credentials_required', message: 'Send {"email": "...", "password": "..."}.' } },
      );
    }
    const extra = await login({ email: 'a@example.com', password: 'x', remember: true });
    assert.equal(extra.status, 400);
    assert.deepEqual(sansId(extra.body.error), {
      code: 'unknown_field',
      message: 'Unknown field "remember" in this request. Allowed: email, password.',
      details: { field: 'remember', fields: ['remember'] },
    });
    const junk = await login([1, 2]);
    assert.equal(junk.status, 400);
    assert.deepEqual(sansId(junk.body.error), { code: 'invalid_body', message: 'Send a JSON object (Content-Type: application/json).' });
    const crossSite = await login({ remember: true }, { 'sec-fetch-site': 'cross-site' });
    assert.equal(crossSite.status, 403, 'another site is refused before its body is read');
    assert.equal(crossSite.body.error.code, 'cross_site_request');
    const doc = (await w.call('GET', '/openapi.json')).body;
    assert.deepEqual(doc.paths['/api/v1/auth/login'].post.security, [], 'the OpenAPI document says sign-in needs no credentials');
    assert.deepEqual(doc.paths['/api/v1/auth/me'].get.security, [{ bearer: [] }]);
    const wrong = await login({ email: 'nobody@example.com', password: 'nope' });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body.error.code, 'invalid_credentials');
    assert.equal(wrong.setCookies.length, 0);
  });

  test('tokens and /users/me refuse callers who may not use them before looking at the body', async () => {
    const ana = await createUser(w, 'ana@example.com');
    const cookie = await signIn(w, ana.email, ana.password);
    const minted = await w.call('POST', '/api/v1/tokens', {
      as: { cookie },
      body: { name: 'script', scopes: ['conversations:read'], password: ana.password },
    });
    assert.equal(minted.status, 201, JSON.stringify(minted.body));
    const bearer = { bearer: minted.body.token as string };
    const mint = await w.call('POST', '/api/v1/tokens', { as: bearer, body: { name: 5, nonsense: true } });
    assert.equal(mint.status, 403, 'a token without admin manages no tokens, whatever its body');
    assert.equal(mint.body.error.code, 'forbidden');
    const me = await w.call('PATCH', '/api/v1/users/me', { as: bearer, body: { availability: 'sleeping' } });
    assert.equal(me.status, 403, '/users/me is for signed-in users, whatever the body');
    assert.equal(me.body.error.code, 'forbidden');
    const scopes = await w.call('POST', '/api/v1/tokens', { as: 'admin', body: { name: 'x', scopes: ['root'] } });
    assert.equal(scopes.status, 422);
    assert.equal(scopes.body.error.code, 'invalid_scopes');
    assert.deepEqual(
      scopes.body.error.details.allowed,
      ['conversations:read', 'conversations:write', 'contacts:read', 'contacts:write', 'admin'],
      'the allowed scopes, as before',
    );
    const availability = await w.call('PATCH', '/api/v1/users/me', { as: { cookie }, body: { availability: 'sleeping' } });
    assert.equal(availability.status, 422);
    assert.equal(availability.body.error.message, '"availability" must be one of: online, away, offline.');
    const capacity = await w.call('PATCH', `/api/v1/users/${ana.id}`, { as: 'admin', body: { capacity: 2.5 } });
    assert.equal(capacity.status, 422);
    assert.equal(capacity.body.error.code, 'invalid_capacity');
    const blank = await w.call('PATCH', `/api/v1/users/${ana.id}`, { as: 'admin', body: { name: '   ' } });
    assert.equal(blank.status, 422, 'a blank name is still refused (trimmed in the handler)');
    assert.equal(blank.body.error.code, 'invalid_name');
  });

  test('webhooks: required fields, a URL the API will not call, unknown event types keep their codes and details', async () => {
    const post = (body: unknown) => w.call('POST', '/api/v1/webhooks', { as: 'admin', body });
    assert.equal((await post({ events: ['*'] })).body.error.code, 'url_required');
    assert.equal((await post({ url: 'https://example.com/h' })).body.error.code, 'events_required');
    const ftp = await post({ url: 'ftp://example.com/h', events: ['*'] });
    assert.equal(ftp.status, 422);
    assert.deepEqual(sansId(ftp.body.error), { code: 'invalid_url', message: '"url" must be http or https (got ftp).' });
    const local = await post({ url: 'http://127.0.0.1:9/h', events: ['*'] });
    assert.equal(local.body.error.code, 'url_not_allowed');
    const unknown = await post({ url: 'https://example.com/h', events: ['message.received', 'message.teleported'] });
    assert.equal(unknown.status, 422);
    assert.equal(unknown.body.error.code, 'unknown_event_type');
    assert.deepEqual(unknown.body.error.details.unknown, ['message.teleported']);
    assert.ok(unknown.body.error.details.known.includes('message.received'));
    const many = await post({ url: 'https://example.com/h', events: ['*'], max_concurrency: 17 });
    assert.equal(many.body.error.code, 'invalid_max_concurrency');
    const made = await post({ url: 'https://example.com/h', events: ['message.received', 'message.received'] });
    assert.equal(made.status, 201);
    assert.deepEqual(made.body.events, ['message.received'], 'de-duplicated');
    assert.match(made.body.secret, /^whsec_/, 'the secret, shown once');
    const listed = await w.call('GET', `/api/v1/webhooks/${made.body.id}/deliveries?status=lost`, { as: 'admin' });
    assert.equal(listed.status, 400);
    assert.equal(listed.body.error.code, 'invalid_status');
  });
});
