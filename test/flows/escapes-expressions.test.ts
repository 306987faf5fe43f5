import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { loadConfig } from '../../src/load-config.ts';
import { foldKeyword, matchEscape } from '../../src/flows/escape-words.ts';
import { interpolate, parseTemplate } from '../../src/flows/expression.ts';
import { validateFlow } from '../../src/flows/validate-flow.ts';
import { forEachDialect } from '../support/dialects.ts';
import { startWorld, type World } from '../support/test-world.ts';
import { waitFor } from '../support/wait-for.ts';
import { publish } from './flow-helpers.ts';

const at = '2026-12-04T05:30:00.000Z'; // still Dec 3 in Mexico City (UTC-6)

test('date filters: arithmetic and formatting in a time zone with Intl', () => {
  const scope = { now: at, session: { day: '2026-01-30', ms: Date.parse(at) } };
  assert.equal(interpolate('{{now | format_date: "dd/MM/yyyy", "America/Mexico_City"}}', scope), '03/12/2026');
  assert.equal(interpolate('{{now | add_days: 3 | format_date: "dd/MM/yyyy", "America/Mexico_City"}}', scope), '06/12/2026');
  assert.equal(interpolate('{{now | format_date: "dd/MM/yyyy HH:mm"}}', scope), '04/12/2026 05:30', 'UTC without a zone');
  assert.equal(interpolate('{{now | add_hours: -6 | add_minutes: 15}}', scope), '2026-12-03T23:45:00.000Z');
  assert.equal(interpolate('{{session.day | add_days: 3}}', scope), '2026-02-02', 'a calendar date stays a calendar date');
  assert.equal(
    interpolate(`{{session.day | format_date: "EEEE d 'de' MMMM", "Asia/Tokyo", "es"}}`, scope),
    'viernes 30 de enero',
    'a calendar date is that day in any zone',
  );
  assert.equal(interpolate('{{session.ms | format_date: "h:mm a", "America/New_York"}}', scope), '12:30 AM');
  assert.equal(interpolate('[{{session.nothing | add_days: 1 | format_date: "dd/MM"}}]', scope), '[]', 'not a date: empty, not an error');
});

test('string and number helpers', () => {
  const scope = { session: { name: '  maría josé  ', n: 1234567.891, code: 'a-b-c', long: 'Plomería y electricidad' } };
  assert.equal(interpolate('{{session.name | trim | capitalize}}', scope), 'María josé');
  assert.equal(interpolate('{{session.name | trim | upper}}/{{session.name | trim | lower}}', scope), 'MARÍA JOSÉ/maría josé');
  assert.equal(interpolate('{{session.long | truncate: 10}}', scope), 'Plomería …');
  assert.equal(interpolate('{{session.long | truncate: 10, "..."}}', scope), 'Plomerí...');
  assert.equal(interpolate('{{session.code | replace: "-", " / "}}', scope), 'a / b / c');
  assert.equal(interpolate('{{session.n | round}} {{session.n | round: 2}}', scope), '1234568 1234567.89');
  assert.equal(interpolate('{{session.n | format_number: "es-ES", 2}}', scope), '1.234.567,89');
  assert.equal(interpolate('{{session.n | format_number: "en-US"}}', scope), '1,234,567.891');
  assert.equal(interpolate('{{session.x | default: "a, b" | upper}}', scope), 'A, B');
});

test('bad filter arguments are parse errors, found when the flow is validated', () => {
  const bad = [
    '{{now | format_date: "dd", "Mars/Base"}}',
    '{{now | add_days: "3"}}',
    '{{session.a | truncate: 0}}',
    '{{session.a | round: 11}}',
    '{{session.a | format_number: "xx-invalid-locale-1"}}',
    '{{session.a | replace: "x"}}',
    '{{session.a | upper: 1}}',
    '{{session.a | nope}}',
  ];
  for (const t of bad) assert.equal(parseTemplate(t).ok, false, t);
  const r = validateFlow({
    id: 'f',
    name: 'f',
    start: 'a',
    blocks: { a: { type: 'end', status: 'succeeded', message: 'Hoy {{now | format_date: "dd/MM", "Mars/Base"}}' } },
  });
  assert.equal(r.ok, false);
  assert.deepEqual(!r.ok && r.errors.map((e) => [e.block, e.field]), [['a', 'message']]);
  assert.match(!r.ok ? (r.errors[0]?.message ?? '') : '', /"Mars\/Base" is not an IANA time zone/);
});

test('variables: never set is an error naming the block; set on some paths a warning', () => {
  const end = { type: 'end', status: 'succeeded' };
  const never = validateFlow({
    id: 'f',
    name: 'f',
    start: 'a',
    blocks: { a: { type: 'send', message: { text: 'Hi {{session.nme}}' }, exits: { next: 'e' } }, e: end },
  });
  assert.equal(never.ok, false);
  assert.deepEqual(!never.ok && never.errors.map((e) => `${e.block}|${e.field}|${e.message}`), [
    'a|message.text|block "a" reads {{session.nme}}, which no path to it sets (declare it in variables, or set it before)',
  ]);
  const some = {
    id: 'f',
    name: 'f',
    start: 'q',
    blocks: {
      q: {
        type: 'ask',
        kind: 'choice',
        prompt: 'Email?',
        variable: 'want',
        options: [
          { id: 'yes', title: 'Yes' },
          { id: 'no', title: 'No' },
        ],
        exits: { next: 'bye', yes: 'mail' },
      },
      mail: { type: 'ask', kind: 'email', prompt: 'Your email?', variable: 'email', exits: { next: 'bye' } },
      bye: {
        type: 'end',
        status: 'succeeded',
        message: 'Bye {{session.want}} {{session.email}} {{session.email | default: "-"}} {{session.id}}',
      },
    },
  };
  const r = validateFlow(some);
  assert.equal(r.ok, true);
  assert.deepEqual(
    r.warnings.map((e) => `${e.block}|${e.field}|${e.message}`),
    ['bye|message|{{session.email}} is set on only some paths to block "bye" (add a default filter, or set it on every path)'],
  );
  const cond = validateFlow({
    id: 'f',
    name: 'f',
    start: 'c',
    blocks: { c: { type: 'condition', if: { var: 'session.vip', op: 'eq', value: true }, exits: { then: 'e', else: 'e' } }, e: end },
  });
  assert.deepEqual(!cond.ok && cond.errors.map((e) => `${e.block}|${e.field}`), ['c|if.var']);
  const declared = validateFlow({
    id: 'f',
    name: 'f',
    start: 'c',
    variables: { vip: false },
    blocks: { c: { type: 'condition', if: { var: 'session.vip', op: 'eq', value: true }, exits: { then: 'e', else: 'e' } }, e: end },
  });
  assert.equal(declared.ok, true, 'declared in variables: set on every path');
  const setBlock = validateFlow({
    id: 'f',
    name: 'f',
    start: 's',
    blocks: { s: { type: 'set', values: { 'session.a': 1, 'session.b': '{{session.a}}' }, exits: { next: 'e' } }, e: end },
  });
  assert.deepEqual(setBlock.ok && setBlock.warnings, [], 'a set block sees its earlier keys');
  const reserved = validateFlow({
    id: 'f',
    name: 'f',
    start: 'q',
    blocks: { q: { type: 'ask', kind: 'text', prompt: 'Id?', variable: 'id', exits: { next: 'e' } }, e: end },
  });
  assert.match(!reserved.ok ? (reserved.errors[0]?.message ?? '') : '', /writes session\.id, the session's own id/);
  const nowField = validateFlow({
    id: 'f',
    name: 'f',
    start: 'e',
    blocks: { e: { type: 'end', status: 'succeeded', message: '{{now.year}}' } },
  });
  assert.match(!nowField.ok ? (nowField.errors[0]?.message ?? '') : '', /\{\{now\}\} is a time and has no fields/);
});

test('escape words fold case, accents, spaces and punctuation; whole message only', () => {
  assert.equal(foldKeyword('  ¡MENÚ! '), 'menu');
  const rules = [{ keywords: ['agente', 'asesor'], action: 'handoff' as const }];
  assert.equal(matchEscape('Agénte', rules)?.action, 'handoff');
  assert.equal(matchEscape('quiero un agente', rules), null, 'not a word inside a sentence');
  assert.equal(matchEscape(null, rules), null);
  const first = matchEscape('asesor', [{ keywords: ['ASESOR'], action: 'restart' }], rules);
  assert.equal(first?.action, 'restart', 'the flow rules come before the number rules');
});

test('config file: numbers[].escapeKeywords is read and checked', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sb-escape-config-'));
  try {
    const number = { phoneNumberId: '123', accessToken: 't', appSecret: 's', verifyToken: 'v' };
    const file = join(dir, 'c.json');
    writeFileSync(
      file,
      JSON.stringify({
        numbers: [
          {
            ...number,
            escapeKeywords: [
              { keywords: ['agente'], action: 'handoff', team: 'support' },
              { keywords: ['ventas'], action: { jump: 'sales' } },
            ],
          },
        ],
      }),
    );
    const cfg = loadConfig({ SWITCHBOARD_CONFIG: file, DATA_DIR: dir }, dir);
    assert.ok(cfg.ok, JSON.stringify(!cfg.ok && cfg.problems));
    assert.deepEqual(cfg.config.numbers[0]?.escapeKeywords, [
      { keywords: ['agente'], action: 'handoff', team: 'support' },
      { keywords: ['ventas'], action: { jump: 'sales' } },
    ]);
    writeFileSync(file, JSON.stringify({ numbers: [{ ...number, escapeKeywords: [{ keywords: ['x'], action: 'explode' }] }] }));
    const bad = loadConfig({ SWITCHBOARD_CONFIG: file, DATA_DIR: dir }, dir);
    assert.deepEqual(!bad.ok && bad.problems, [
      'config file: numbers[0].escapeKeywords[0].action must be handoff, restart, end or {jump: <flow id>}',
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

forEachDialect('flows: escape words during a live session, {{session.id}} and {{now}}', (dialect) => {
  let w: World;
  before(async () => {
    // The number's own escape words (config file numbers[].escapeKeywords).
    w = await startWorld({
      dialect,
      number: { escapeKeywords: [{ keywords: ['humano', 'asesor'], action: 'handoff', message: 'Te paso con una persona.' }] },
    });
    await publish(w, {
      id: 'sales-flow',
      name: 'Sales',
      start: 'q',
      blocks: {
        q: { type: 'ask', kind: 'text', prompt: '¿Qué quieres comprar?', variable: 'item', exits: { next: 'e' } },
        e: { type: 'end', status: 'succeeded', message: 'Anotado: {{session.item}}' },
      },
    });
    await publish(w, {
      id: 'support',
      name: 'Support',
      start: 'name',
      triggers: [{ type: 'exact', value: 'soporte' }],
      variables: { tries: 0 },
      escapes: [
        { keywords: ['agente'], action: 'handoff', message: 'Un agente te atenderá.' },
        { keywords: ['menú', 'asesor'], action: 'restart' }, // the flow's "asesor" wins over the number's
        { keywords: ['cancelar'], action: 'end', message: 'Cancelado.' },
        { keywords: ['ventas'], action: { jump: 'sales-flow' } },
      ],
      blocks: {
        name: { type: 'ask', kind: 'text', prompt: '¿Tu nombre?', variable: 'name', exits: { next: 'city' } },
        city: { type: 'ask', kind: 'text', prompt: '¿Tu ciudad, {{session.name}}?', variable: 'city', exits: { next: 'done' } },
        done: {
          type: 'end',
          status: 'succeeded',
          message: 'Ref {{session.id}} el {{now | add_days: 3 | format_date: "dd/MM/yyyy", "America/Mexico_City"}}',
          result: { city: '{{session.city}}', name: '{{session.name}}' },
        },
      },
    });
  });
  after(async () => {
    await w?.stop();
  });
  const text = (t: string | RegExp) => (m: { text?: string }) => (typeof t === 'string' ? m.text === t : t.test(m.text ?? ''));
  const sessionOf = async (flow: string, contactPhone: string) => {
    const contact = await w.app.deps.storage.db
      .selectFrom('contacts')
      .select('id')
      .where('external_id', '=', contactPhone)
      .executeTakeFirstOrThrow();
    const list = (await w.api('GET', `/api/v1/flows/${flow}/sessions`)).body.data as Array<{
      id: string;
      contact_id: string;
      status: string;
      reason: string | null;
      started_at: string;
    }>;
    return list.find((s) => s.contact_id === contact.id);
  };

  test('"¡AGENTE!" while a question waits hands off: the session ends succeeded, reason handed_off', async () => {
    const c = w.sim.customer('15550007001', 'Ana');
    await c.sendText('soporte');
    await c.waitForMessage(text('¿Tu nombre?'));
    await c.sendText('  ¡AGÉNTE! ');
    await c.waitForMessage(text('Un agente te atenderá.'));
    await w.settle();
    const s = await sessionOf('support', '15550007001');
    assert.deepEqual([s?.status, s?.reason], ['succeeded', 'handed_off']);
  });

  test('"Menu" restarts from the first question; "cancelar" ends it', async () => {
    const c = w.sim.customer('15550007002', 'Beto');
    await c.sendText('soporte');
    await c.waitForMessage(text('¿Tu nombre?'));
    await c.sendText('Beto');
    await c.waitForMessage(text('¿Tu ciudad, Beto?'));
    await c.sendText('Menu');
    await waitFor(() => c.received().filter(text('¿Tu nombre?')).length === 2, 5000, 'the first question again');
    await c.sendText('ASESOR'); // the flow says restart, the number says hand-off: the flow wins
    await waitFor(() => c.received().filter(text('¿Tu nombre?')).length === 3, 5000, 'the first question a third time');
    await c.sendText('CANCELAR.');
    await c.waitForMessage(text('Cancelado.'));
    await w.settle();
    const s = await sessionOf('support', '15550007002');
    assert.deepEqual([s?.status, s?.reason], ['failed', 'cancelled']);
  });

  test('"ventas" jumps to another flow; the number\'s "humano" hands off from any flow', async () => {
    const c = w.sim.customer('15550007003', 'Ceci');
    await c.sendText('soporte');
    await c.waitForMessage(text('¿Tu nombre?'));
    await c.sendText('Ventas');
    await c.waitForMessage(text('¿Qué quieres comprar?'));
    await c.sendText('Humano');
    await c.waitForMessage(text('Te paso con una persona.'));
    await w.settle();
    const s = await sessionOf('sales-flow', '15550007003');
    assert.deepEqual([s?.status, s?.reason], ['succeeded', 'handed_off']);
  });

  test("{{session.id}} is the session's id and {{now}} the flow clock, formatted in a time zone", async () => {
    const c = w.sim.customer('15550007004', 'Dani');
    await c.sendText('soporte');
    await c.waitForMessage(text('¿Tu nombre?'));
    await c.sendText('Dani');
    await c.waitForMessage(text('¿Tu ciudad, Dani?'));
    await c.sendText('Puebla');
    const done = await c.waitForMessage(text(/^Ref /));
    await w.settle();
    const s = await sessionOf('support', '15550007004');
    assert.ok(s?.id.startsWith('fls'));
    const day = new Intl.DateTimeFormat('en-GB', {
      timeZone: 'America/Mexico_City',
      day: '2-digit',
      month: '2-digit',
      year: 'numeric',
    }).format(w.clock.now() + 3 * 86_400_000);
    assert.equal(done.text, `Ref ${s?.id} el ${day}`);
  });

  test('the API refuses a flow reading a variable no path sets (422 naming the block), and warns about one set on some paths', async () => {
    const bad = await w.api('POST', '/api/v1/flows', {
      id: 'typo',
      name: 'Typo',
      start: 'a',
      blocks: { a: { type: 'end', status: 'succeeded', message: 'Hola {{session.nmae}}' } },
    });
    assert.equal(bad.status, 422);
    assert.equal(bad.body.error.code, 'flow_invalid');
    assert.deepEqual(
      bad.body.error.details.errors.map((e: { block: string; field: string }) => [e.block, e.field]),
      [['a', 'message']],
    );
    const partly = await w.api('POST', '/api/v1/flows', {
      id: 'partly',
      name: 'Partly',
      start: 'c',
      blocks: {
        c: { type: 'condition', if: { var: 'contact.name', op: 'empty' }, exits: { then: 's', else: 'e' } },
        s: { type: 'set', values: { 'session.greeting': 'Hola' }, exits: { next: 'e' } },
        e: { type: 'end', status: 'succeeded', message: '{{session.greeting}}!' },
      },
    });
    assert.equal(partly.status, 201, JSON.stringify(partly.body));
    assert.deepEqual(
      partly.body.warnings.map((e: { block: string; field: string }) => [e.block, e.field]),
      [['e', 'message']],
    );
  });
});

test("a flow's escapes: a keyword in two rules, a bad message template or action are validation errors", () => {
  const end = { type: 'end', status: 'succeeded' };
  const errs = (escapes: unknown) => {
    const r = validateFlow({ id: 'f', name: 'f', start: 'e', escapes, blocks: { e: end } });
    return r.ok ? [] : r.errors.map((e) => `${e.field}|${e.message}`);
  };
  assert.deepEqual(
    errs([
      { keywords: ['Menú'], action: 'restart' },
      { keywords: ['menu'], action: 'end' },
    ]),
    ['escapes[1].keywords[0]|"menu" is already a keyword of escapes[0]'],
  );
  assert.deepEqual(errs([{ keywords: ['x'], action: 'end', message: 'Bye {{session.name' }]), [
    'escapes[0].message|unclosed {{ (at character 4)',
  ]);
  assert.equal(errs([{ keywords: ['x'], action: 'explode' }]).length > 0, true);
  assert.deepEqual(
    errs([
      { keywords: ['agente'], action: 'handoff', team: 'support' },
      { keywords: ['ventas'], action: { jump: 'sales' } },
    ]),
    [],
  );
});
