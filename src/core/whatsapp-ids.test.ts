import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cleanUsername, isBsuid, isBsuidAddress, isParentBsuid, isWaId, pricingNumber } from './whatsapp-ids.ts';

test('wa_id: 6 to 15 digits, nothing else', () => {
  for (const ok of ['16505551234', '5215512345678', '123456']) assert.ok(isWaId(ok), ok);
  for (const bad of [
    '+16505551234',
    '1650 555 1234',
    '<WHATSAPP_USER_PHONE_NUMBER>',
    '12345',
    '1234567890123456',
    '',
    'US.123',
    16505551234,
  ])
    assert.ok(!isWaId(bad), String(bad));
});

test('BSUID: country code, ".", up to 128 letters and digits; a parent BSUID has ENT', () => {
  for (const ok of ['US.13491208655302741918', 'BR.1502576394655843', 'GB.abc123', `US.${'a'.repeat(128)}`]) assert.ok(isBsuid(ok), ok);
  for (const bad of ['us.123', 'USA.123', 'US.', 'US-123', 'US.12 3', `US.${'a'.repeat(129)}`, '16505551234', 'US.ENT.118', null])
    assert.ok(!isBsuid(bad), String(bad));
  assert.ok(isParentBsuid('US.ENT.11815799212886844830'));
  assert.ok(!isParentBsuid('US.11815799212886844830'));
  assert.ok(isBsuidAddress('US.ENT.11815799212886844830') && isBsuidAddress('US.1') && !isBsuidAddress('16505551234'));
});

test('usernames: trimmed, at most 100 characters, no control characters', () => {
  assert.equal(cleanUsername(' ana.k '), 'ana.k');
  for (const bad of ['', '   ', 'a\u0000b', 'x'.repeat(101), 7]) assert.equal(cleanUsername(bad), undefined);
});

test("pricing number: phone, else wa_id, else the BSUID country's calling code", () => {
  assert.equal(pricingNumber('+5215512345678', 'US.1'), '+5215512345678');
  assert.equal(pricingNumber(null, '5215512345678'), '5215512345678');
  assert.equal(pricingNumber(null, 'BR.1502576394655843'), '55');
  assert.equal(pricingNumber(null, 'GB.ENT.42'), '44');
  assert.equal(pricingNumber(null, 'ZZ.42'), '');
  assert.equal(pricingNumber(null, 'unidentified:abc'), '');
});
