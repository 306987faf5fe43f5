import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { forEachDialect } from '../support/dialects.ts';
import { startWorld, type World } from '../support/test-world.ts';
import { waitFor } from '../support/wait-for.ts';
import { publish, startBusinessApi, type BusinessApi } from './flow-helpers.ts';

forEachDialect('flow engine: blocks, triggers, versions', (dialect) => {
  let w: World;
  let api: BusinessApi;
  before(async () => {
    api = await startBusinessApi();
    w = await startWorld({ dialect, config: { flows: { httpAllowPrivate: true }, eventWebhooks: { allowPrivate: true } } });
  });
  after(async () => {
    await w?.stop();
    await api?.close();
  });
  const sessions = async (flow: string) => (await w.api('GET', `/api/v1/flows/${flow}/sessions`)).body.data;
  const text = (t: string) => (m: { text?: string }) => m.text === t;

  test('a keyword starts a flow; invalid answers are re-prompted; gave_up exits', async () => {
    await publish(w, {
      id: 'age',
      name: 'Age',
      start: 'ask',
      triggers: [{ type: 'keyword', value: 'age' }],
      blocks: {
        ask: {
          type: 'ask',
          kind: 'number',
          min: 18,
          max: 120,
          prompt: 'How old are you?',
          reprompt: 'A number from 18 to 120, please.',
          variable: 'age',
          max_retries: 1,
          exits: { next: 'ok', gave_up: 'bye' },
        },
        ok: { type: 'end', status: 'succeeded', message: 'Thanks, {{session.age}}.', result: { age: '{{session.age}}' } },
        bye: { type: 'end', status: 'failed', reason: 'gave_up', message: 'Never mind.' },
      },
    });
    const c = w.sim.customer('15550001001', 'Ana');
    await c.sendText('what is the AGE limit?');
    await c.waitForMessage(text('How old are you?'));
    await c.sendText('ten');
    await c.waitForMessage(text('A number from 18 to 120, please.'));
    await c.sendText('42');
    await c.waitForMessage(text('Thanks, 42.'));
    const c2 = w.sim.customer('15550001002', 'Bo');
    await c2.sendText('age');
    await c2.waitForMessage(text('How old are you?'));
    await c2.sendText('7');
    await c2.waitForMessage(text('A number from 18 to 120, please.'));
    await c2.sendText('500');
    await c2.waitForMessage(text('Never mind.'));
    await w.settle();
    const results = (await w.api('GET', '/api/v1/flows/age/results')).body.data;
    const ok = results.find((r: any) => r.status === 'succeeded');
    assert.deepEqual(ok.result, { age: 42 });
    assert.deepEqual(
      ok.answers.map((a: any) => [a.answer, a.valid]),
      [
        ['ten', false],
        ['42', true],
      ],
    );
    const failed = results.find((r: any) => r.status === 'failed');
    assert.equal(failed.reason, 'gave_up');
    // With no live session and no trigger, the demo bot still echoes.
    await c.sendText('something else');
    await c.waitForMessage(text('You said: something else'));
  });

  test('HTTP block: success maps the response; error and timeout take their exits', async () => {
    const flow = (id: string, url: string, extra: object = {}) => ({
      id,
      name: id,
      start: 'call',
      triggers: [{ type: 'exact', value: `run ${id}` }],
      blocks: {
        call: {
          type: 'http',
          method: 'POST',
          url,
          body: { json: { who: '{{contact.name}}' } },
          response: { first: '$.data.items[0].name' },
          status_variable: 'status',
          exits: { success: 'ok', error: 'err', timeout: 'slow' },
          ...extra,
        },
        ok: { type: 'end', status: 'succeeded', message: 'ok {{session.first}} {{session.status}}' },
        err: { type: 'end', status: 'failed', reason: 'api', message: 'error {{session.status}}: {{session.http_error}}' },
        slow: { type: 'end', status: 'failed', reason: 'timeout', message: 'timeout' },
      },
    });
    await publish(w, flow('h-ok', `${api.url}/anything`));
    await publish(w, flow('h-err', `${api.url}/fail`));
    await publish(w, flow('h-timeout', `${api.url}/hang`, { timeout_ms: 300 }));
    const c = w.sim.customer('15550002001', 'Cy');
    await c.sendText('run h-ok');
    await c.waitForMessage(text('ok first 200'));
    assert.equal(JSON.parse(api.requests.at(-1)?.body ?? '{}').who, 'Cy');
    await c.sendText('run h-err');
    await c.waitForMessage(text('error 500: HTTP 500'));
    await c.sendText('run h-timeout');
    await c.waitForMessage(text('timeout'), 8000);
  });

  test('two fast messages during a slow HTTP step are queued, answered in order, never dropped or doubled', async () => {
    await publish(w, {
      id: 'slow',
      name: 'Slow',
      start: 'q1',
      triggers: [{ type: 'exact', value: 'slow please' }],
      blocks: {
        q1: { type: 'ask', kind: 'text', prompt: 'First?', variable: 'a', exits: { next: 'call' } },
        call: { type: 'http', method: 'GET', url: `${api.url}/slow`, exits: { success: 'q2' } },
        q2: { type: 'ask', kind: 'text', prompt: 'Second?', variable: 'b', exits: { next: 'q3' } },
        q3: { type: 'ask', kind: 'text', prompt: 'Third?', variable: 'c', exits: { next: 'done' } },
        done: { type: 'end', status: 'succeeded', message: 'got {{session.a}} {{session.b}} {{session.c}}' },
      },
    });
    const c = w.sim.customer('15550003001', 'Di');
    await c.sendText('slow please');
    await c.waitForMessage(text('First?'));
    const before = api.requests.length;
    await c.sendText('one');
    await waitFor(() => api.requests.length > before, 3000, 'slow call started');
    await c.sendText('two');
    await c.sendText('three');
    await c.waitForMessage(text('got one two three'), 8000);
    await w.settle();
    const outs = c.received().map((m) => m.text);
    assert.equal(outs.filter((t) => t === 'Second?').length, 1);
    assert.equal(outs.filter((t) => t === 'Third?').length, 1);
    assert.equal(outs.filter((t) => t?.startsWith('You said')).length, 0, 'no message leaked to the demo bot');
  });

  test('set, condition, choice by button with per-option exits, hand-off silences the bot', async () => {
    await publish(w, {
      id: 'menu',
      name: 'Menu',
      start: 'set',
      triggers: [{ type: 'keyword', value: 'menu' }],
      blocks: {
        set: { type: 'set', values: { 'session.vip': true, 'contact.attributes.seen_menu': 'yes' }, exits: { next: 'pick' } },
        pick: {
          type: 'ask',
          kind: 'choice',
          prompt: 'Choose',
          variable: 'pick',
          options: [
            { id: 'agent', title: 'Talk to agent' },
            { id: 'info', title: 'Info' },
          ],
          exits: { next: 'cond', agent: 'human' },
        },
        cond: {
          type: 'condition',
          if: {
            all: [
              { var: 'session.vip', op: 'eq', value: true },
              { var: 'contact.attributes.seen_menu', op: 'eq', value: 'yes' },
            ],
          },
          exits: { then: 'vip', else: 'plain' },
        },
        vip: { type: 'end', status: 'succeeded', message: 'VIP info' },
        plain: { type: 'end', status: 'succeeded', message: 'Plain info' },
        human: { type: 'handoff', message: 'An agent will be with you shortly.' },
      },
    });
    const c = w.sim.customer('15550004001', 'Eve');
    await c.sendText('menu');
    const prompt = await c.waitForMessage((m) => m.type === 'interactive');
    assert.equal(prompt.body.interactive.type, 'button');
    await c.replyButton(prompt.wamid, 'info');
    await c.waitForMessage(text('VIP info'));
    await c.sendText('menu');
    const again = await c.waitForMessage((m) => m.type === 'interactive');
    await c.replyButton(again.wamid, 'agent');
    await c.waitForMessage(text('An agent will be with you shortly.'));
    await c.sendText('hello? anyone?');
    await w.settle();
    assert.equal(
      c.received().filter((m) => (m.text ?? '').startsWith('You said')).length,
      0,
      'the bot stays silent while an agent holds the conversation',
    );
    const handed = (await sessions('menu')).find((s: any) => s.reason === 'handed_off');
    assert.ok(handed);
    assert.equal((await w.api('DELETE', `/api/v1/flows/handoffs/${handed.conversation_id}`)).status, 204);
    await c.sendText('back to bot');
    await c.waitForMessage(text('You said: back to bot'));
  });

  test('versions: a running session stays on its version; rollback publishes an old one again', async () => {
    const doc = (greeting: string) => ({
      id: 'ver',
      name: 'Versions',
      start: 'q',
      triggers: [{ type: 'exact', value: 'version test' }],
      blocks: {
        q: { type: 'ask', kind: 'text', prompt: `${greeting}: name?`, variable: 'n', exits: { next: 'e' } },
        e: { type: 'end', status: 'succeeded', message: `${greeting} bye` },
      },
    });
    assert.equal(await publish(w, doc('v1')), 1);
    const c = w.sim.customer('15550005001');
    await c.sendText('version test');
    await c.waitForMessage(text('v1: name?'));
    assert.equal(await publish(w, doc('v2')), 2);
    await c.sendText('Fay');
    await c.waitForMessage(text('v1 bye'));
    await c.sendText('version test');
    await c.waitForMessage(text('v2: name?'));
    await c.sendText('Fay');
    await c.waitForMessage(text('v2 bye'));
    const rb = await w.api('POST', '/api/v1/flows/ver/rollback', { version: 1 });
    assert.deepEqual([rb.status, rb.body.version, rb.body.rollback_of], [200, 3, 1]);
    const versions = (await w.api('GET', '/api/v1/flows/ver/versions')).body.data;
    assert.deepEqual(
      versions.map((v: any) => [v.version, v.current]),
      [
        [3, true],
        [2, false],
        [1, false],
      ],
    );
    await c.sendText('version test');
    await c.waitForMessage(text('v1: name?'));
    assert.equal((await w.api('POST', '/api/v1/flows/ver/rollback', { version: 9 })).status, 404);
  });

  test('API: start for a phone, validation 422 with block/field, schema public, wa.me links, CSV results, events', async () => {
    const sub = await w.api('POST', '/api/v1/webhooks', { url: `${api.url}/events`, events: ['flow.succeeded', 'flow.failed'] });
    assert.equal(sub.status, 201, JSON.stringify(sub.body));
    await publish(w, {
      id: 'api-start',
      name: 'API start',
      start: 's',
      triggers: [{ type: 'keyword', value: 'hola amigo' }],
      variables: { ref: null }, // what the API's start passes in is declared (an undeclared, never-set variable is a validation error)
      blocks: {
        s: { type: 'send', message: { text: 'Started for {{session.ref}}' }, exits: { next: 'e' } },
        e: { type: 'end', status: 'succeeded', result: { ref: '{{session.ref}}' } },
      },
    });
    const c = w.sim.customer('15550006001', 'Gil');
    await c.sendText('hi'); // opens the 24-hour window
    await c.waitForMessage((m) => /Hello/.test(m.text ?? ''));
    const contact = await w.app.deps.storage.db
      .selectFrom('contacts')
      .select('id')
      .where('external_id', '=', '15550006001')
      .executeTakeFirstOrThrow();
    const started = await w.api('POST', '/api/v1/flows/api-start/start', { contact_id: contact.id, variables: { ref: 'R-9' } });
    assert.equal(started.status, 202, JSON.stringify(started.body));
    await c.waitForMessage(text('Started for R-9'));
    assert.equal((await w.api('POST', '/api/v1/flows/api-start/start', { phone: 'not a phone' })).status, 400);
    assert.equal((await w.api('POST', '/api/v1/flows/api-start/start', {})).status, 400);
    assert.equal((await w.api('POST', '/api/v1/flows/api-start/start', { phone: '+14155550123' })).body.error.code, 'window_closed');
    assert.equal((await w.api('POST', '/api/v1/flows/api-start/start', { contact_id: 'ct_none' })).body.error.code, 'contact_not_found');
    assert.equal((await w.api('POST', '/api/v1/flows/nope/start', { phone: '+15550006001' })).status, 404);

    const bad = await w.api('POST', '/api/v1/flows', {
      id: 'bad',
      name: 'Bad',
      start: 'a',
      blocks: { a: { type: 'send', message: { text: 'x' }, exits: { next: 'b' } } },
    });
    assert.equal(bad.status, 422);
    assert.deepEqual(bad.body.error.details.errors[0], {
      block: 'a',
      field: 'exits.next',
      path: '/blocks/a/exits/next',
      message: 'exit "next" points at "b", which is not a block',
    });
    const v = await w.api('POST', '/api/v1/flows/validate', {
      id: 'x',
      name: 'x',
      start: 'a',
      blocks: { a: { type: 'end', status: 'maybe' } },
    });
    assert.deepEqual([v.status, v.body.valid, v.body.errors[0].block, v.body.errors[0].field], [200, false, 'a', 'status']);
    const yaml = await fetch(`${w.app.url}/api/v1/flows/validate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${'test-admin-token-0123456789'}`, 'content-type': 'application/yaml' },
      body: 'id: y\nname: Y\nstart: a\nblocks:\n  a: { type: end, status: succeeded }\n',
    });
    assert.equal((await yaml.json()).valid, true);

    const schema = await fetch(`${w.app.url}/api/v1/flows/schema`);
    assert.equal(schema.status, 200, 'the schema needs no token');
    assert.equal((await schema.json()).title, 'Switchboard flow');
    assert.equal((await fetch(`${w.app.url}/api/v1/flows`)).status, 401);

    const one = await w.api('GET', '/api/v1/flows/api-start');
    const digits = w.sim.displayPhoneNumber.replace(/\D/g, '');
    assert.equal(one.body.triggers[0].wa_me_links[0].url, `https://wa.me/${digits}?text=hola%20amigo`);

    await w.settle();
    const csv = await fetch(`${w.app.url}/api/v1/flows/age/results?format=csv`, {
      headers: { authorization: 'Bearer test-admin-token-0123456789' },
    });
    assert.match(csv.headers.get('content-type') ?? '', /text\/csv/);
    const lines = (await csv.text()).trim().split('\r\n');
    assert.match(lines[0] ?? '', /^session_id,flow_id,version,contact_id,status,reason,.*answer\.ask/);
    assert.equal(lines.length, 3);
    await waitFor(
      () => api.requests.some((r) => r.path === '/events' && r.body.includes('"flow.succeeded"') && r.body.includes('R-9')),
      5000,
      'flow.succeeded delivered',
    );
    const evt = JSON.parse(api.requests.find((r) => r.path === '/events' && r.body.includes('R-9'))?.body ?? '{}');
    assert.equal(evt.data.flow_id, 'api-start');
    assert.equal(evt.data.channel, 'whatsapp', 'the kind of the number the conversation is on');
    assert.deepEqual(evt.data.result, { ref: 'R-9' });
  });
});
