import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { addressKey, LOGIN_LIMITS, lockMsAfter } from '../../src/auth/login-throttle.ts';
import { forEachDialect } from '../support/dialects.ts';
import { createUser, startAuthWorld, type AuthWorld } from './auth-world.ts';

test('lock lengths: free failures, then doubling from 1 s up to the cap', () => {
  const lim = LOGIN_LIMITS.account_address;
  assert.deepEqual(
    [1, 4, 5, 6, 7, 8, 14, 15, 100, 5000].map((n) => lockMsAfter(lim, n)),
    [0, 0, 1000, 2000, 4000, 8000, 512_000, 900_000, 900_000, 900_000],
  );
  assert.equal(lockMsAfter(LOGIN_LIMITS.account, 9), 0);
  assert.equal(lockMsAfter(LOGIN_LIMITS.account, 10), 1000);
  assert.equal(lockMsAfter(LOGIN_LIMITS.account, 1000), 60_000, 'all addresses together lock an account for one minute at most');
  assert.equal(lockMsAfter(LOGIN_LIMITS.address, 29), 0);
});

test('address keys: IPv4 as is, IPv4-mapped as IPv4, IPv6 by its /64', () => {
  assert.equal(addressKey('203.0.113.9'), '203.0.113.9');
  assert.equal(addressKey('::ffff:203.0.113.9'), '203.0.113.9');
  assert.equal(addressKey('2001:db8:1:2:aaaa::1'), '2001:db8:1:2::/64');
  assert.equal(addressKey('2001:0db8:0001:0002:bbbb:cccc:dddd:eeee'), '2001:db8:1:2::/64');
  assert.equal(addressKey('2001:db8::1'), '2001:db8:0:0::/64');
});

forEachDialect('sign-in is throttled with growing delays', (dialect) => {
  let w: AuthWorld;
  before(async () => {
    // TRUST_PROXY lets the test speak from several addresses through X-Forwarded-For.
    w = await startAuthWorld(dialect, { trustProxy: true });
    // Locks last seconds: on a slow machine real time could end one between two requests that the
    // test means to be at one instant, so time moves here only when the test moves it.
    w.clock.stop();
  });
  after(async () => {
    await w?.stop();
  });
  const from = (ip: string) => ({ 'x-forwarded-for': ip });
  const login = (email: string, password: string, ip = '198.51.100.1') =>
    w.call('POST', '/api/v1/auth/login', { body: { email, password }, headers: from(ip) });
  const refusals = () => w.logs.filter((l) => l.event === 'login_throttled').length;

  test('wrong passwords get 429 with a growing Retry-After; the right one waits for the lock, then works', async () => {
    const ana = await createUser(w, 'ana@example.com');
    for (let i = 1; i <= 5; i++) assert.equal((await login(ana.email, `wrong ${i}`)).status, 401, `failure ${i}`);
    const seen: number[] = [];
    const before = refusals();
    for (const wait of [1, 2, 4]) {
      const locked = await login(ana.email, 'wrong again');
      assert.equal(locked.status, 429);
      assert.equal(locked.body.error.code, 'too_many_attempts');
      assert.equal(locked.body.error.details.retry_after_s, wait);
      assert.equal(locked.headers.get('retry-after'), String(wait));
      seen.push(locked.body.error.details.retry_after_s);
      const right = await login(ana.email, ana.password);
      assert.equal(right.status, 429, 'the right password is refused, unchecked, while locked');
      assert.equal(right.setCookies.length, 0);
      w.clock.advance(wait * 1000);
      if (wait < 4) assert.equal((await login(ana.email, 'one more wrong')).status, 401, 'one guess after each wait');
    }
    assert.deepEqual(seen, [1, 2, 4]);
    assert.equal(refusals() - before, 6, 'one log line per refusal');
    const ok = await login(ana.email, ana.password);
    assert.equal(ok.status, 200, 'after the wait the right password works');
    assert.ok(ok.setCookies.some((c) => c.startsWith('sb_session=')));
    // The success reset the account: five free failures again, then 1 s.
    for (let i = 1; i <= 5; i++) assert.equal((await login(ana.email, `wrong ${i}`)).status, 401);
    assert.equal((await login(ana.email, 'x')).body.error.details.retry_after_s, 1);
  });

  test('a burst of parallel guesses is counted guess by guess: five are checked, the rest refused', async () => {
    const eve = await createUser(w, 'eve@example.com');
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => login(eve.email, `parallel ${i}`, '198.51.100.20')));
    const statuses = results.map((r) => r.status).sort();
    assert.equal(statuses.filter((s) => s === 401).length, 5, statuses.join(','));
    assert.equal(statuses.filter((s) => s === 429).length, 15);
  });

  test('retrying early does not make the wait longer', async () => {
    const bo = await createUser(w, 'bo@example.com');
    for (let i = 1; i <= 5; i++) await login(bo.email, `wrong ${i}`);
    for (let i = 0; i < 5; i++) assert.equal((await login(bo.email, bo.password)).status, 429);
    w.clock.advance(1000);
    assert.equal((await login(bo.email, bo.password)).status, 200);
  });

  test("a guesser's address locks itself, not the real user elsewhere; all addresses together lock for a minute at most", async () => {
    const cy = await createUser(w, 'cy@example.com');
    for (let i = 1; i <= 5; i++) await login(cy.email, `wrong ${i}`, '203.0.113.5');
    assert.equal((await login(cy.email, cy.password, '203.0.113.5')).status, 429);
    assert.equal((await login(cy.email, cy.password, '192.0.2.44')).status, 200, 'the real user, elsewhere, signs in');

    // A guesser spread over many addresses: after 10 failures the account waits for everyone,
    // doubling, but never longer than a minute.
    let address = 10;
    const guess = () => login(cy.email, 'guess', `203.0.113.${address++}`);
    for (let i = 1; i <= 9; i++) assert.equal((await guess()).status, 401);
    let lastWait = 0;
    for (let i = 0; i < 9; i++) {
      assert.equal((await guess()).status, 401);
      const locked = await login(cy.email, cy.password, '192.0.2.44');
      assert.equal(locked.status, 429);
      lastWait = locked.body.error.details.retry_after_s;
      assert.ok(lastWait <= 60, `waits ${lastWait} s`);
      w.clock.advance(lastWait * 1000);
    }
    assert.equal(lastWait, 60);
    assert.equal((await login(cy.email, cy.password, '192.0.2.44')).status, 200, 'in after at most a minute');
  });

  test('one address trying many accounts is slowed down after 30 failures', async () => {
    const ip = '198.51.100.77';
    for (let i = 0; i < 30; i++) assert.equal((await login(`nobody${i}@example.com`, 'guess', ip)).status, 401, `failure ${i + 1}`);
    const locked = await login('someone-else@example.com', 'guess', ip);
    assert.equal(locked.status, 429);
    assert.equal(locked.body.error.details.retry_after_s, 1);
    assert.equal((await login('someone-else@example.com', 'guess', '198.51.100.78')).status, 401, 'other addresses are not affected');
    const row = await w.app.deps.storage.db.selectFrom('login_throttle').selectAll().execute();
    assert.equal(JSON.stringify(row).includes('example.com'), false, 'no email is stored');
    assert.equal(JSON.stringify(row).includes('198.51.100'), false, 'no address is stored');
  });

  test('failures are forgotten after a quiet day', async () => {
    const dee = await createUser(w, 'dee@example.com');
    for (let i = 1; i <= 4; i++) await login(dee.email, `wrong ${i}`);
    w.clock.advance(24 * 3600_000 + 1);
    for (let i = 1; i <= 4; i++) assert.equal((await login(dee.email, `wrong ${i}`)).status, 401);
    assert.equal((await login(dee.email, dee.password)).status, 200, 'four old and four new failures are not eight');
  });
});
