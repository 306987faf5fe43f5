import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { signWhatsAppBody, verifyWhatsAppSignature, verifyWhatsAppSignatureAny } from './webhook-signature.ts';

const SECRET = 'app-secret-1';
// Meta escapes non-ASCII, so the bytes on the wire differ from re-serialised JSON.
const RAW = Buffer.from(
  '{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"text":"caf\\u00e9 \\ud83d\\ude2e"}}]}]}',
);
const HEX = createHmac('sha256', SECRET).update(RAW).digest('hex');

test('signWhatsAppBody produces sha256=<lowercase hex> over the exact bytes', () => {
  assert.equal(signWhatsAppBody(RAW, SECRET), `sha256=${HEX}`);
  assert.equal(signWhatsAppBody(RAW.toString('utf8'), SECRET), `sha256=${HEX}`);
  assert.match(signWhatsAppBody('x', SECRET), /^sha256=[0-9a-f]{64}$/);
});

test('accepts a correct signature, with or without prefix, any hex case, surrounding spaces', () => {
  assert.deepEqual(verifyWhatsAppSignature(RAW, `sha256=${HEX}`, SECRET), { ok: true });
  assert.deepEqual(verifyWhatsAppSignature(RAW, `sha256=${HEX.toUpperCase()}`, SECRET), { ok: true });
  assert.deepEqual(verifyWhatsAppSignature(RAW, `SHA256=${HEX}`, SECRET), { ok: true });
  assert.deepEqual(verifyWhatsAppSignature(RAW, HEX, SECRET), { ok: true });
  assert.deepEqual(verifyWhatsAppSignature(RAW, ` sha256=${HEX} `, SECRET), { ok: true });
});

test('rejects a wrong signature, a wrong secret and a changed body as mismatch', () => {
  const flipped = (HEX[0] === 'a' ? 'b' : 'a') + HEX.slice(1);
  assert.deepEqual(verifyWhatsAppSignature(RAW, `sha256=${flipped}`, SECRET), { ok: false, reason: 'mismatch' });
  assert.deepEqual(verifyWhatsAppSignature(RAW, `sha256=${HEX}`, 'other-secret'), { ok: false, reason: 'mismatch' });
  const reserialised = Buffer.from(JSON.stringify(JSON.parse(RAW.toString('utf8'))));
  assert.deepEqual(verifyWhatsAppSignature(reserialised, `sha256=${HEX}`, SECRET), { ok: false, reason: 'mismatch' });
  assert.deepEqual(verifyWhatsAppSignature(RAW, `sha256=${'0'.repeat(64)}`, SECRET), { ok: false, reason: 'mismatch' });
});

test('missing header', () => {
  assert.deepEqual(verifyWhatsAppSignature(RAW, undefined, SECRET), { ok: false, reason: 'missing' });
  assert.deepEqual(verifyWhatsAppSignature(RAW, '', SECRET), { ok: false, reason: 'missing' });
  assert.deepEqual(verifyWhatsAppSignature(RAW, '   ', SECRET), { ok: false, reason: 'missing' });
});

test('malformed header: wrong length, non-hex, other algorithm, empty after prefix', () => {
  const cases = [
    `sha256=${HEX.slice(0, 63)}`,
    `sha256=${HEX}0`,
    `sha256=${HEX.slice(0, 32)}`,
    `sha256=${'g'.repeat(64)}`,
    `sha1=${createHmac('sha1', SECRET).update(RAW).digest('hex')}`,
    `sha256=`,
    `sha256= ${HEX}`,
    `sha256=${HEX.slice(0, 62)}==`,
    'garbage',
  ];
  for (const header of cases) {
    assert.deepEqual(verifyWhatsAppSignature(RAW, header, SECRET), { ok: false, reason: 'malformed' }, header);
  }
});

test('an empty app secret never verifies anything', () => {
  const forged = createHmac('sha256', '').update(RAW).digest('hex');
  assert.deepEqual(verifyWhatsAppSignature(RAW, `sha256=${forged}`, ''), { ok: false, reason: 'mismatch' });
});

test('verifyWhatsAppSignatureAny: says which of several app secrets matched', () => {
  const secrets = ['first', SECRET, 'third'];
  assert.deepEqual(verifyWhatsAppSignatureAny(RAW, `sha256=${HEX}`, secrets), { ok: true, secretIndex: 1 });
  assert.deepEqual(verifyWhatsAppSignatureAny(RAW, signWhatsAppBody(RAW, 'third'), secrets), { ok: true, secretIndex: 2 });
  assert.deepEqual(verifyWhatsAppSignatureAny(RAW, signWhatsAppBody(RAW, 'nope'), secrets), { ok: false, reason: 'mismatch' });
  assert.deepEqual(verifyWhatsAppSignatureAny(RAW, `sha256=${HEX}`, []), { ok: false, reason: 'mismatch' });
  assert.deepEqual(verifyWhatsAppSignatureAny(RAW, undefined, secrets), { ok: false, reason: 'missing' });
  assert.deepEqual(verifyWhatsAppSignatureAny(RAW, 'sha256=xyz', secrets), { ok: false, reason: 'malformed' });
});
