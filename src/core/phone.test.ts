import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { normalizePhone, waIdToE164, waIdVariants } from './phone.ts';

test('normalizePhone: common inputs', () => {
  const table: Array<[string, Parameters<typeof normalizePhone>[1], string, string | undefined]> = [
    ['+1 (650) 555-1234', undefined, '+16505551234', 'US'],
    ['16505551234', undefined, '+16505551234', 'US'], // wa_id form
    ['16505551234', 'US', '+16505551234', 'US'],
    ['(650) 555-1234', 'US', '+16505551234', 'US'],
    ['(631) 555-1234', 'IN', '+916315551234', 'IN'], // Meta prepends the business's own country code
    ['0044 7911 123456', undefined, '+447911123456', 'GG'],
    ['  +49 30 123456  ', undefined, '+4930123456', 'DE'],
    ['5512345678', 'MX', '+525512345678', 'MX'],
    ['+52 1 55 1234 5678', undefined, '+525512345678', 'MX'], // legacy Mexican mobile '1'
    ['5215512345678', undefined, '+525512345678', 'MX'], // ...as a wa_id
    ['+55 11 98765-4321', undefined, '+5511987654321', 'BR'],
    ['551187654321', undefined, '+551187654321', 'BR'], // legacy 8-digit Brazilian wa_id
    ['447911123456', 'US', '+447911123456', 'GG'], // not a US number: read as a wa_id
    ['+800 1234 5678', undefined, '+80012345678', undefined], // non-geographic
  ];
  for (const [input, country, e164, expectedCountry] of table) {
    const r = normalizePhone(input, country);
    assert.ok(r.ok, `${input} -> ${JSON.stringify(r)}`);
    assert.equal(r.e164, e164, input);
    assert.equal(r.waId, e164.slice(1), input);
    assert.equal(r.country, expectedCountry, input);
  }
});

test('normalizePhone: failures carry a reason and a message', () => {
  const table: Array<[string, string]> = [
    ['', 'empty'],
    ['   ', 'empty'],
    ['+', 'empty'],
    ['()', 'empty'],
    ['+1 650 CALL NOW', 'invalid_characters'],
    ['16505551234+', 'invalid_characters'],
    ['ext 12', 'invalid_characters'],
    ['+1650555', 'too_short'],
    ['+12', 'too_short'],
    ['+165055512345678', 'too_long'],
    ['+1 1234567890123456789', 'too_long'],
    ['9'.repeat(80), 'too_long'],
    ['+999123456', 'invalid_number'],
  ];
  for (const [input, reason] of table) {
    const r = normalizePhone(input);
    assert.equal(r.ok, false, input);
    if (!r.ok) {
      assert.equal(r.reason, reason, input);
      assert.ok(r.message.length > 0);
    }
  }
});

test('waIdToE164', () => {
  assert.equal(waIdToE164('16505551234'), '+16505551234');
  assert.equal(waIdToE164('+1 650-555-1234'), '+16505551234');
});

test('waIdVariants: Mexico and Brazil forms, nothing extra elsewhere', () => {
  assert.deepEqual(waIdVariants('5215512345678'), ['5215512345678', '525512345678']);
  assert.deepEqual(waIdVariants('525512345678'), ['525512345678', '5215512345678']);
  assert.deepEqual(waIdVariants('5511987654321'), ['5511987654321', '551187654321']);
  assert.deepEqual(waIdVariants('551187654321'), ['551187654321', '5511987654321']);
  assert.deepEqual(waIdVariants('551133334444'), ['551133334444'], 'Brazilian landlines never got a 9');
  assert.deepEqual(waIdVariants('16505551234'), ['16505551234']);
  assert.deepEqual(waIdVariants('+52 1 55 1234 5678'), ['5215512345678', '525512345678']);
  assert.deepEqual(waIdVariants(''), []);
});

test('property: normalizePhone never throws, whatever the input and country', () => {
  const countries = ['US', 'MX', 'BR', 'IN', 'DE', 'GB', 'FR', 'NG'] as const;
  fc.assert(
    fc.property(
      fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.stringMatching(/^\+?[\d ()-]{0,25}$/)),
      fc.option(fc.constantFrom(...countries)),
      (s, c) => {
        const r = normalizePhone(s, c ?? undefined);
        assert.equal(typeof r.ok, 'boolean');
      },
    ),
    { numRuns: 2000 },
  );
});

// Plausible numbers: a known country code followed by random national digits.
const plausibleNumber = fc
  .tuple(fc.constantFrom('1', '44', '49', '52', '521', '55', '91', '234', '33', '61', '81'), fc.stringMatching(/^[1-9]\d{6,11}$/))
  .map(([cc, rest]) => cc + rest);

test('property: normalising an E.164 result again is idempotent', () => {
  let valid = 0;
  fc.assert(
    fc.property(plausibleNumber, fc.boolean(), (digits, withPlus) => {
      const first = normalizePhone(withPlus ? `+${digits}` : digits);
      if (!first.ok) return;
      valid++;
      const again = normalizePhone(first.e164);
      assert.ok(again.ok);
      assert.equal(again.e164, first.e164);
      assert.equal(again.waId, first.waId);
      const fromWaId = normalizePhone(first.waId);
      assert.ok(fromWaId.ok);
      assert.equal(fromWaId.e164, first.e164, 'the wa_id form normalises to the same number');
      assert.equal(waIdToE164(first.waId), first.e164);
    }),
    { numRuns: 3000 },
  );
  assert.ok(valid > 100, `too few valid samples (${valid}) to mean anything`);
});

test('property: waIdVariants is a symmetric equivalence, input first, no duplicates', () => {
  fc.assert(
    fc.property(fc.oneof(plausibleNumber, fc.stringMatching(/^\d{0,16}$/)), (id) => {
      const variants = waIdVariants(id);
      if (id.length === 0) return assert.deepEqual(variants, []);
      assert.equal(variants[0], id);
      assert.equal(new Set(variants).size, variants.length);
      for (const v of variants) assert.deepEqual(new Set(waIdVariants(v)), new Set(variants));
    }),
    { numRuns: 3000 },
  );
});
