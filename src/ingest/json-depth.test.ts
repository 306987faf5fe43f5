import assert from 'node:assert/strict';
import { test } from 'node:test';
import { jsonDeeperThan } from './json-depth.ts';
import { replaceNul } from './replace-nul.ts';

const deeper = (text: string, max: number) => jsonDeeperThan(Buffer.from(text, 'utf8'), max);

test('jsonDeeperThan counts arrays and objects, not brackets inside strings or escapes', () => {
  assert.equal(deeper('{"a":[{"b":1}]}', 3), false);
  assert.equal(deeper('{"a":[{"b":1}]}', 2), true);
  assert.equal(deeper('[[[]],[[]]]', 3), false, 'siblings do not add up');
  assert.equal(deeper('{"s":"[[[[{{{{"}', 1), false);
  assert.equal(deeper('{"s":"a\\"[[[["}', 1), false, 'an escaped quote does not end the string');
  assert.equal(deeper('{"s":"a\\\\"}[[', 1), true, 'an escaped backslash does end it');
  assert.equal(deeper('{"é€😀":["[", "]"]}', 2), false, 'multi-byte characters are never brackets');
  assert.equal(deeper('['.repeat(10_000) + ']'.repeat(10_000), 64), true);
});

test('replaceNul replaces U+0000 in every string and key with U+FFFD, keeps everything else as it is', () => {
  const raw = '{"a":"x\\u0000y","k\\u0000":["\\u0000",1,true,null,{"__proto__":"p\\u0000"}]}';
  const out = replaceNul(JSON.parse(raw), raw);
  assert.deepEqual(out, JSON.parse('{"a":"x\uFFFDy","k\uFFFD":["\uFFFD",1,true,null,{"__proto__":"p\uFFFD"}]}'));
  const proto = (out as { 'k\uFFFD': [unknown, unknown, unknown, unknown, object] })['k\uFFFD'][4];
  assert.equal(Object.getPrototypeOf(proto), Object.prototype, 'a "__proto__" key stays a key');
  assert.ok(Object.hasOwn(proto, '__proto__'));
  const plain = JSON.parse('{"a":"b"}');
  assert.equal(replaceNul(plain, '{"a":"b"}'), plain, 'without \\u0000 in the text the value is returned as it is');
});
