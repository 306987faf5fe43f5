import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { forEachDialect } from '../support/dialects.ts';
import { startWorld, type World } from '../support/test-world.ts';
import { publish } from './flow-helpers.ts';

const survey = (prompt: string) => ({
  id: 'survey',
  name: 'Survey',
  start: 'q1',
  triggers: [{ type: 'exact', value: 'survey' }],
  blocks: {
    q1: { type: 'ask', kind: 'text', prompt, variable: 'name', exits: { next: 'q2' } },
    q2: {
      type: 'ask',
      kind: 'number',
      min: 1,
      max: 5,
      prompt: 'Score 1-5?',
      reprompt: 'From 1 to 5, please.',
      max_retries: 1,
      variable: 'score',
      exits: { next: 'done', gave_up: 'bye' },
    },
    done: { type: 'end', status: 'succeeded', message: 'Thanks!' },
    bye: { type: 'end', status: 'failed', reason: 'gave_up', message: 'Bye.' },
  },
});

forEachDialect('flow analytics: started, finished, drop-off and median time per block', (dialect) => {
  let w: World;
  before(async () => {
    w = await startWorld({ dialect });
  });
  after(async () => {
    await w?.stop();
  });
  const text = (t: string) => (m: { text?: string }) => m.text === t;

  test('counts sessions by outcome, drop-off by last block, and medians from the step log', async () => {
    assert.equal(await publish(w, survey('Your name?')), 1);
    const a = w.sim.customer('15550301001', 'A');
    const b = w.sim.customer('15550301002', 'B');
    const c = w.sim.customer('15550301003', 'C');
    const d = w.sim.customer('15550301004', 'D');
    for (const x of [a, b, c, d]) {
      await x.sendText('survey');
      await x.waitForMessage(text('Your name?'));
    }
    await w.settle();
    // D answers at once; A after a minute; B after two: q1's median is A's minute.
    await d.sendText('Dee');
    await d.waitForMessage(text('Score 1-5?'));
    await w.settle();
    w.clock.advance(60_000);
    await a.sendText('Ay');
    await a.waitForMessage(text('Score 1-5?'));
    await w.settle();
    w.clock.advance(60_000);
    await b.sendText('Bee');
    await b.waitForMessage(text('Score 1-5?'));
    await b.sendText('nine');
    await b.waitForMessage(text('From 1 to 5, please.'));
    await b.sendText('ten');
    await b.waitForMessage(text('Bye.'));
    await w.settle();
    w.clock.advance(30_000);
    await a.sendText('4');
    await a.waitForMessage(text('Thanks!'));
    await w.settle();

    const res = await w.api('GET', '/api/v1/flows/survey/analytics');
    assert.equal(res.status, 200);
    assert.equal(res.body.flow_id, 'survey');
    assert.equal(res.body.versions.length, 1);
    const v = res.body.versions[0];
    assert.equal(v.version, 1);
    assert.equal(v.sessions_started, 4);
    assert.deepEqual(v.finished, { succeeded: 1, failed: 1, failed_by_reason: { gave_up: 1 } });
    assert.equal(v.unfinished, 2);
    const block = (name: string) => v.blocks.find((x: any) => x.block === name);
    assert.deepEqual(
      v.blocks.map((x: any) => x.block),
      ['q1', 'q2', 'done', 'bye'],
    );
    const q1 = block('q1');
    assert.deepEqual([q1.type, q1.visits, q1.sessions, q1.invalid_answers, q1.drop_off, q1.live], ['ask', 3, 3, 0, 1, 1]);
    assert.ok(q1.median_ms >= 60_000 && q1.median_ms < 65_000, `q1 median ${q1.median_ms}`);
    const q2 = block('q2');
    assert.deepEqual([q2.visits, q2.sessions, q2.invalid_answers, q2.drop_off], [3, 2, 2, 1]);
    // Two sessions: the mean of the middle two (A's 90 s while B took its turn, B's ~0 s).
    assert.ok(q2.median_ms >= 45_000 && q2.median_ms < 50_000, `q2 median ${q2.median_ms}`);
    assert.deepEqual(block('done').ended, { succeeded: 1, failed: 0 });
    assert.deepEqual(block('bye').ended, { succeeded: 0, failed: 1 });
    assert.equal(block('bye').drop_off, 0);
  });

  test('?version= narrows to one version; bad input is a 4xx with a code', async () => {
    assert.equal(await publish(w, survey('What is your name?')), 2);
    const e = w.sim.customer('15550301005', 'E');
    await e.sendText('survey');
    await e.waitForMessage(text('What is your name?'));
    await w.settle();
    const all = await w.api('GET', '/api/v1/flows/survey/analytics');
    assert.deepEqual(
      all.body.versions.map((v: any) => [v.version, v.sessions_started]),
      [
        [2, 1],
        [1, 4],
      ],
    );
    const two = await w.api('GET', '/api/v1/flows/survey/analytics?version=2');
    assert.equal(two.status, 200);
    assert.deepEqual(
      two.body.versions.map((v: any) => [v.version, v.sessions_started, v.unfinished]),
      [[2, 1, 1]],
    );
    assert.equal(two.body.versions[0].blocks[0].median_ms, null);

    const bad = await w.api('GET', '/api/v1/flows/survey/analytics?version=abc');
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.code, 'invalid_version');
    const missing = await w.api('GET', '/api/v1/flows/survey/analytics?version=9');
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error.code, 'version_not_found');
    const unknown = await w.api('GET', '/api/v1/flows/nope/analytics');
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.error.code, 'flow_not_found');
  });
});
