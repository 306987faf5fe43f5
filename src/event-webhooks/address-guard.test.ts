import assert from 'node:assert/strict';
import { test } from 'node:test';
import { guardedLookup, isPrivateAddress, privateHostOf } from './address-guard.ts';

test('private, loopback, link-local and reserved addresses are refused; public ones pass', () => {
  for (const a of [
    '127.0.0.1',
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '224.0.0.1',
    '::1',
    '::',
    'fc00::1',
    'fd12:3456::1',
    'fe80::1',
    '::ffff:127.0.0.1',
    '::ffff:a00:1',
    '64:ff9b::a00:1',
  ]) {
    assert.equal(isPrivateAddress(a), true, a);
  }
  for (const a of ['8.8.8.8', '172.32.0.1', '1.1.1.1', '2606:4700:4700::1111', '::ffff:8.8.8.8', 'example.com']) {
    assert.equal(isPrivateAddress(a), false, a);
  }
});

test('URLs naming a private host are caught before any DNS', () => {
  assert.equal(privateHostOf(new URL('http://127.0.0.1:8080/x')), '127.0.0.1');
  assert.equal(privateHostOf(new URL('http://[::1]/x')), '::1');
  assert.equal(privateHostOf(new URL('http://localhost/x')), 'localhost');
  assert.equal(privateHostOf(new URL('http://api.localhost/x')), 'api.localhost');
  assert.equal(privateHostOf(new URL('http://2130706433/x')), '127.0.0.1', 'numeric IPv4 forms are normalised by URL');
  assert.equal(privateHostOf(new URL('https://example.com/x')), null);
});

test('a host name that resolves to a private address is refused at connect time', async () => {
  const err = await new Promise<NodeJS.ErrnoException | null>((resolve) => guardedLookup('localhost', {}, (e) => resolve(e)));
  assert.equal(err?.code, 'EPRIVATEADDRESS');
  assert.match(err?.message ?? '', /EVENT_WEBHOOKS_ALLOW_PRIVATE/);
});
