import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { evaluateCondition, type Condition } from '../../src/flows/condition.ts';
import { interpolate, interpolateValue, lookup, parseTemplate } from '../../src/flows/expression.ts';
import { readJsonPath } from '../../src/flows/json-path.ts';
import { parseDate, validateAnswer } from '../../src/flows/validate-answer.ts';

const scope = { session: { name: 'ana', age: 31, items: ['a', 'b'] }, contact: { name: 'Ana', attributes: { city: 'Lima' } }, result: {} };

test('interpolation reads scopes and applies filters', () => {
  assert.equal(interpolate('Hi {{session.name | upper}} from {{contact.attributes.city}}', scope), 'Hi ANA from Lima');
  assert.equal(interpolate('{{ contact.attributes.zip | default: "none" }}', scope), 'none');
  assert.equal(interpolate('{{session.missing | default: "a}}b"}}!', scope), 'a}}b!');
  assert.equal(interpolate('{{contact.name | lower}}', scope), 'ana');
  assert.equal(interpolate('{{session.items.1}}', scope), 'b');
  assert.equal(interpolateValue('{{session.age}}', scope), 31, 'a lone expression keeps its type');
  assert.equal(interpolate('no templates', scope), 'no templates');
});

test('malformed templates are reported, not thrown, and never reach prototypes', () => {
  assert.equal(parseTemplate('{{ session.name').ok, false);
  assert.equal(parseTemplate('{{ session.__proto__ }}').ok, false);
  assert.equal(parseTemplate('{{ session.name | bogus }}').ok, false);
  assert.equal(lookup({ a: {} }, ['a', 'constructor']), undefined);
  assert.equal(lookup({ a: {} }, ['a', 'toString']), undefined, 'inherited properties are not visible');
  assert.equal(interpolate('{{session.constructor}}', scope), '{{session.constructor}}');
});

test('property: the parser never throws and never exposes prototype members', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 200 }), (s) => {
      parseTemplate(s);
      const out = interpolate(s, scope);
      assert.equal(typeof out, 'string');
      assert.ok(!out.includes('[native code]'), 'no function source leaks');
    }),
    { numRuns: 2000 },
  );
  const segment = fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', 'session', 'name', 'x');
  fc.assert(
    fc.property(
      fc.array(segment, { minLength: 1, maxLength: 5 }),
      fc.array(fc.constantFrom('upper', 'lower', 'default: "d"', 'json', 'trim'), { maxLength: 3 }),
      (path, filters) => {
        const t = `{{ ${path.join('.')}${filters.map((f) => ` | ${f}`).join('')} }}`;
        const out = interpolate(t, scope);
        assert.ok(!/function|native code|\[object Object\]/.test(out), `${t} -> ${out}`);
      },
    ),
    { numRuns: 2000 },
  );
  fc.assert(
    fc.property(fc.string({ maxLength: 60 }), (p) => {
      const v = readJsonPath({ a: [{ b: 1 }] }, p);
      assert.ok(typeof v !== 'function');
    }),
  );
});

test('structured conditions: comparisons, regex, all/any/not', () => {
  const c = (cond: Condition) => evaluateCondition(cond, scope);
  assert.equal(c({ var: 'session.age', op: 'gte', value: 18 }), true);
  assert.equal(c({ var: 'session.age', op: 'lt', value: '30' }), false);
  assert.equal(c({ var: 'session.name', op: 'eq', value: 'ANA' }), true);
  assert.equal(c({ var: 'contact.attributes.city', op: 'matches', value: '^li' }), true);
  assert.equal(c({ var: 'session.items', op: 'contains', value: 'b' }), true);
  assert.equal(c({ var: 'session.nothing', op: 'empty' }), true);
  assert.equal(c({ all: [{ var: 'session.age', op: 'gt', value: 1 }, { not: { var: 'session.name', op: 'empty' } }] }), true);
  assert.equal(
    c({
      any: [
        { var: 'session.age', op: 'gt', value: 100 },
        { var: 'session.name', op: 'neq', value: 'ana' },
      ],
    }),
    false,
  );
  assert.equal(c({ var: 'session.__proto__', op: 'not_empty' }), false);
});

test('answers: email, phone, number range, date formats, choice', () => {
  const ask = (over: object) => ({ type: 'ask' as const, prompt: 'q', variable: 'v', kind: 'text' as const, ...over });
  const a = (text: string, replyId: string | null = null) => ({ kind: 'text', text, replyId });
  assert.deepEqual(validateAnswer(ask({ kind: 'email' }), a(' Ana@Example.COM ')), {
    ok: true,
    value: 'ana@example.com',
    display: 'ana@example.com',
  });
  assert.equal(validateAnswer(ask({ kind: 'email' }), a('nope')).ok, false);
  assert.deepEqual(validateAnswer(ask({ kind: 'phone', default_country: 'ES' }), a('612 34 56 78')), {
    ok: true,
    value: '+34612345678',
    display: '+34612345678',
  });
  assert.equal(validateAnswer(ask({ kind: 'phone' }), a('call me')).ok, false);
  assert.equal(validateAnswer(ask({ kind: 'number', min: 1, max: 10 }), a('11')).ok, false);
  assert.deepEqual(validateAnswer(ask({ kind: 'number', min: 1, max: 10 }), a('2,5')), { ok: true, value: 2.5, display: '2.5' });
  assert.equal(parseDate('31/02/2030', 'DD/MM/YYYY'), null);
  assert.equal(parseDate('24/12/2030', 'DD/MM/YYYY'), '2030-12-24');
  assert.equal(parseDate('12/24/2030', 'MM/DD/YYYY'), '2030-12-24');
  const choice = ask({
    kind: 'choice',
    options: [
      { id: 'p', title: 'Plumbing' },
      { id: 'e', title: 'Electrical' },
    ],
  });
  assert.deepEqual(validateAnswer(choice, { kind: 'interactive_reply', text: 'Electrical', replyId: 'e' }), {
    ok: true,
    value: 'e',
    display: 'Electrical',
  });
  assert.equal((validateAnswer(choice, a('plumbing')) as { value: string }).value, 'p');
  assert.equal((validateAnswer(choice, a('2')) as { value: string }).value, 'e');
  assert.equal(validateAnswer(choice, a('gardening')).ok, false);
});
