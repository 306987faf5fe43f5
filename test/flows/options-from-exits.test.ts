import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runScriptFile } from '../../src/cli/flow-scripts/flow-script-runner.ts';
import type { SimOutbound } from '../../src/simulator/types.ts';
import { forEachDialect } from '../support/dialects.ts';
import { startWorld, type World } from '../support/test-world.ts';
import { publish } from './flow-helpers.ts';

const text = (t: string) => (m: SimOutbound) => m.text === t;
const end = (message: string) => ({ type: 'end', status: 'succeeded', message });
const SLOTS = [
  { id: 'vip-9', label: '9:00 VIP', kind: 'priority' },
  { id: 's-11', label: '11:00', kind: 'standard' },
  { id: 's-13', label: '13:00', kind: 'standard' },
  { id: 'x-17', label: '17:00', kind: 'late' },
];

forEachDialect('a choice built from data branches per option: by id, or by a field of the item, with next as the default', (dialect) => {
  let w: World;
  before(async () => {
    w = await startWorld({ dialect });
  });
  after(async () => {
    await w?.stop();
  });

  test('publishing checks an options_from choice exits: names, targets, the exit path', async () => {
    const doc = (exits: Record<string, string>, from: Record<string, unknown> = {}) => ({
      id: 'bad-exits',
      name: 'Bad',
      start: 'a',
      blocks: {
        a: {
          type: 'ask',
          kind: 'choice',
          prompt: 'p',
          variable: 'v',
          options_from: { var: 'session.items', id: '$.id', title: '$.t', ...from },
          exits,
        },
        e: end('x'),
      },
    });
    const problems = async (d: Record<string, unknown>) => {
      const checked = await w.api('POST', '/api/v1/flows/validate', d);
      assert.equal(checked.status, 200);
      return checked.body.valid ? [] : checked.body.errors.map((e: { field: string }) => e.field).sort();
    };
    assert.deepEqual(await problems(doc({ next: 'e', 'vip-9': 'e', any_id: 'e' })), [], 'option ids from the data may name exits');
    assert.deepEqual(await problems(doc({ next: 'e', __more__: 'e' })), ['exits.__more__']);
    assert.deepEqual(await problems(doc({ next: 'e', 'vip-9': 'nowhere' })), ['exits.vip-9']);
    assert.deepEqual(await problems(doc({ 'vip-9': 'e' })), ['exits.next'], 'next, the default, is still required');
    assert.deepEqual(await problems(doc({ next: 'e' }, { exit: 'kind' })), ['options_from.exit']);
    assert.deepEqual(await problems(doc({ next: 'e', priority: 'e' }, { exit: '$.kind' })), []);
    // Static options keep their closed list of exits.
    const fixed = {
      id: 'fixed',
      name: 'F',
      start: 'a',
      blocks: {
        a: { type: 'ask', kind: 'choice', prompt: 'p', variable: 'v', options: [{ id: 'a', title: 'A' }], exits: { next: 'e', b: 'e' } },
        e: end('x'),
      },
    };
    assert.deepEqual(await problems(fixed), ['exits.b']);
    const saved = await w.api('POST', '/api/v1/flows', doc({ next: 'e', __more__: 'e' }));
    assert.equal(saved.status, 422);
    assert.equal(saved.body.error.code, 'flow_invalid');
  });

  test('by option id: the chosen id with an exit goes there, any other option takes next', async () => {
    await publish(w, {
      id: 'slots-by-id',
      name: 'Slots by id',
      start: 'load',
      triggers: [{ type: 'exact', value: 'slots' }],
      blocks: {
        load: { type: 'set', values: { 'session.slots': SLOTS }, exits: { next: 'pick' } },
        pick: {
          type: 'ask',
          kind: 'choice',
          prompt: 'When?',
          variable: 'slot',
          options_from: { var: 'session.slots', id: '$.id', title: '$.label' },
          exits: { next: 'booked', 'vip-9': 'vip' },
        },
        vip: end('VIP lounge for {{session.slot_title}}'),
        booked: end('Booked {{session.slot}}'),
      },
    });
    const ana = w.sim.customer('15559992001', 'Ana');
    await ana.sendText('slots');
    const q = await ana.waitForMessage((m) => m.type === 'interactive');
    await ana.replyList(q.wamid, 'vip-9');
    await ana.waitForMessage(text('VIP lounge for 9:00 VIP'));
    const bo = w.sim.customer('15559992002', 'Bo');
    await bo.sendText('slots');
    const q2 = await bo.waitForMessage((m) => m.type === 'interactive');
    await bo.replyList(q2.wamid, 's-13');
    await bo.waitForMessage(text('Booked s-13'));
  });

  test("by a field of the item (options_from.exit): the option's category picks the exit", async () => {
    await publish(w, {
      id: 'slots-by-kind',
      name: 'Slots by kind',
      start: 'load',
      triggers: [{ type: 'exact', value: 'kinds' }],
      blocks: {
        load: { type: 'set', values: { 'session.slots': SLOTS }, exits: { next: 'pick' } },
        pick: {
          type: 'ask',
          kind: 'choice',
          prompt: 'When?',
          variable: 'slot',
          options_from: { var: 'session.slots', id: '$.id', title: '$.label', exit: '$.kind' },
          exits: { next: 'other', priority: 'vip', standard: 'booked', 's-11': 'never' },
        },
        vip: end('priority {{session.slot}}'),
        booked: end('standard {{session.slot}}'),
        other: end('other {{session.slot}}'),
        never: end('the id does not pick the exit when exit is given'),
      },
    });
    const cases: Array<[string, string, string]> = [
      ['15559992003', 's-11', 'standard s-11'],
      ['15559992004', 'vip-9', 'priority vip-9'],
      ['15559992005', 'x-17', 'other x-17'],
    ];
    for (const [wa, row, expected] of cases) {
      const c = w.sim.customer(wa, 'C');
      await c.sendText('kinds');
      const q = await c.waitForMessage((m) => m.type === 'interactive');
      await c.replyList(q.wamid, row);
      await c.waitForMessage(text(expected));
    }
    // Typing the title works like tapping it.
    const d = w.sim.customer('15559992006', 'D');
    await d.sendText('kinds');
    await d.waitForMessage((m) => m.type === 'interactive');
    await d.sendText('9:00 VIP');
    await d.waitForMessage(text('priority vip-9'));
  });
});

describe('flow test harness: a choice built from an API answer branches per option', () => {
  const dir = mkdtempSync(join(tmpdir(), 'options-from-exits-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('scripts pass for the default and per-option exits', async () => {
    writeFileSync(
      join(dir, 'catalog.yaml'),
      [
        'id: catalog',
        'name: Catalog',
        'start: load',
        'triggers: [{ type: exact, value: catalog }]',
        'variables: { api_url: "" }',
        'blocks:',
        '  load: { type: http, method: GET, url: "{{session.api_url}}/services", response: { services: "$.items" }, exits: { success: pick, error: sorry } }',
        '  pick:',
        '    type: ask',
        '    kind: choice',
        '    prompt: ¿Qué servicio?',
        '    variable: service',
        '    options_from: { var: session.services, id: "$.id", title: "$.name", exit: "$.kind" }',
        '    exits: { next: booked, emergency: urgent, gave_up: sorry }',
        '  urgent: { type: end, status: succeeded, reason: urgent, message: "Urgente: {{session.service_title}}" }',
        '  booked: { type: end, status: succeeded, reason: booked, message: "Reservado: {{session.service_title}}" }',
        '  sorry: { type: end, status: failed, reason: no_service }',
        '',
      ].join('\n'),
    );
    const script = join(dir, 'catalog.test.yaml');
    writeFileSync(
      script,
      [
        'flow: catalog.yaml',
        'contact: { phone: "15557771001", name: Ana }',
        'variables: { api_url: "{{stub.url}}" }',
        'http:',
        '  - { method: GET, url: /services, status: 200, json: { items: [{ id: leak, name: Fuga de agua, kind: emergency }, { id: paint, name: Pintura, kind: standard }] } }',
        'scripts:',
        '  - name: an emergency goes to its own exit',
        '    steps:',
        '      - customer: catalog',
        '      - expect: { text: ¿Qué servicio?, buttons: [leak, paint] }',
        '      - customer: { button: leak }',
        '      - expect: { text: "Urgente: Fuga de agua" }',
        '    result: { status: succeeded, reason: urgent, variables: { service: leak, service_title: Fuga de agua } }',
        '  - name: an option without an exit takes next',
        '    steps:',
        '      - customer: catalog',
        '      - expect: { buttons: [leak, paint] }',
        '      - customer: { button: paint }',
        '      - expect: { text: "Reservado: Pintura" }',
        '    result: { status: succeeded, reason: booked, variables: { service: paint } }',
        '',
      ].join('\n'),
    );
    const outcomes = await runScriptFile(script);
    assert.deepEqual(
      outcomes.map((o) => [o.name, o.ok, o.failure?.message ?? null]),
      [
        ['an emergency goes to its own exit', true, null],
        ['an option without an exit takes next', true, null],
      ],
    );
  });
});
