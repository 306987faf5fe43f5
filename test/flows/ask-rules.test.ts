import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { SimOutbound } from '../../src/simulator/types.ts';
import { patternProblem } from '../../src/flows/validate-answer-rules.ts';
import { forEachDialect } from '../support/dialects.ts';
import { startWorld, type World } from '../support/test-world.ts';
import { approvedTemplate, body } from '../templates/helpers.ts';
import { publish } from './flow-helpers.ts';

test('a pattern that can backtrack exponentially, or is not a regular expression, is refused', () => {
  assert.equal(patternProblem('^[A-Z]{3}-\\d{4}$'), null);
  assert.equal(patternProblem('^(\\d{3})-(\\d{2})?$'), null);
  assert.match(patternProblem('^(a+)+$') ?? '', /exponential/);
  assert.match(patternProblem('^(\\w*)*x$') ?? '', /exponential/);
  assert.match(patternProblem('^(a|aa){2,}$') ?? '', /exponential/);
  assert.match(patternProblem('^((ab)+c)*$') ?? '', /exponential/);
  assert.match(patternProblem('(a)\\1') ?? '', /back-references/);
  assert.match(patternProblem('[') ?? '', /not a valid regular expression/);
  assert.match(patternProblem('a'.repeat(201)) ?? '', /at most 200/);
});

const text = (t: string | RegExp) => (m: SimOutbound) => (typeof t === 'string' ? m.text === t : t.test(m.text ?? ''));
const rowsOf = (m: SimOutbound): string[] =>
  m.body.interactive.action.sections.flatMap((s: { rows: Array<{ id: string }> }) => s.rows.map((r) => r.id));

forEachDialect('ask validation: pattern, integer ranges, date rules; choices from data; template to an invalid number', (dialect) => {
  let w: World;
  before(async () => {
    w = await startWorld({ dialect });
    // Wednesday 15 January 2031, noon UTC: date rules are relative to this "today".
    w.clock.advance(Date.UTC(2031, 0, 15, 12) - w.clock.now());
  });
  after(async () => {
    await w?.stop();
  });
  const end = (message: string) => ({ type: 'end', status: 'succeeded', message });

  test('saving refuses a dangerous pattern and misplaced rules with a 422 naming the block and field', async () => {
    const doc = (ask: Record<string, unknown>) => ({
      id: 'bad-rules',
      name: 'Bad',
      start: 'a',
      blocks: { a: { type: 'ask', prompt: 'p', variable: 'v', exits: { next: 'e' }, ...ask }, e: end('x') },
    });
    const fields = async (ask: Record<string, unknown>) => {
      const checked = await w.api('POST', '/api/v1/flows/validate', doc(ask));
      assert.equal(checked.body.valid, false);
      const saved = await w.api('POST', '/api/v1/flows', doc(ask));
      assert.equal(saved.status, 422, JSON.stringify(saved.body));
      assert.equal(saved.body.error.code, 'flow_invalid');
      return checked.body.errors.map((e: { block: string; field: string }) => `${e.block}|${e.field}`).sort();
    };
    assert.deepEqual(await fields({ kind: 'text', pattern: '^(a+)+$' }), ['a|pattern']);
    assert.deepEqual(await fields({ kind: 'text', pattern: '[' }), ['a|pattern']);
    assert.deepEqual(await fields({ kind: 'number', future: true, options_from: { var: 'session.x', id: '$.id', title: '$.t' } }), [
      'a|future',
      'a|options_from',
    ]);
    assert.deepEqual(
      await fields({ kind: 'choice', options: [{ id: 'a', title: 'A' }], options_from: { var: 'session.x', id: '$.id', title: 'name' } }),
      ['a|options', 'a|options_from.title'],
    );
    assert.deepEqual(await fields({ kind: 'date', min_date: '2031-02-30' }), ['a|min_date']);
  });

  test('text pattern with its own reprompt; whole numbers in a range', async () => {
    await publish(w, {
      id: 'order',
      name: 'Order',
      start: 'code',
      triggers: [{ type: 'exact', value: 'order' }],
      blocks: {
        code: {
          type: 'ask',
          kind: 'text',
          prompt: 'Order code?',
          variable: 'code',
          pattern: '^[A-Z]{3}-\\d{4}$',
          pattern_reprompt: 'Codes look like ABC-1234.',
          reprompt: 'Try again.',
          exits: { next: 'qty' },
        },
        qty: {
          type: 'ask',
          kind: 'number',
          prompt: 'How many?',
          variable: 'qty',
          integer: true,
          min: 1,
          max: 10,
          reprompt: 'A whole number from 1 to 10.',
          max_retries: 5,
          exits: { next: 'done' },
        },
        done: end('{{session.code}} x {{session.qty}}'),
      },
    });
    const c = w.sim.customer('15559991001', 'Pat');
    await c.sendText('order');
    await c.waitForMessage(text('Order code?'));
    await c.sendText('my order');
    await c.waitForMessage(text('Codes look like ABC-1234.'));
    await c.sendText('ABC-1234');
    await c.waitForMessage(text('How many?'));
    for (const wrong of ['2.5', '11', '0']) {
      await c.sendText(wrong);
      await c.waitForMessage(text('A whole number from 1 to 10.'));
    }
    await c.sendText('3');
    await c.waitForMessage(text('ABC-1234 x 3'));
  });

  test('dates: in the future, within N days, on business days; stored ISO and as the customer writes it', async () => {
    await publish(w, {
      id: 'visit',
      name: 'Visit',
      start: 'day',
      triggers: [{ type: 'exact', value: 'visit' }],
      settings: { business_hours: { days: [1, 2, 3, 4, 5], timezone: 'UTC' } },
      blocks: {
        day: {
          type: 'ask',
          kind: 'date',
          format: 'DD/MM/YYYY',
          prompt: 'Which day?',
          variable: 'day',
          future: true,
          within_days: 30,
          business_days: true,
          reprompt: 'A working day in the next 30 days, please.',
          max_retries: 5,
          exits: { next: 'done' },
        },
        done: end('Booked {{session.day}} ({{session.day_text}})'),
      },
    });
    const c = w.sim.customer('15559991002', 'Quin');
    await c.sendText('visit');
    await c.waitForMessage(text('Which day?'));
    // today, the past, 31 days ahead, a Saturday: each refused.
    for (const wrong of ['15/01/2031', '10/01/2031', '15/02/2031', '18/01/2031']) {
      await c.sendText(wrong);
      await c.waitForMessage(text('A working day in the next 30 days, please.'));
    }
    await c.sendText('16/01/2031');
    await c.waitForMessage(text('Booked 2031-01-16 (16/01/2031)'));
  });

  test('date min_date / max_date bound the answer', async () => {
    await publish(w, {
      id: 'window',
      name: 'Window',
      start: 'day',
      triggers: [{ type: 'exact', value: 'window' }],
      blocks: {
        day: {
          type: 'ask',
          kind: 'date',
          prompt: 'Day?',
          variable: 'day',
          min_date: 'today',
          max_date: '2031-03-01',
          reprompt: 'Between today and 1 March.',
          max_retries: 3,
          exits: { next: 'done' },
        },
        done: end('ok {{session.day}}'),
      },
    });
    const c = w.sim.customer('15559991003', 'Rae');
    await c.sendText('window');
    await c.waitForMessage(text('Day?'));
    await c.sendText('2031-01-14');
    await c.waitForMessage(text('Between today and 1 March.'));
    await c.sendText('2031-03-02');
    await c.waitForMessage(text('Between today and 1 March.'));
    await c.sendText('2031-01-15');
    await c.waitForMessage(text('ok 2031-01-15'));
  });

  test('a choice built from a list in a variable: a list, paged with "More…", stores the id and the title', async () => {
    const items = Array.from({ length: 12 }, (_, i) => ({
      sku: `p${i + 1}`,
      name: `Product number ${i + 1} with a very long name`,
      price: `$${i + 1}`,
    }));
    await publish(w, {
      id: 'shop',
      name: 'Shop',
      start: 'load',
      triggers: [{ type: 'exact', value: 'shop' }],
      blocks: {
        load: { type: 'set', values: { 'session.api': { items } }, exits: { next: 'pick' } },
        pick: {
          type: 'ask',
          kind: 'choice',
          prompt: 'Which product?',
          variable: 'product',
          button: 'Products',
          options_from: { var: 'session.api.items', id: '$.sku', title: '$.name', description: '$.price' },
          exits: { next: 'done' },
        },
        done: end('You chose {{session.product}}: {{session.product_title}}'),
      },
    });
    const c = w.sim.customer('15559991004', 'Sam');
    await c.sendText('shop');
    const first = await c.waitForMessage((m) => m.type === 'interactive');
    assert.equal(first.body.interactive.type, 'list');
    assert.deepEqual(rowsOf(first), ['p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7', 'p8', 'p9', '__more__']);
    const row0 = first.body.interactive.action.sections[0].rows[0];
    assert.deepEqual([row0.title, row0.description], ['Product number 1 with a…', '$1']);
    assert.equal(first.body.interactive.action.sections[0].rows[9].title, 'More…');
    await c.replyList(first.wamid, '__more__');
    const second = await c.waitForMessage((m) => m.type === 'interactive');
    assert.deepEqual(rowsOf(second), ['p10', 'p11', 'p12', '__more__']);
    await c.replyList(second.wamid, 'p11');
    await c.waitForMessage(text('You chose p11: Product number 11 with a very long name'));
    const answers = await w.api('GET', '/api/v1/flows/shop/results');
    assert.equal(answers.status, 200);
    const r = answers.body.data[0];
    assert.deepEqual(
      [r.variables.product, r.variables.product_title, r.variables._choice_page],
      ['p11', 'Product number 11 with a very long name', undefined],
    );
    // The answers log keeps the title the customer picked; "More…" is no answer.
    assert.deepEqual(
      r.answers.map((a: { block: string; answer: string; valid: boolean }) => [a.block, a.answer, a.valid]),
      [['pick', 'Product number 11 with a very long name', true]],
    );
  });

  test('a choice from a short list shows buttons; an empty list takes gave_up', async () => {
    await publish(w, {
      id: 'slots',
      name: 'Slots',
      start: 'load',
      triggers: [{ type: 'exact', value: 'slots' }],
      variables: { none: [] },
      blocks: {
        load: {
          type: 'set',
          values: {
            'session.slots': [
              { id: 9, label: '9:00' },
              { id: 11, label: '11:00' },
            ],
          },
          exits: { next: 'pick' },
        },
        pick: {
          type: 'ask',
          kind: 'choice',
          prompt: 'When?',
          variable: 'slot',
          options_from: { var: 'session.slots', id: '$.id', title: '$.label' },
          exits: { next: 'empty' },
        },
        empty: {
          type: 'ask',
          kind: 'choice',
          prompt: 'Never shown',
          variable: 'x',
          options_from: { var: 'session.none', id: '$.id', title: '$.label' },
          exits: { next: 'done', gave_up: 'sorry' },
        },
        done: end('unexpected'),
        sorry: end('Slot {{session.slot}} ({{session.slot_title}}); nothing else to pick'),
      },
    });
    const c = w.sim.customer('15559991005', 'Tom');
    await c.sendText('slots');
    const q = await c.waitForMessage((m) => m.type === 'interactive');
    assert.equal(q.body.interactive.type, 'button');
    assert.deepEqual(
      q.body.interactive.action.buttons.map((b: { reply: { id: string; title: string } }) => [b.reply.id, b.reply.title]),
      [
        ['9', '9:00'],
        ['11', '11:00'],
      ],
    );
    await c.sendText('11:00');
    await c.waitForMessage(text('Slot 11 (11:00); nothing else to pick'));
  });

  test('a template block sending to a number libphonenumber rejects takes error with invalid_phone, and logs why', async () => {
    await approvedTemplate(w, {
      name: 'vendor_notice',
      language: 'en_US',
      category: 'UTILITY',
      components: [body('New job for {{1}}.', ['Ana'])],
    });
    await publish(w, {
      id: 'notify',
      name: 'Notify',
      start: 'tpl',
      triggers: [{ type: 'exact', value: 'notify' }],
      blocks: {
        tpl: {
          type: 'template',
          to: '+15555550123',
          name: 'vendor_notice',
          language: 'en_US',
          parameters: { body: ['{{contact.name}}'] },
          exits: { next: 'ok', error: 'err' },
        },
        ok: end('sent'),
        err: { type: 'end', status: 'failed', reason: 'template', message: 'not sent: {{session.template_error}}' },
      },
    });
    const logger = w.app.deps.logger;
    const warned: string[] = [];
    const original = logger.warn.bind(logger);
    logger.warn = ((obj: unknown, msg?: string) => {
      warned.push(`${JSON.stringify(obj)} ${msg ?? ''}`);
      return original(obj as object, msg);
    }) as typeof logger.warn;
    try {
      const c = w.sim.customer('15559991006', 'Uma');
      await c.sendText('notify');
      await c.waitForMessage(text(/^not sent: invalid_phone: /));
      const line = warned.find((l) => l.includes('flow template not sent'));
      assert.ok(line, warned.join('\n'));
      assert.match(line, /"code":"invalid_phone".*"reason":"invalid_number"/);
      assert.match(line, /\+15555550123/);
    } finally {
      logger.warn = original;
    }
  });
});
