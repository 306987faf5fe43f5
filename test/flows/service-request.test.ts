import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { seedTemplates } from '../../src/templates/seed-templates.ts';
import { forEachDialect } from '../support/dialects.ts';
import { startWorld, type World } from '../support/test-world.ts';
import { publish, startBusinessApi, type BusinessApi } from './flow-helpers.ts';

forEachDialect('flows: the seed scenario, restarts, private addresses', (dialect) => {
  let w: World;
  let api: BusinessApi;
  before(async () => {
    api = await startBusinessApi();
    w = await startWorld({ dialect, config: { flows: { httpAllowPrivate: true } } });
    // The confirmation and the vendor's notice are the seed business's templates.
    await seedTemplates(w.app.deps, { submit: true });
    await w.sim.drainWebhooks();
    await w.settle();
  });
  after(async () => {
    await w?.stop();
    await api?.close();
  });
  const text = (t: string | RegExp) => (m: { text?: string }) => (typeof t === 'string' ? m.text === t : t.test(m.text ?? ''));

  test('service request end to end: greet, ask, validate, choose, call the business API, confirm, link, result', async () => {
    const doc = parseYaml(readFileSync(new URL('../../examples/flows/service-request.yaml', import.meta.url), 'utf8'));
    doc.variables.api_url = api.url;
    assert.equal(await publish(w, doc), 1);
    const c = w.sim.customer('15557770001', 'Ana');
    await c.sendText('Hi, I need a SERVICE for my kitchen');
    await c.waitForMessage(text('¡Hola Ana! Vamos a registrar tu solicitud de servicio.'));
    await c.waitForMessage(text('¿Cuál es tu nombre completo?'));
    await c.sendText('A');
    await c.waitForMessage(text(/al menos 2 letras/));
    await c.sendText('Ana Diaz');
    await c.waitForMessage(text('Gracias, Ana Diaz. ¿Cuál es tu correo electrónico?'));
    await c.sendText('ana at example');
    await c.waitForMessage(text(/no parece un correo electrónico/));
    await c.sendText('Ana@Example.com');
    const choice = await c.waitForMessage((m) => m.type === 'interactive');
    assert.deepEqual(
      choice.body.interactive.action.buttons.map((b: any) => b.reply.id),
      ['plumbing', 'electrical', 'cleaning'],
    );
    await c.replyButton(choice.wamid, 'plumbing');
    await c.waitForMessage(text('¿Cuál es la dirección de la visita?'));
    await c.sendText('Calle Mayor 1, Madrid');
    await c.waitForMessage(text(/¿Qué día/));
    await c.sendText('31/02/2030');
    await c.waitForMessage(text(/DD\/MM\/AAAA, por ejemplo/));
    await c.sendText('24/12/2030');
    const confirmation = await c.waitForMessage((m) => m.type === 'template');
    assert.equal(confirmation.template?.name, 'solicitud_recibida_cliente');
    assert.match(
      confirmation.text ?? '',
      /Hola Ana Diaz, recibimos tu solicitud SR-1001 de Plomería para el 24\/12\/2030.*ana@example\.com/,
    );
    // The vendor the business API assigned is told with nueva_solicitud_de_servicio.
    const notice = await w.sim.customer('14155550199').waitForMessage((m) => m.type === 'template');
    assert.equal(notice.template?.name, 'nueva_solicitud_de_servicio');
    assert.match(notice.text ?? '', /Tipo de servicio: Plomería[\s\S]*Cliente: Ana Diaz[\s\S]*\+15557770001[\s\S]*Calle Mayor 1, Madrid/);
    await w.settle();
    // Sent by the flow, as itself (not as the admin token, not as "api").
    const stored = await w.app.deps.storage.db
      .selectFrom('messages')
      .select('author')
      .where('external_id', '=', notice.wamid)
      .executeTakeFirstOrThrow();
    assert.equal(stored.author, 'bot:flow:service-request');

    const call = api.requests.find((r) => r.path === '/service-requests');
    assert.ok(call);
    assert.equal(call.method, 'POST');
    assert.equal(call.headers['x-source'], 'switchboard');
    assert.deepEqual(JSON.parse(call.body), {
      name: 'Ana Diaz',
      email: 'ana@example.com',
      phone: '+15557770001',
      service: 'plumbing',
      address: 'Calle Mayor 1, Madrid',
      date: '2030-12-24',
    });

    const results = (await w.api('GET', '/api/v1/flows/service-request/results')).body.data;
    assert.equal(results.length, 1);
    const r = results[0];
    assert.equal(r.status, 'succeeded');
    assert.equal(r.version, 1);
    assert.deepEqual(r.result, { request_id: 'SR-1001', service: 'plumbing', date: '2030-12-24' });
    assert.deepEqual(
      r.answers.map((a: any) => [a.block, a.answer, a.valid]),
      [
        ['ask_name', 'A', false],
        ['ask_name', 'Ana Diaz', true],
        ['ask_email', 'ana at example', false],
        ['ask_email', 'ana@example.com', true],
        ['ask_service', 'Plomería', true],
        ['ask_address', 'Calle Mayor 1, Madrid', true],
        ['ask_date', '31/02/2030', false],
        ['ask_date', '2030-12-24', true],
      ],
    );
    const conv = await w.app.deps.storage.db
      .selectFrom('conversations')
      .select(['linked_record_type', 'linked_record_id', 'linked_record'])
      .where('id', '=', r.conversation_id)
      .executeTakeFirstOrThrow();
    assert.deepEqual([conv.linked_record_type, conv.linked_record_id], ['service_request', 'SR-1001']);
    assert.equal(JSON.parse(conv.linked_record ?? '{}').url, 'https://crm.example.com/requests/SR-1001');
    // After the flow, ordinary texts get the demo bot again.
    await c.sendText('thanks!');
    await c.waitForMessage(text('You said: thanks!'));
  });

  test('a session waiting for an answer and a durable wait both survive a restart', async () => {
    await publish(w, {
      id: 'waiter',
      name: 'Waiter',
      start: 'q',
      triggers: [{ type: 'exact', value: 'remind me' }],
      blocks: {
        q: { type: 'ask', kind: 'text', prompt: 'Remind you of what?', variable: 'what', exits: { next: 'ack' } },
        ack: { type: 'send', message: { text: 'OK, in an hour.' }, exits: { next: 'wait' } },
        wait: { type: 'wait', hours: 1, exits: { next: 'remind' } },
        remind: { type: 'send', message: { text: 'Reminder: {{session.what}}' }, exits: { next: 'done' } },
        done: { type: 'end', status: 'succeeded' },
      },
    });
    const c = w.sim.customer('15557770002', 'Bo');
    await c.sendText('remind me');
    await c.waitForMessage(text('Remind you of what?'));
    await w.restart();
    await c.sendText('call mum');
    await c.waitForMessage(text('OK, in an hour.'));
    await w.settle();
    const waiting = (await w.api('GET', '/api/v1/flows/waiter/sessions?status=waiting')).body.data;
    assert.equal(waiting.length, 1);
    assert.equal(waiting[0].awaiting, 'wake');
    await w.restart();
    await c.sendText('still there?'); // during a wait: kept, no answer, no echo
    await w.settle(); // handled during the wait, not after the clock jump wakes the session
    w.clock.advance(3600_000 + 1000);
    await c.waitForMessage(text('Reminder: call mum'), 8000);
    await w.settle();
    assert.equal(c.received().filter((m) => (m.text ?? '').startsWith('You said')).length, 0);
    const done = (await w.api('GET', '/api/v1/flows/waiter/sessions')).body.data[0];
    assert.equal(done.status, 'succeeded');
  });

  test('the HTTP block refuses loopback and private addresses unless allowed', async () => {
    await w.restart({ flows: { httpAllowPrivate: false } });
    await publish(w, {
      id: 'private',
      name: 'Private',
      start: 'call',
      triggers: [{ type: 'exact', value: 'go private' }],
      blocks: {
        call: { type: 'http', method: 'GET', url: `${api.url}/anything`, exits: { success: 'ok', error: 'err' } },
        ok: { type: 'end', status: 'succeeded', message: 'reached' },
        err: { type: 'end', status: 'failed', reason: 'refused', message: 'refused: {{session.http_error}}' },
      },
    });
    const before = api.requests.length;
    const c = w.sim.customer('15557770003');
    await c.sendText('go private');
    const m = await c.waitForMessage(text(/^refused/));
    assert.match(m.text ?? '', /private or loopback.*FLOW_HTTP_ALLOW_PRIVATE/);
    assert.equal(api.requests.length, before, 'no request left');
  });
});
