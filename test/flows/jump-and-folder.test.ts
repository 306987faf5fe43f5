import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { loadFlowsDir } from '../../src/flows/load-flows-dir.ts';
import { forEachDialect } from '../support/dialects.ts';
import { startWorld, type World } from '../support/test-world.ts';
import { publish, startBusinessApi, type BusinessApi } from './flow-helpers.ts';
import { waitFor } from '../support/wait-for.ts';

forEachDialect('flows: jump to another flow, and flows loaded from a folder', (dialect) => {
  let w: World;
  let dir: string;
  let api: BusinessApi;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'switchboard-flows-dir-'));
    api = await startBusinessApi();
    w = await startWorld({ dialect, config: { eventWebhooks: { allowPrivate: true } } });
  });
  after(async () => {
    await w?.stop();
    await api?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const text = (t: string) => (m: { text?: string }) => m.text === t;

  test('a jump block hands the session to another flow, which then runs to its end', async () => {
    await publish(w, {
      id: 'billing',
      name: 'Billing',
      start: 'ask',
      blocks: {
        ask: { type: 'ask', kind: 'text', prompt: 'Which invoice number?', variable: 'invoice', exits: { next: 'done' } },
        done: {
          type: 'end',
          status: 'succeeded',
          message: 'Invoice {{session.invoice}} noted.',
          result: { invoice: '{{session.invoice}}' },
        },
      },
    });
    await publish(w, {
      id: 'menu',
      name: 'Menu',
      start: 'hello',
      triggers: [{ type: 'exact', value: 'menu' }],
      blocks: {
        hello: { type: 'send', message: { text: 'Sending you to billing.' }, exits: { next: 'go' } },
        go: { type: 'jump', flow: 'billing' },
      },
    });
    const c = w.sim.customer('15550009001', 'Jo');
    await c.sendText('menu');
    await c.waitForMessage(text('Sending you to billing.'));
    await c.waitForMessage(text('Which invoice number?'));
    await c.sendText('F-77');
    await c.waitForMessage(text('Invoice F-77 noted.'));
    await w.settle();
    const billing = (await w.api('GET', '/api/v1/flows/billing/results')).body.data;
    assert.equal(billing.length, 1);
    assert.equal(billing[0].status, 'succeeded');
    assert.deepEqual(billing[0].result, { invoice: 'F-77' });
  });

  test('a jump to a flow that does not exist ends the session failed with the reason', async () => {
    await publish(w, {
      id: 'broken-jump',
      name: 'Broken jump',
      start: 'go',
      triggers: [{ type: 'exact', value: 'broken' }],
      blocks: { go: { type: 'jump', flow: 'no-such-flow' } },
    });
    await w.sim.customer('15550009002', 'Lu').sendText('broken');
    await w.settle();
    const sessions = (await w.api('GET', '/api/v1/flows/broken-jump/sessions')).body.data;
    assert.equal(sessions.length, 1);
    assert.equal(sessions[0].status, 'failed');
    assert.match(sessions[0].reason ?? '', /jump_target_missing:no-such-flow/);
  });

  test('flow files in a folder are published at start, again only when changed; a bad file is reported, not fatal', async () => {
    const doc = (greeting: string) =>
      `id: from-file\nname: From a file\nstart: hi\ntriggers:\n  - { type: exact, value: filed }\nblocks:\n  hi: { type: end, status: succeeded, message: "${greeting}" }\n`;
    writeFileSync(join(dir, 'from-file.yaml'), doc('Hello from a file.'));
    writeFileSync(join(dir, 'broken.json'), '{"id": "broken", "blocks": 7}');
    writeFileSync(join(dir, 'notes.txt'), 'not a flow');
    const first = await loadFlowsDir(w.app.deps, dir);
    assert.deepEqual(
      first.map((r) => r.file),
      ['broken.json', 'from-file.yaml'],
    );
    assert.ok(first[0]?.errors && first[0].errors.length > 0, 'the broken file is reported with its problems');
    assert.deepEqual(
      { id: first[1]?.id, version: first[1]?.version, created: first[1]?.created },
      { id: 'from-file', version: 1, created: true },
    );
    const again = await loadFlowsDir(w.app.deps, dir);
    assert.equal(again[1]?.created, false, 'unchanged: no new version');
    writeFileSync(join(dir, 'from-file.yaml'), doc('Hello again from a file.'));
    const changed = await loadFlowsDir(w.app.deps, dir);
    assert.deepEqual({ version: changed[1]?.version, created: changed[1]?.created }, { version: 2, created: true });
    const c = w.sim.customer('15550009003', 'Fi');
    await c.sendText('filed');
    await c.waitForMessage(text('Hello again from a file.'));
  });

  test('an event webhook can take the results of one flow only (flow.succeeded:<flow id>)', async () => {
    const bad = await w.api('POST', '/api/v1/webhooks', { url: `${api.url}/one`, events: ['flow.succeeded:has space'] });
    assert.equal(bad.status, 422);
    assert.equal(bad.body.error.code, 'unknown_event_type');
    const sub = await w.api('POST', '/api/v1/webhooks', { url: `${api.url}/one`, events: ['flow.succeeded:only-this'] });
    assert.equal(sub.status, 201, JSON.stringify(sub.body));
    for (const id of ['only-this', 'not-this']) {
      await publish(w, {
        id,
        name: id,
        start: 'end',
        triggers: [{ type: 'exact', value: `run ${id}` }],
        blocks: { end: { type: 'end', status: 'succeeded', message: `${id} done` } },
      });
    }
    const c = w.sim.customer('15550009004', 'Al');
    await c.sendText('run not-this');
    await c.waitForMessage(text('not-this done'));
    await c.sendText('run only-this');
    await c.waitForMessage(text('only-this done'));
    await w.settle();
    await waitFor(() => api.requests.some((r) => r.path === '/one'), 5000, "the chosen flow's result delivered");
    await new Promise((r) => setTimeout(r, 300));
    const bodies = api.requests.filter((r) => r.path === '/one').map((r) => JSON.parse(r.body));
    assert.deepEqual(
      bodies.map((b) => [b.type, b.data.flow_id]),
      [['flow.succeeded', 'only-this']],
    );
  });
});
