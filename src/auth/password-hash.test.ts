import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hashPassword, needsRehash, verifyPassword } from './password-hash.ts';

test('a hash verifies its password and nothing else', async () => {
  const hash = await hashPassword('correct horse battery staple');
  assert.equal(await verifyPassword('correct horse battery staple', hash), true);
  assert.equal(await verifyPassword('correct horse battery stapl', hash), false);
  assert.equal(await verifyPassword('', hash), false);
});

test('the encoding is versioned, carries its parameters and never the password', async () => {
  const hash = await hashPassword('s3cret-password');
  assert.match(hash, /^\$scrypt\$v=1\$ln=15,r=8,p=1\$[\w-]{22}\$[\w-]{43}$/);
  assert.equal(hash.includes('s3cret'), false);
  assert.equal(needsRehash(hash), false);
});

test('a random salt makes two hashes of one password differ', async () => {
  const [a, b] = await Promise.all([hashPassword('same password'), hashPassword('same password')]);
  assert.notEqual(a, b);
  assert.equal(await verifyPassword('same password', b), true);
});

test('Unicode forms of one password are the same password', async () => {
  const hash = await hashPassword('caf\u00e9 au lait');
  assert.equal(await verifyPassword('cafe\u0301 au lait', hash), true);
});

test('older parameters still verify and ask to be rehashed', async () => {
  // Made with ln=14 (half today's cost): the format lets old hashes keep working.
  const { scryptSync } = await import('node:crypto');
  const salt = Buffer.from('0123456789abcdef');
  const key = scryptSync('old password', salt, 32, { N: 2 ** 14, r: 8, p: 1 });
  const old = `$scrypt$v=1$ln=14,r=8,p=1$${salt.toString('base64url')}$${key.toString('base64url')}`;
  assert.equal(await verifyPassword('old password', old), true);
  assert.equal(needsRehash(old), true);
});

test('malformed or dangerous stored values never verify and never throw', async () => {
  for (const bad of [
    '',
    'plain-text-password',
    '$scrypt$v=2$ln=15,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
    '$scrypt$v=1$ln=30,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
    '$scrypt$v=1$ln=15,r=8,p=1$AA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
    '$scrypt$v=1$ln=15,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$AA',
  ]) {
    assert.equal(await verifyPassword('anything', bad), false, bad);
    assert.equal(needsRehash(bad), true, bad);
  }
  const hash = await hashPassword('short');
  assert.equal(await verifyPassword('x'.repeat(2000), hash), false, 'over-long input is refused before hashing');
});
