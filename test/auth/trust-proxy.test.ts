import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadConfig } from '../../src/load-config.ts';
import { forEachDialect } from '../support/dialects.ts';
import { createUser, startAuthWorld, type AuthWorld } from './auth-world.ts';

describe('TRUST_PROXY setting', () => {
  const trust = (value: string | undefined) => {
    const r = loadConfig(value === undefined ? {} : { TRUST_PROXY: value }, '/nonexistent');
    return r.ok ? r.config.trustProxy : r.problems;
  };
  test('false by default; true, a hop count, or addresses and CIDRs', () => {
    assert.equal(trust(undefined), false);
    assert.equal(trust('false'), false);
    assert.equal(trust('0'), false);
    assert.equal(trust('true'), true);
    assert.equal(trust('2'), 2);
    assert.deepEqual(trust('127.0.0.1, 10.0.0.0/8,::1,fd00::/8,loopback'), ['127.0.0.1', '10.0.0.0/8', '::1', 'fd00::/8', 'loopback']);
  });
  test('anything else is one clear problem at start', () => {
    for (const bad of ['yes', '10.0.0.0/33', 'proxy.example.com', '1.2.3.4/8/9', '500']) {
      const problems = trust(bad);
      assert.ok(
        Array.isArray(problems) && problems.length === 1 && /TRUST_PROXY must be/.test(String(problems[0])),
        `${bad}: ${String(problems)}`,
      );
    }
  });
});

forEachDialect('the session cookie is Secure when the request came over HTTPS through a trusted proxy', (dialect) => {
  // One Switchboard at a time: each start wipes the PostgreSQL test database.
  const withWorld = async (trustProxy: boolean | number | string[] | undefined, fn: (w: AuthWorld) => Promise<void>) => {
    const w = await startAuthWorld(dialect, trustProxy === undefined ? {} : { trustProxy });
    try {
      await fn(w);
    } finally {
      await w.stop();
    }
  };
  const sessionCookie = async (w: AuthWorld, headers: Record<string, string>) => {
    const user = await createUser(w, `u${Math.random().toString(36).slice(2)}@example.com`);
    const res = await w.call('POST', '/api/v1/auth/login', { body: { email: user.email, password: user.password }, headers });
    assert.equal(res.status, 200);
    const cookie = res.setCookies.find((c) => c.startsWith('sb_session=')) ?? '';
    const out = await w.call('POST', '/api/v1/auth/logout', { as: { cookie: cookie.split(';')[0] ?? '' }, headers });
    return { login: cookie, logout: out.setCookies.find((c) => c.startsWith('sb_session=')) ?? '' };
  };
  const https = { 'x-forwarded-proto': 'https', 'x-forwarded-for': '203.0.113.7' };

  test('without TRUST_PROXY, X-Forwarded-Proto is ignored: no Secure', async () => {
    await withWorld(undefined, async (w) => {
      const c = await sessionCookie(w, https);
      assert.doesNotMatch(c.login, /;\s*Secure/i);
      assert.doesNotMatch(c.logout, /;\s*Secure/i);
    });
  });

  test('TRUST_PROXY=true: Secure over HTTPS (login and logout), not over plain HTTP', async () => {
    await withWorld(true, async (w) => {
      const c = await sessionCookie(w, https);
      assert.match(c.login, /;\s*Secure/i);
      assert.match(c.login, /HttpOnly/i);
      assert.match(c.logout, /;\s*Secure/i);
      assert.doesNotMatch((await sessionCookie(w, { 'x-forwarded-proto': 'http' })).login, /;\s*Secure/i);
      assert.doesNotMatch((await sessionCookie(w, {})).login, /;\s*Secure/i);
    });
  });

  test('a list of proxies: believed only when the request comes from one of them; a hop count', async () => {
    await withWorld(['127.0.0.1', '::1'], async (w) =>
      assert.match((await sessionCookie(w, https)).login, /;\s*Secure/i, 'loopback is the proxy'),
    );
    await withWorld(['10.0.0.0/8'], async (w) =>
      assert.doesNotMatch((await sessionCookie(w, https)).login, /;\s*Secure/i, 'loopback is not a listed proxy'),
    );
    await withWorld(1, async (w) => assert.match((await sessionCookie(w, https)).login, /;\s*Secure/i, 'one hop'));
  });
});
