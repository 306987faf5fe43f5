import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type DemoSwitchboard, nextSent, startDemo, textIs as text } from '../support/demo-switchboard.ts';
import { freePort, type Child } from '../support/spawn-switchboard.ts';
import { waitFor } from '../support/wait-for.ts';

const TOKEN = 'demo-test-admin-token-0123456789';
const SIM_TOKEN = 'demo-test-sim-token-0123456789';

/**
 * `npm start` with no WhatsApp credentials: the built-in simulator, the demo bot, and the seed
 * scenario (examples/flows/service-request.yaml) against the built-in business-API mock. Driven
 * through the simulator's HTTP test API, as the phone page does.
 */
describe('demo: npm start ships the seed scenario', () => {
  let demo: DemoSwitchboard;
  let child: Child;
  let sim: string;
  before(async () => {
    const simPort = await freePort();
    sim = `http://127.0.0.1:${simPort}`;
    const env = { PORT: String(await freePort()), SIMULATOR_PORT: String(simPort) };
    demo = await startDemo({ env, simUrl: sim, token: TOKEN, simToken: SIM_TOKEN, startMs: 90_000, bannerMs: 30_000 });
    child = demo.child;
  });
  after(() => demo?.stop());

  const call = (method: string, url: string, body?: unknown) => demo.call(method, url, body);
  const say = (waId: string, text: string) =>
    call('POST', `${sim}/_sim/customers/${waId}/messages`, { type: 'text', text: { body: text }, profile_name: 'Ana' });
  /** Waits for the business's next message to the customer after `seen` earlier ones, matching `pred`. */
  const next = (waId: string, seen: { n: number }, pred: (m: any) => boolean, what: string) =>
    nextSent(
      async () => (await call('GET', `${sim}/_sim/customers/${waId}/messages`)).body.data.filter((m: any) => m.direction === 'out'),
      seen,
      pred,
      what,
      10_000,
    );

  test('the banner names the trigger next to the phone page', () => {
    assert.match(
      child.output(),
      /Phone page:\s+http:\/\/127\.0\.0\.1:\d+\/phone\?token=demo-test-sim-token-0123456789\s+<- open this, pick a number and say "hi", or "service" to book a service request/,
    );
    assert.match(child.output(), /Business API: http:\/\/127\.0\.0\.1:\d+\/service-requests/);
  });

  test('the seed scenario runs end to end: questions, business API, confirmation, link, result', async () => {
    // The demo submits its templates at start; the simulator reviews them after a short delay.
    await waitFor(
      async () => {
        const list = (await call('GET', `${child.url}/api/v1/templates`)).body.data as Array<{ status: string }>;
        return list.length >= 5 && list.every((t) => t.status === 'APPROVED');
      },
      15_000,
      'the demo templates approved',
    );
    const waId = '15557771234';
    const seen = { n: 0 };
    await say(waId, 'I need a service');
    await next(waId, seen, text('¡Hola Ana! Vamos a registrar tu solicitud de servicio.'), 'greeting');
    await next(waId, seen, text('¿Cuál es tu nombre completo?'), 'name question');
    await say(waId, 'Ana Diaz');
    await next(waId, seen, text(/correo electrónico/), 'email question');
    await say(waId, 'ana@example.com');
    const choice = await next(waId, seen, (m) => m.type === 'interactive', 'service buttons');
    const tapped = await call('POST', `${sim}/_sim/customers/${waId}/actions/button-reply`, {
      message_id: choice.wamid,
      button_id: 'plumbing',
    });
    assert.equal(tapped.status, 200, JSON.stringify(tapped.body));
    await next(waId, seen, text('¿Cuál es la dirección de la visita?'), 'address question');
    await say(waId, 'Calle Mayor 1, Madrid');
    await next(waId, seen, text(/^¿Qué día/), 'date question');
    await say(waId, '24/12/2030');
    const confirmation = await next(waId, seen, (m) => m.type === 'template', 'confirmation template');
    assert.equal(confirmation.template?.name, 'solicitud_recibida_cliente');
    // One language throughout: the option's title and the date as the customer wrote it, not "plumbing" / 2030-12-24.
    assert.match(confirmation.text ?? '', /de Plomería para el 24\/12\/2030/);
    // The demo's vendor (a number on the phone page) is told with nueva_solicitud_de_servicio.
    const notice = await next('14155550100', { n: 0 }, (m) => m.type === 'template', 'vendor notice');
    assert.equal(notice.template?.name, 'nueva_solicitud_de_servicio');

    const banner = /Business API: (http:\/\/127\.0\.0\.1:\d+)\/service-requests/.exec(child.output());
    assert.ok(banner?.[1]);
    const listed = await (await fetch(`${banner[1]}/service-requests`)).json();
    assert.equal(listed.data.length, 1);
    assert.equal(listed.data[0].email, 'ana@example.com');
    assert.equal(listed.data[0].service, 'plumbing');

    let results: any[] = [];
    await waitFor(
      async () => (results = (await call('GET', `${child.url}/api/v1/flows/service-request/results`)).body.data).length === 1,
      5000,
      'result stored',
    );
    assert.equal(results[0].status, 'succeeded');
    assert.equal(results[0].result.request_id, listed.data[0].id);
    const conv = (await call('GET', `${child.url}/api/v1/records/service_request/${listed.data[0].id}/conversations`)).body;
    assert.equal(conv.data.length, 1, JSON.stringify(conv));
  });

  test('a username-only customer (phone withheld) books through the seed scenario end to end', async () => {
    const waId = '15557771299';
    const created = await call('POST', `${sim}/_sim/customers`, {
      wa_id: waId,
      profile_name: 'Bea',
      username: 'bea.lopez',
      hide_phone: true,
    });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const seen = { n: 0 };
    await say(waId, 'I need a service');
    await next(waId, seen, text(/^¡Hola .*! Vamos a registrar tu solicitud de servicio\.$/), 'greeting');
    await next(waId, seen, text('¿Cuál es tu nombre completo?'), 'name question');
    await say(waId, 'Bea Lopez');
    await next(waId, seen, text(/correo electrónico/), 'email question');
    await say(waId, 'bea@example.com');
    const choice = await next(waId, seen, (m) => m.type === 'interactive', 'service buttons');
    assert.equal(
      (await call('POST', `${sim}/_sim/customers/${waId}/actions/button-reply`, { message_id: choice.wamid, button_id: 'electrical' }))
        .status,
      200,
    );
    await next(waId, seen, text('¿Cuál es la dirección de la visita?'), 'address question');
    await say(waId, 'Calle Luna 2, Madrid');
    await next(waId, seen, text(/^¿Qué día/), 'date question');
    await say(waId, '23/12/2030');
    const confirmation = await next(waId, seen, (m) => m.type === 'template', 'confirmation template');
    assert.equal(confirmation.template?.name, 'solicitud_recibida_cliente');

    // Switchboard never saw the number: the contact is the BSUID, shown with the username, and every reply went to the BSUID.
    const deliveries = ((await call('GET', `${sim}/_sim/deliveries?limit=1000`)).body.data as Array<{ body: string }>).filter((d) =>
      d.body.includes('bea.lopez'),
    );
    assert.ok(deliveries.length >= 5, "the customer's webhooks were delivered");
    for (const d of deliveries) assert.equal(d.body.includes(waId), false, 'the webhooks withheld the number');
    const contacts = (await call('GET', `${child.url}/api/v1/contacts?q=bea.lopez`)).body.data as Array<{
      bsuid: string | null;
      username: string | null;
      phone: string | null;
    }>;
    assert.equal(contacts.length, 1, JSON.stringify(contacts));
    assert.equal(contacts[0]!.username, 'bea.lopez');
    assert.match(contacts[0]!.bsuid ?? '', /^[A-Z]{2}\.[A-Za-z0-9]+$/);
    assert.equal(contacts[0]!.phone, null);
    let results: any[] = [];
    await waitFor(
      async () =>
        (results = (await call('GET', `${child.url}/api/v1/flows/service-request/results`)).body.data.filter(
          (r: any) => r.answers?.email === 'bea@example.com' || JSON.stringify(r).includes('bea@example.com'),
        )).length === 1,
      5000,
      'result stored',
    );
    assert.equal(results[0].status, 'succeeded');
  });

  test('the demo bot still greets and echoes other texts', async () => {
    const waId = '15557771235';
    const seen = { n: 0 };
    await say(waId, 'hi');
    await next(waId, seen, text(/This is the Switchboard demo bot/), 'greeting');
    await say(waId, 'what time is it?');
    await next(waId, seen, text('You said: what time is it?'), 'echo');
  });
});
