import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type DemoSwitchboard, nextSent, startDemo, textIs as text } from '../support/demo-switchboard.ts';
import { type Child, freePort } from '../support/spawn-switchboard.ts';

const TOKEN = 'tg-demo-admin-token-0123456789';
const SIM_TOKEN = 'tg-demo-sim-token-0123456789';

/**
 * `npm start` with no Telegram bot: the Telegram simulator runs beside the WhatsApp one, and the
 * seed scenario (examples/flows/service-request.yaml) runs end to end on Telegram, driven through
 * the Telegram simulator's test API as its phone page does: buttons come as an inline keyboard.
 */
describe('demo: the seed scenario on Telegram', () => {
  let demo: DemoSwitchboard;
  let child: Child;
  let tg: string;
  before(async () => {
    const tgPort = await freePort();
    tg = `http://127.0.0.1:${tgPort}`;
    const env = { PORT: String(await freePort()), SIMULATOR_PORT: String(await freePort()), TELEGRAM_SIMULATOR_PORT: String(tgPort) };
    demo = await startDemo({ env, simUrl: tg, token: TOKEN, simToken: SIM_TOKEN, startMs: 90_000, bannerMs: 30_000 });
    child = demo.child;
  });
  after(() => demo?.stop());

  const call = (method: string, url: string, body?: unknown) => demo.call(method, url, body);

  test('the banner names the Telegram simulator and its phone page', () => {
    assert.match(child.output(), /Telegram:\s+http:\/\/127\.0\.0\.1:\d+ {2}\(Bot API simulator, bot @switchboard_demo_bot/);
    assert.match(child.output(), /Telegram phone: http:\/\/127\.0\.0\.1:\d+\/phone\?token=tg-demo-sim-token-0123456789/);
  });

  test('the seed service-request flow runs end to end on Telegram', async () => {
    const user = (await call('POST', `${tg}/_sim/users`, { first_name: 'Ana' })).body as { id: number };
    const say = (text: string) => call('POST', `${tg}/_sim/users/${user.id}/messages`, { text });
    const seen = { n: 0 };
    const botSaid = async () =>
      ((await call('GET', `${tg}/_sim/users/${user.id}/chat`)).body.messages as any[]).filter((m) => m.from?.is_bot);
    const next = (pred: (m: any) => boolean, what: string) => nextSent(botSaid, seen, pred, what, 30_000);
    await say('I need a service');
    await next(text('¡Hola Ana! Vamos a registrar tu solicitud de servicio.'), 'greeting');
    await next(text('¿Cuál es tu nombre completo?'), 'name question');
    await say('Ana Diaz');
    await next(text(/correo electrónico/), 'email question');
    await say('ana@example.com');
    const choice = await next((m) => m.reply_markup?.inline_keyboard !== undefined, 'service buttons as an inline keyboard');
    const pressed = await call('POST', `${tg}/_sim/users/${user.id}/press`, { message_id: choice.message_id, data: 'plumbing' });
    assert.equal(pressed.status, 201, JSON.stringify(pressed.body));
    await next(text('¿Cuál es la dirección de la visita?'), 'address question');
    await say('Calle Mayor 1, Madrid');
    await next(text(/^¿Qué día/), 'date question');
    await say('24/12/2030');
    // No templates on Telegram: the confirmation arrives as the template's text.
    await next(text(/de Plomería para el 24\/12\/2030/), 'confirmation');
    const banner = /Business API: (http:\/\/127\.0\.0\.1:\d+)\/service-requests/.exec(child.output());
    const listed = await (await fetch(`${banner![1]}/service-requests`)).json();
    assert.equal(listed.data.length, 1);
    assert.equal(listed.data[0].email, 'ana@example.com');
    assert.equal(listed.data[0].service, 'plumbing');
  });
});
