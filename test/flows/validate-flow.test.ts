import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parseFlowSource, validateFlow } from '../../src/flows/validate-flow.ts';

const base = (blocks: Record<string, unknown>, over: object = {}) => ({ id: 'f', name: 'F', start: 'a', blocks, ...over });
const errorsOf = (doc: unknown) => {
  const r = validateFlow(doc);
  return r.ok ? [] : r.errors;
};

test('the shipped example flow is valid', () => {
  const parsed = parseFlowSource(readFileSync(new URL('../../examples/flows/service-request.yaml', import.meta.url), 'utf8'));
  assert.ok(parsed.ok);
  const r = validateFlow(parsed.doc);
  assert.ok(r.ok, JSON.stringify(r));
  assert.deepEqual(r.warnings, []);
});

test('schema errors point at the block and field', () => {
  const errs = errorsOf(
    base({
      a: {
        type: 'send',
        message: {
          buttons: {
            body: 'Pick',
            buttons: [
              { id: '1', title: 'one' },
              { id: '2', title: 'two' },
              { id: '3', title: 'three' },
              { id: '4', title: 'four' },
            ],
          },
        },
        exits: { next: 'b' },
      },
      b: {
        type: 'send',
        message: { buttons: { body: 'x', buttons: [{ id: '1', title: 'a title that is far too long' }] } },
        exits: { next: 'c' },
      },
      c: { type: 'ask', kind: 'color', prompt: 'q', variable: 'v', exits: { next: 'a' } },
      d: { type: 'send', message: { text: 'hi' }, bogus: 1, exits: { next: 'a' } },
    }),
  );
  const find = (block: string, field: string) => errs.find((e) => e.block === block && e.field === field);
  assert.ok(find('a', 'message.buttons.buttons'), JSON.stringify(errs));
  assert.ok(find('b', 'message.buttons.buttons[0].title'), JSON.stringify(errs));
  assert.match(find('c', 'kind')?.message ?? '', /one of/);
  assert.match(find('d', 'bogus')?.message ?? '', /unknown field/);
  assert.equal(find('b', 'message.buttons.buttons[0].title')?.path, '/blocks/b/message/buttons/buttons/0/title');
});

test('semantic errors: exits, start, choices, lists, templates, regexes; unreachable blocks warned', () => {
  const errs = errorsOf(
    base(
      {
        a: { type: 'send', message: { text: 'Hello {{session.name' }, exits: { next: 'nowhere' } },
        b: {
          type: 'ask',
          kind: 'choice',
          prompt: 'q',
          variable: 'v',
          style: 'buttons',
          options: [1, 2, 3, 4].map((i) => ({ id: `o${i}`, title: `Option ${i}` })),
          exits: { next: 'a' },
        },
        c: {
          type: 'send',
          message: {
            list: {
              body: 'b',
              button: 'Pick',
              sections: [
                { rows: Array.from({ length: 6 }, (_, i) => ({ id: `r${i}`, title: 'r' })) },
                { rows: Array.from({ length: 6 }, (_, i) => ({ id: `s${i}`, title: 's' })) },
              ],
            },
          },
          exits: { next: 'a' },
        },
        d: { type: 'condition', if: { var: 'session.x', op: 'matches', value: '(' }, exits: { then: 'a' } },
        e: { type: 'send', message: { text: '{{secrets.key}}' }, exits: { next: 'a', wrong: 'a' } },
      },
      { start: 'zz', triggers: [{ type: 'regex', value: '[' }] },
    ),
  );
  const has = (block: string | null, field: string, re: RegExp) =>
    assert.ok(
      errs.some((e) => e.block === block && e.field === field && re.test(e.message)),
      `${block}.${field} ${re} in ${JSON.stringify(errs, null, 1)}`,
    );
  has(null, 'start', /does not exist/);
  has('a', 'exits.next', /not a block/);
  has('a', 'message.text', /unclosed/);
  has('b', 'options', /at most 3 buttons/);
  has('c', 'message.list.sections', /at most 10 rows/);
  has('d', 'if.value', /regular expression/);
  has('d', 'exits.else', /needs exits.else/);
  has('e', 'exits.wrong', /no exit "wrong"/);
  has('e', 'message.text', /unknown scope "secrets"/);
  has(null, 'triggers[0].value', /regular expression/);

  const ok = validateFlow(base({ a: { type: 'end', status: 'succeeded' }, lonely: { type: 'end', status: 'failed' } }));
  assert.ok(ok.ok);
  assert.deepEqual(
    ok.warnings.map((w) => w.block),
    ['lonely'],
  );
});

test('YAML and JSON text both parse; garbage is a clear error', () => {
  assert.ok(parseFlowSource('id: f\nname: F\n').ok);
  assert.ok(parseFlowSource('{"id":"f"}').ok);
  const bad = parseFlowSource('{ nope');
  assert.equal(bad.ok, false);
});
