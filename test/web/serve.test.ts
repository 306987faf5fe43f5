import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import Fastify from 'fastify';
import { ensureFirstAdmin, FIRST_ADMIN_EMAIL } from '../../src/auth/first-admin.ts';
import { WEB_APP_DIR, webAppRoutes } from '../../src/http/web-app-routes.ts';
import { forEachDialect } from '../support/dialects.ts';
import { startWorld, type World } from '../support/test-world.ts';
import { buildWebApp } from './web-world.ts';

forEachDialect('web app: served at / by the server', (dialect) => {
  let w: World;
  before(async () => {
    buildWebApp();
    w = await startWorld({ dialect });
  });
  after(async () => {
    await w?.stop();
  });

  test('client routes get index.html with the security headers and no-cache; assets are cached a year; the server’s paths keep their own 404', async () => {
    for (const path of ['/', '/inbox', '/inbox/conv_123?view=mine', '/settings/users']) {
      const res = await fetch(`${w.app.url}${path}`);
      assert.equal(res.status, 200, path);
      assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
      assert.equal(res.headers.get('cache-control'), 'no-cache');
      assert.match(res.headers.get('content-security-policy') ?? '', /script-src 'self'/);
      assert.equal(res.headers.get('x-frame-options'), 'DENY');
      assert.match(await res.text(), /<div id="root">/);
    }
    const asset = readdirSync(join(WEB_APP_DIR, 'assets')).find((f) => f.endsWith('.js'))!;
    const js = await fetch(`${w.app.url}/assets/${asset}`);
    assert.equal(js.status, 200);
    assert.match(js.headers.get('content-type') ?? '', /^text\/javascript/);
    assert.equal(js.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.equal(js.headers.get('x-content-type-options'), 'nosniff');
    assert.equal((await fetch(`${w.app.url}/assets/missing-abc.js`)).status, 404);
    // A path that climbs out of dist/web (encoded, so no client normalises it away) never serves that file.
    const climb = await new Promise<string>((resolve, reject) => {
      request(`${w.app.url}/assets/..%2f..%2f..%2fpackage.json`, (r) => {
        let body = '';
        r.on('data', (c) => (body += c));
        r.on('end', () => resolve(body));
      })
        .on('error', reject)
        .end();
    });
    assert.doesNotMatch(climb, /"name": "switchboard"/);
    for (const path of ['/api/v1/nothing-here', '/api/v2/x', '/health/nope', '/webhooks/other', '/no-such-page']) {
      const res = await fetch(`${w.app.url}${path}`);
      assert.equal(res.status, 404, path);
      assert.equal((await res.json()).error.code, 'not_found');
    }
    assert.equal((await fetch(`${w.app.url}/health`)).status, 200);
    assert.equal((await fetch(`${w.app.url}/api/v1/auth/me`)).status, 401);
    const docs = await fetch(`${w.app.url}/openapi.json`);
    assert.equal(docs.status, 200);
    assert.ok(!Object.keys((await docs.json()).paths).some((p: string) => p === '/*'), 'the app route is not in the OpenAPI');
  });

  test('the first admin: created once on an empty database, with a password that signs in; never again', async () => {
    const first = await ensureFirstAdmin(w.app.deps.storage.db, w.clock);
    assert.equal(first?.email, FIRST_ADMIN_EMAIL);
    assert.ok(first.password.length >= 16);
    const stored = await w.app.deps.storage.db
      .selectFrom('users')
      .select(['role', 'password_hash'])
      .where('email', '=', FIRST_ADMIN_EMAIL)
      .executeTakeFirstOrThrow();
    assert.equal(stored.role, 'admin');
    assert.ok(!stored.password_hash.includes(first.password), 'stored hashed');
    const login = await fetch(`${w.app.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: FIRST_ADMIN_EMAIL, password: first.password }),
    });
    assert.equal(login.status, 200);
    assert.equal(await ensureFirstAdmin(w.app.deps.storage.db, w.clock), undefined);
  });
});

test('without dist/web the server answers / with a page saying to build it', async () => {
  const app = Fastify();
  await app.register(webAppRoutes, { dir: '/nonexistent/dist/web' });
  const res = await app.inject({ method: 'GET', url: '/inbox' });
  assert.equal(res.statusCode, 200);
  assert.match(res.body, /npm run build/);
  await app.close();
});
