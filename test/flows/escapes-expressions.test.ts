import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { loadConfig } from '../../src/config.ts';
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
  assert.equal(interpolate(`{{session.day | format_date: "EEEE d 'de' MMMM", "Asia/Tokyo", "es"}}`, scope), 'viernes 30 de enero', 'a calendar date is that day in any zone');
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
  const bad = ['{{now | format_date: "dd", "Mars/Base"}}', '{{now | add_days: "3"}}', '{{session.a | truncate: 0}}', '{{session.a | round: 11}}', '{{session.a | format_number: "xx-invalid-locale-1"}}', '{{session.a | replace: "x"}}', '{{session.a | upper: 1}}', '{{session.a | nope}}'];
  for (const t of bad) assert.equal(parseTemplate(t).ok, false, t);
  const r = validateFlow({ id: 'f', name: 'f', start: 'a', blocks: { a: { type: 'end', status: 'succeeded', message: 'Hoy {{now | format_date: "dd/MM", "Mars/Base"}}' } } });
  assert.equal(r.ok, false);
  assert.deepEqual(!r.ok && r.errors.map((e) => [e.block, e.field]), [['a', 'message']]);
  assert.match(!r.ok ? (r.errors[0]?.message ?? '') : '', /"Mars\/Base" is not an IANA time zone/);
});

test('variables: never set is an error naming the block; set on some paths a warning', () => {
  const end = { type: 'end', status: 'succeeded' };
  const never = validateFlow({ id: 'f', name: 'f', start: 'a', blocks: { a: { type: 'send', message: { text: 'Hi {{session.nme}}' }, exits: { next: 'e' } }, e: end } });
  assert.equal(never.ok, false);
  assert.deepEqual(!never.ok && never.errors.map((e) => `${e.block}|${e.field}|${e.message}`), ['a|message.text|block "a" reads {{session.nme}}, which no path to it sets (declare it in variables, or set it before)']);
  const some = {
    id: 'f',
    name: 'f',
    start: 'q',
    blocks: {
      q: { type: 'ask', kind: 'choice', prompt: 'Email?', variable: 'want', options: [{ id: 'yes', title: 'Yes' }, { id: 'no', title: 'No' }], exits: { next: 'bye', yes: 'mail' } },
      mail: { type: 'ask', kind: 'email', prompt: 'Your email?', variable: 'email', exits: { next: 'bye' } },
      bye: { type: 'end', status: 'succeeded', message: 'Bye {{session.want}} {{session.email}} {{session.email | default: "-"}} {{session.id}}' },
    },
  };
  const r = validateFlow(some);
  assert.equal(r.ok, true);
  assert.deepEqual(r.warnings.map((e) => `${e.block}|${e.field}|${e.message}`), ['bye|message|{{session.email}} is set on only some paths to block "bye" (add a default filter, or set it on every path)']);
  const cond = validateFlow({ id: 'f', name: 'f', start: 'c', blocks: { c: { type: 'condition', if: { var: 'session.vip', op: 'eq', value: true }, exits: { then: 'e', else: 'e' } }, e: end } });
  assert.deepEqual(!cond.ok && cond.errors.map((e) => `${e.block}|${e.field}`), ['c|if.var']);
  const declared = validateFlow({ id: 'f', name: 'f', start: 'c', variables: { vip: false }, blocks: { c: { type: 'condition', if: { var: 'session.vip', op: 'eq', value: true }, exits: { then: 'e', else: 'e' } }, e: end } });
  assert.equal(declared.ok, true, 'declared in variables: set on every path');
  const setBlock = validateFlow({ id: 'f', name: 'f', start: 's', blocks: { s: { type: 'set', values: { 'session.a': 1, 'session.b': '{{session.a}}' }, exits: { next: 'e' } }, e: end } });
  assert.deepEqual(setBlock.ok && setBlock.warnings, [], 'a set block sees its earlier keys');
  const reserved = validateFlow({ id: 'f', name: 'f', start: 'q', blocks: { q: { type: 'ask', kind: 'text', prompt: 'Id?', variable: 'id', exits: { next: 'e' } }, e: end } });
  assert.match(!reserved.ok ? (reserved.errors[0]?.message ?? '') : '', /writes session\.id, the session's own id/);
  const nowField = validateFlow({ id: 'f', name: 'f', start: 'e', blocks: { e: { type: 'end', status: 'succeeded', message: '{{now.year}}' } } });
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
    writeFileSync(file, JSON.stringify({ numbers: [{ ...number, escapeKeywords: [{ keywords: ['agente'], action: 'handoff', team: 'support' }, { keywords: ['ventas'], action: { jump: 'sales' } }] }] }));
    const cfg = loadConfig({ SWITCHBOARD_CONFIG: file, DATA_DIR: dir }, dir);
    assert.ok(cfg.ok, JSON.stringify(!cfg.ok && cfg.problems));
    assert.deepEqual(cfg.config.numbers[0]?.escapeKeywords, [
      { keywords: ['agente'], action: 'handoff', team: 'support' },
      { keywords: ['ventas'], action: { jump: 'sales' } },
    ]);
    writeFileSync(file, JSON.stringify({ numbers: [{ ...number, escapeKeywords: [{ keywords: ['x'], action: 'explode' }] }] }));
    const bad = loadConfig({ SWITCHBOARD_CONFIG: file, DATA_DIR: dir }, dir);
    assert.deepEqual(!bad.ok && bad.problems, ['config file: numbers[0].escapeKeywords[0].action must be handoff, restart, end or {jump: <flow id>}']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
