import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { EXAMPLE_FLOWS_DIR, findFlowScripts } from '../../src/cli/flow-scripts/find-flow-scripts.ts';
import { flowScriptSchema, parseScriptFile } from '../../src/cli/flow-scripts/flow-script-format.ts';
import { runScriptFile } from '../../src/cli/flow-scripts/flow-script-runner.ts';

// Every shipped example script runs here, so `npm test` (and CI) runs them.
describe('flow scripts: the shipped examples pass', () => {
  const { files } = findFlowScripts([EXAMPLE_FLOWS_DIR]);
  test('there are example scripts', () => assert.ok(files.length >= 1));
  for (const file of files) {
    test(file.slice(EXAMPLE_FLOWS_DIR.length + 1), async () => {
      const outcomes = await runScriptFile(file);
      const failed = outcomes.filter((o) => !o.ok);
      assert.deepEqual(
        failed.map((o) => `${o.name}: step ${o.failure?.step} line ${o.failure?.line}: ${o.failure?.message}`),
        [],
      );
      assert.ok(outcomes.length >= 1);
    });
  }
});

describe('flow scripts: failures are reported usefully', () => {
  const dir = mkdtempSync(join(tmpdir(), 'flow-scripts-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const flowPath = join(EXAMPLE_FLOWS_DIR, 'service-request.yaml');
  const write = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  test('a wrong expectation fails at its step and line, saying what the bot sent', async () => {
    const path = write(
      'wrong.test.yaml',
      [
        `flow: ${JSON.stringify(flowPath)}`,
        'contact: { phone: "15550009001", name: Ana }',
        'steps:',
        '  - customer: service',
        '  - expect: { matches: "^¡Hola" }',
        '  - expect: { text: What is your first name? }',
        '',
      ].join('\n'),
    );
    const [o] = await runScriptFile(path);
    assert.ok(o);
    assert.equal(o.ok, false);
    assert.equal(o.failure?.step, 3);
    assert.equal(o.failure?.line, 6);
    assert.equal(
      o.failure?.message,
      'expect: expected text "What is your first name?", but the bot sent text "¿Cuál es tu nombre completo?"',
    );
  });

  test('a wrong final result and a missing HTTP call are reported with what happened', async () => {
    const path = write(
      'result.test.yaml',
      [
        `flow: ${JSON.stringify(flowPath)}`,
        'scripts:',
        '  - name: wrong status',
        '    steps:',
        '      - customer: service',
        '      - expect: { matches: "^¡Hola" }',
        '      - expect: { text: ¿Cuál es tu nombre completo? }',
        '      - customer: x',
        '      - expect: { matches: "al menos 2 letras" }',
        '      - customer: y',
        '      - expect: { matches: "al menos 2 letras" }',
        '      - customer: z',
        '      - expect: { matches: "^No hay problema" }',
        '    result: { status: succeeded }',
        '  - name: no call made',
        '    timeout: 300ms',
        '    steps:',
        '      - customer: hello',
        '      - expect: { matches: "demo bot" }',
        '      - http_called: { method: POST, url: /service-requests }',
        '',
      ].join('\n'),
    );
    const [status, call] = await runScriptFile(path);
    assert.equal(status?.ok, false);
    assert.equal(status?.failure?.line, 14);
    assert.equal(status?.failure?.message, 'result: expected succeeded, got failed (reason gave_up)');
    assert.equal(call?.ok, false);
    assert.equal(call?.failure?.step, 3);
    assert.match(call?.failure?.message ?? '', /expected at least 1 call\(s\) to POST \/service-requests, got 0 \(calls made: none\)/);
  });

  test('an invalid script names the line and the field, and runs nothing', async () => {
    const path = write(
      'bad.test.yaml',
      ['flow: x.yaml', 'steps:', '  - customer: hi', '  - expect: { txt: hello }', '  - advance: soon', ''].join('\n'),
    );
    const [o] = await runScriptFile(path);
    assert.equal(o?.ok, false);
    assert.equal(o?.failure?.line, 4);
    assert.match(o?.failure?.message ?? '', /^invalid script: step 2: unknown field "txt"/);
    assert.match(o?.failure?.message ?? '', /line 5: step 3: "soon" does not look right \(a duration like 250ms, 30s, 2h, 1d\)/);
    const parsed = parseScriptFile('x', 'flow: a.yaml\nsteps:\n  - customer: hi\n    expect: { text: a }\n');
    assert.equal(parsed.ok, false);
    if (!parsed.ok) assert.match(parsed.problems[0]?.message ?? '', /exactly one of customer, expect/);
  });

  test('time travel: advance fires a durable wait', async () => {
    const flow = write(
      'waiter.yaml',
      [
        'id: waiter',
        'name: Waiter',
        'start: q',
        'triggers: [{ type: exact, value: remind me }]',
        'blocks:',
        '  q: { type: ask, kind: text, prompt: Remind you of what?, variable: what, exits: { next: wait } }',
        '  wait: { type: wait, hours: 2, exits: { next: remind } }',
        '  remind: { type: end, status: succeeded, message: "Reminder: {{session.what}}" }',
        '',
      ].join('\n'),
    );
    const path = write(
      'waiter.test.yaml',
      [
        `flow: ${JSON.stringify(flow)}`,
        'steps:',
        '  - customer: remind me',
        '  - expect: { text: Remind you of what? }',
        '  - customer: call mum',
        '  - expect_no_reply: true',
        '  - advance: 2h',
        '  - expect: { text: "Reminder: call mum" }',
        'result: { status: succeeded, variables: { what: call mum } }',
        '',
      ].join('\n'),
    );
    const outcomes = await runScriptFile(path);
    assert.deepEqual(
      outcomes.map((o) => [o.ok, o.failure?.message]),
      [[true, undefined]],
    );
  });

  test('the published schema file is the one the parser uses', () => {
    const file = JSON.parse(readFileSync(new URL('../../schemas/flow-script.schema.json', import.meta.url), 'utf8'));
    assert.deepEqual(file.properties, JSON.parse(JSON.stringify(flowScriptSchema.properties)));
  });
});
