import assert from 'node:assert/strict';
import { test } from 'node:test';
import { seedTemplates } from '../../src/templates/seed-templates.ts';
import { forEachDialect } from '../support/dialects.ts';
import { waitFor } from '../support/wait-for.ts';
import { LAPTOP, signIn, startWebWorld } from './web-world.ts';

const HOUR = 3600_000;

forEachDialect('web app: working a conversation', (dialect) => {
  test('an agent, after the window closed, sends a template with parameters (live preview, cost) and the customer receives it; a message WhatsApp does not deliver shows failed with the error in words', async (t) => {
    // +5215500000099 is not on WhatsApp (the simulator fails what is sent to it, with 131026).
    const ww = await startWebWorld(t, dialect, { sim: { unregisteredNumbers: ['5215500000099', '525500000099'] } });
    if (!ww) return;
    const { w } = ww;
    await seedTemplates(w.app.deps, { submit: true });
    await waitFor(
      async () =>
        (await w.api('GET', '/api/v1/templates?status=APPROVED')).body.data.some((x: any) => x.name === 'solicitud_recibida_cliente'),
      5000,
      'template approved',
    );
    const ana = await ww.user({ email: 'ana@example.com', name: 'Ana Agent', role: 'agent' });
    const ben = await ww.user({ email: 'ben@example.com', name: 'Ben Agent', role: 'agent' });
    const customer = w.sim.customer('5215512340002', 'Jorge Ruiz');
    await customer.sendText('Hola, quiero un servicio');
    await w.settle();
    w.sim.advanceTime(25 * HOUR);

    const page = await ww.page(LAPTOP);
    await signIn(page, ww.url, ana);
    // Agents list, read and preview templates (conversations:read); making them stays admin-only.
    assert.equal((await page.request.get(`${ww.url}/api/v1/templates`)).status(), 200);
    assert.equal(
      (
        await page.request.post(`${ww.url}/api/v1/templates`, { data: { name: 'x', language: 'es', category: 'UTILITY', components: [] } })
      ).status(),
      403,
    );
    await page.getByTestId('conversation-row').filter({ hasText: 'Jorge Ruiz' }).click();
    await page.getByTestId('window-closed-note').waitFor();
    assert.equal(await page.getByTestId('composer-text').count(), 0, 'no free-form box while the window is closed');
    await page.getByTestId('template-select').click();
    await page.getByRole('option', { name: /solicitud_recibida_cliente/ }).click();
    // A missing parameter: the API's message under its field.
    await page.getByTestId('param-body-customer_name').fill('Jorge');
    await page
      .getByTestId('template-cost')
      .filter({ hasText: /Cost: .*utility/i })
      .waitFor();
    const values: Record<string, string> = {
      request_id: 'SOL-77',
      service_type: 'desazolve',
      requested_date: '3 de marzo',
      contact_email: 'jorge@example.com',
    };
    for (const [name, value] of Object.entries(values)) await page.getByTestId(`param-body-${name}`).fill(value);
    await page.getByTestId('template-preview').filter({ hasText: 'Hola Jorge, recibimos tu solicitud SOL-77 de desazolve' }).waitFor();
    await page.getByTestId('template-send').click();
    const got = await customer.waitForMessage((m) => m.type === 'template', 5000);
    assert.equal(got.body.template.name, 'solicitud_recibida_cliente');
    await page.getByTestId('message').filter({ hasText: 'recibimos tu solicitud SOL-77' }).waitFor();
    // Day separators go by the server's clock (25 h ahead of this browser's): the template, sent now, is under "Today".
    assert.equal(await page.getByTestId('history').locator('.day-sep').last().textContent(), 'Today');
    assert.equal(
      (await page.getByTestId('history').locator('.day-sep').first().textContent()) === 'Today',
      false,
      'the customer wrote 25 h earlier',
    );

    // A message WhatsApp does not deliver (a number not on WhatsApp): failed, with the error in words.
    const tpl = (await w.api('GET', '/api/v1/templates?status=APPROVED')).body.data.find(
      (x: any) => x.name === 'solicitud_recibida_cliente',
    );
    const started = await w.api('POST', '/api/v1/conversations', {
      phone: '+5215500000099',
      template: tpl.name,
      language: tpl.language,
      parameters: { body: { customer_name: 'Nadie', ...values } },
      override_opt_in: { reason: 'test of a failed delivery' },
    });
    assert.equal(started.status, 202, JSON.stringify(started.body));
    await w.settle();
    w.sim.advanceTime(5_000); // the failure comes by a later status callback, on the simulator's clock
    await w.settle();
    await waitFor(
      async () =>
        (await w.api('GET', `/api/v1/conversations/${started.body.message.conversation_id}`)).body.messages.some(
          (m: any) => m.status === 'failed',
        ),
      5000,
      'failed at WhatsApp',
    );
    await page
      .getByTestId('conversation-row')
      .filter({ hasText: /5500000099/ })
      .click();
    const failedMsg = page.getByTestId('message').filter({ hasText: 'recibimos tu solicitud' });
    await failedMsg.locator('.ticks[data-status=failed]').waitFor();
    await failedMsg
      .getByRole('note')
      .filter({ hasText: /Not delivered: .+/ })
      .waitFor();
    await page.getByTestId('conversation-row').filter({ hasText: 'Jorge Ruiz' }).click();

    // An agent (not an administrator) assigns to another agent, picked from GET /api/v1/agents.
    const directory = await page.request.get(`${ww.url}/api/v1/agents`);
    assert.equal(directory.status(), 200);
    const entry = (await directory.json()).data.find((u: any) => u.email === 'ben@example.com');
    assert.deepEqual(Object.keys(entry).sort(), ['availability', 'email', 'id', 'name', 'role', 'team_ids']);
    assert.equal((await page.request.get(`${ww.url}/api/v1/users`)).status(), 403, 'full user records stay admin-only');
    await page.getByTestId('conversation-actions').click();
    await page.getByTestId('assign-user-ben@example.com').click();
    const convId = (await w.api('GET', '/api/v1/conversations')).body.data.find((c: any) => c.contact.name === 'Jorge Ruiz').id;
    await waitFor(
      async () => (await w.api('GET', `/api/v1/conversations/${convId}`)).body.assignee?.id === ben.id,
      3000,
      'assigned to Ben',
    );
    assert.deepEqual(ww.pageErrors, []);
  });

  test('assign to a team, label, note with an @mention that reaches the mentioned agent live; an agent of another team never sees it; close', async (t) => {
    const ww = await startWebWorld(t, dialect);
    if (!ww) return;
    const { w } = ww;
    const soporte = (await w.api('POST', '/api/v1/teams', { name: 'Soporte' })).body;
    const ventas = (await w.api('POST', '/api/v1/teams', { name: 'Ventas' })).body;
    const bea = await ww.user({ email: 'bea@example.com', name: 'Bea Ventas', role: 'agent', visibility: 'assigned_and_team' });
    const carl = await ww.user({ email: 'carl@example.com', name: 'Carl Soporte', role: 'agent', visibility: 'assigned_and_team' });
    assert.equal((await w.api('PUT', `/api/v1/teams/${ventas.id}/members/${bea.id}`)).status < 300, true);
    assert.equal((await w.api('PUT', `/api/v1/teams/${soporte.id}/members/${carl.id}`)).status < 300, true);
    const customer = w.sim.customer('5215512340003', 'Elena Soto');
    await customer.sendText('Mi equipo no enciende');
    await w.settle();
    const convId = (await w.api('GET', '/api/v1/conversations')).body.data[0].id;

    const admin = await ww.page(LAPTOP);
    await signIn(admin, ww.url, ww.admin);
    const beaPage = await ww.page(LAPTOP);
    await signIn(beaPage, ww.url, bea);
    const carlPage = await ww.page(LAPTOP);
    await signIn(carlPage, ww.url, carl);

    await admin.getByTestId('conversation-row').filter({ hasText: 'Elena Soto' }).click();
    await admin.getByTestId('conversation-actions').click();
    await admin.getByTestId('assign-team-Soporte').click();
    await waitFor(
      async () => (await w.api('GET', `/api/v1/conversations/${convId}`)).body.team?.id === soporte.id,
      3000,
      'assigned to Soporte',
    );
    // Carl (Soporte) sees it appear live; Bea (Ventas) does not.
    await carlPage.getByTestId('conversation-row').filter({ hasText: 'Elena Soto' }).waitFor();
    await beaPage.reload();
    await beaPage.getByTestId('conversation-list').waitFor();
    await beaPage.getByText('No conversations here.').waitFor();
    assert.equal(await beaPage.getByTestId('conversation-row').count(), 0);

    // Label from the side panel.
    await admin.getByTestId('labels-input').fill('urgente');
    await admin.getByTestId('labels-input').press('Enter');
    await waitFor(async () => (await w.api('GET', `/api/v1/conversations/${convId}`)).body.labels.includes('urgente'), 3000, 'label added');
    await admin.getByTestId('labels-input').fill('vip');
    await admin.getByTestId('labels-input').press('Enter');
    const labelsNow = async () => (await w.api('GET', `/api/v1/conversations/${convId}`)).body.labels.sort().join(',');
    await waitFor(async () => (await labelsNow()) === 'urgente,vip', 3000, 'two labels');
    const row = admin.getByTestId('conversation-row').filter({ hasText: 'Elena Soto' });
    await row.locator('.conv-tag.label', { hasText: 'vip' }).waitFor();
    // Removed with its pill's ×: the API drops it, the pill and the row's chip go, the other label stays.
    await admin.getByRole('button', { name: 'Remove label vip' }).click();
    await waitFor(async () => (await labelsNow()) === 'urgente', 3000, 'label removed');
    await admin.getByTestId('label-pill').filter({ hasText: 'vip' }).waitFor({ state: 'detached' });
    await row.locator('.conv-tag.label', { hasText: 'vip' }).waitFor({ state: 'detached' });
    assert.deepEqual(await admin.getByTestId('label-pill').allTextContents(), ['urgente']);

    // A note mentioning Bea: shown inline as internal, never sent; Bea gets a live notification.
    await admin.getByTestId('composer-mode').getByText('Note').click();
    await admin.getByTestId('composer-text').fill('@bea@example.com ¿puedes revisar el pedido?');
    await admin.getByTestId('composer-send').click();
    await admin.getByTestId('note').filter({ hasText: '¿puedes revisar el pedido?' }).waitFor();
    await beaPage.getByText('You were mentioned in a note').waitFor({ timeout: 5000 });
    assert.equal(customer.received().length, 0, 'a note never reaches the customer');

    // Assign to me, then close: the API agrees.
    await admin.getByTestId('assign-me').click();
    const adminId = (await w.api('GET', '/api/v1/users')).body.data.find((u: any) => u.email === ww.admin.email).id;
    await waitFor(
      async () => (await w.api('GET', `/api/v1/conversations/${convId}`)).body.assignee?.id === adminId,
      3000,
      'assigned to me',
    );
    await admin.getByTestId('conversation-actions').click();
    await admin.getByTestId('close-conversation').click();
    await waitFor(async () => (await w.api('GET', `/api/v1/conversations/${convId}`)).body.status === 'closed', 3000, 'closed');
    assert.deepEqual(ww.pageErrors, []);
  });
});
