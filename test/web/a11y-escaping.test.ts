import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startTelegramSimulator } from '../../src/simulator/telegram/index.ts';
import { seedTemplates } from '../../src/templates/seed-templates.ts';
import { forEachDialect } from '../support/dialects.ts';
import { waitFor } from '../support/wait-for.ts';
import { axe, LAPTOP, PHONE, shot, signIn, startWebWorld } from './web-world.ts';

const HOSTILE_NAME = 'Eve <img src=x onerror="window.__pwned=1">';
const HOSTILE_TEXT = '<script>window.__pwned=2</script> mira javascript:alert(1) y [x](javascript:alert(2))';
const HOSTILE_LABEL = '<b onmouseover="window.__pwned=3">vip</b>';
forEachDialect('web app: escaping and accessibility', (dialect) => {
  test('a hostile profile name, message and label render as text; no javascript: link', async (t) => {
    const ww = await startWebWorld(t, dialect);
    if (!ww) return;
    const { w } = ww;
    const customer = w.sim.customer('5215512340005', HOSTILE_NAME);
    await customer.sendText(HOSTILE_TEXT);
    await w.settle();
    const conv = (await w.api('GET', '/api/v1/conversations')).body.data[0];
    assert.equal((await w.api('PUT', `/api/v1/conversations/${conv.id}/labels/${encodeURIComponent(HOSTILE_LABEL)}`)).status < 300, true);
    assert.equal(
      (await w.api('PUT', `/api/v1/conversations/${conv.id}/link`, { type: 'crm', id: 'X-1', title: '<i>rec</i>' })).status < 300,
      true,
    );
    assert.equal(
      (await w.api('PUT', `/api/v1/conversations/${conv.id}/link`, { type: 'crm', id: 'X-1', url: 'javascript:alert(3)' })).status,
      422,
      'the API refuses a javascript: record URL',
    );

    const page = await ww.page(LAPTOP);
    await signIn(page, ww.url, ww.admin);
    const row = page.getByTestId('conversation-row').first();
    assert.equal(await row.getByTestId('row-name').textContent(), HOSTILE_NAME);
    await row.click();
    await page.getByTestId('message').filter({ hasText: '<script>' }).waitFor();
    assert.equal(
      await page
        .getByTestId('message')
        .first()
        .locator('div')
        .nth(0)
        .evaluate((el) => el.parentElement?.textContent?.includes('<script>window.__pwned=2</script>')),
      true,
    );
    await page.getByTestId('side-panel').getByText('<i>rec</i>').waitFor();
    await page.getByTestId('labels-input').locator('..').getByText(HOSTILE_LABEL).first().waitFor();
    assert.equal(await page.locator('img[src="x"]').count(), 0, 'no injected image');
    assert.equal(await page.locator('a[href^="javascript"]').count(), 0, 'no javascript: link');
    assert.equal(await page.locator('main script').count(), 0, 'no injected script');
    assert.equal(await page.evaluate('window.__pwned'), undefined);
    assert.deepEqual(ww.pageErrors, []);
  });

  test('every page passes axe (no serious or critical violation) at laptop and phone size', async (t) => {
    // A Telegram bot beside the WhatsApp number: the inbox shows both channels' badges.
    const tg = await startTelegramSimulator({ retryDelaysMs: [50] });
    t.after(() => tg.close());
    const ww = await startWebWorld(t, dialect, {
      config: {
        telegram: {
          bots: [{ botToken: tg.botToken, webhookSecret: 'a11y_tg_secret_1', apiUrl: tg.url, mode: 'webhook', throughputPerSecond: 30 }],
          simulator: { enabled: false, port: 0 },
        },
      },
    });
    if (!ww) return;
    const { w } = ww;
    await seedTemplates(w.app.deps, { submit: true });
    await waitFor(async () => (await w.api('GET', '/api/v1/templates?status=APPROVED')).body.data.length > 0, 5000, 'templates approved');
    await w.api('POST', '/api/v1/teams', { name: 'Soporte' });
    await w.api('POST', '/api/v1/canned-replies', { shortcut: 'hola', text: 'Hola {{contact.name}}, ¿en qué le ayudo?' });
    await ww.user({ email: 'ana@example.com', name: 'Ana Agent', role: 'agent' });
    const names = ['María López', 'Jorge Ruiz', 'Lucía Pérez', 'Pablo Mar', 'Elena Soto'];
    for (const [i, name] of names.entries())
      await w.sim
        .customer(`52155123410${i}`, name)
        .sendText(
          ['¿Tienen cita mañana?', 'Mi pedido no llegó', 'Gracias, todo bien 👍', 'https://example.com/factura', 'Hola, *urgente*'][i]!,
        );
    tg.user({ first_name: 'Andrés', last_name: 'Gil' }).send('Hola, ¿puedo cambiar la hora de mi cita?');
    await tg.drain();
    await w.settle();
    const convs = (await w.api('GET', '/api/v1/conversations')).body.data;
    const andres = convs.find((c: any) => c.contact.name === 'Andrés Gil');
    await w.api('POST', `/api/v1/conversations/${andres.id}/messages`, { text: 'Claro, Andrés. ¿Qué hora le viene bien?' });
    const maria = convs.find((c: any) => c.contact.name === 'María López');
    await w.api('POST', `/api/v1/conversations/${maria.id}/messages`, { text: 'Sí, a las 10:00. Le esperamos.' });
    await w.api('POST', `/api/v1/conversations/${maria.id}/notes`, { text: 'Cliente frecuente, ofrecer descuento' });
    await w.api('PUT', `/api/v1/conversations/${maria.id}/labels/vip`);
    await w.api('PUT', `/api/v1/conversations/${maria.id}/link`, {
      type: 'service_request',
      id: 'SOL-0142',
      title: 'Desazolve',
      attributes: { zona: 'Centro' },
    });
    await w.settle();

    const found: string[] = [];
    for (const [size, viewport] of [
      ['laptop', LAPTOP],
      ['phone', PHONE],
    ] as const) {
      const ctx = await ww.browser.newContext({ viewport, locale: 'en-US', bypassCSP: true });
      const page = await ctx.newPage();
      page.on('pageerror', (e) => ww.pageErrors.push(e.message));
      await page.goto(ww.url);
      await page.locator('input[name=email]').waitFor();
      await axe(page, `sign-in (${size})`, found);
      await shot(page, `signin-${size}`);
      await signIn(page, ww.url, ww.admin);
      await page.getByTestId('conversation-row').first().waitFor();
      await axe(page, `inbox (${size})`, found);
      await shot(page, `inbox-${size}`);
      await page.getByTestId('conversation-row').filter({ hasText: 'María López' }).click();
      await page.getByTestId('note').waitFor();
      await axe(page, `conversation (${size})`, found);
      await shot(page, `conversation-${size}`);
      // A Telegram conversation: the channel in the header, no window, the plain composer.
      if (size === 'phone') await page.getByRole('button', { name: 'Back to the list' }).click();
      await page.getByTestId('conversation-row').filter({ hasText: 'Andrés Gil' }).click();
      await page.getByTestId('history').getByText('¿Qué hora le viene bien?').waitFor();
      await page.getByTestId('composer').waitFor();
      await axe(page, `telegram conversation (${size})`, found);
      await shot(page, `telegram-${size}`);
      if (size === 'laptop') await page.getByTestId('conversation-row').filter({ hasText: 'María López' }).click();
      // The window closed: the template picker.
      if (size === 'laptop') {
        w.sim.advanceTime(25 * 3600_000);
        await page.reload();
        await page.getByTestId('template-select').click();
        await page.getByRole('option', { name: /solicitud_recibida_cliente/ }).click();
        await page.getByTestId('param-body-customer_name').fill('María');
        await page.getByTestId('template-cost').filter({ hasText: 'Cost' }).waitFor();
        await axe(page, `template picker (${size})`, found);
        await shot(page, `template-${size}`);
      }
      for (const section of ['users', 'teams', 'tokens', 'webhooks', 'labels', 'canned']) {
        await page.goto(`${ww.url}/settings/${section}`);
        await page.getByRole('heading', { level: 2 }).waitFor();
        await axe(page, `settings/${section} (${size})`, found);
        if (section === 'users') await shot(page, `settings-${size}`);
      }
      await ctx.close();
    }
    assert.deepEqual(found, [], 'serious or critical axe violations');
    assert.deepEqual(ww.pageErrors, []);
  });
});
