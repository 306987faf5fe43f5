import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forEachDialect } from '../support/dialects.ts';
import { waitFor } from '../support/wait-for.ts';
import { LAPTOP, PHONE, signIn, startWebWorld } from './web-world.ts';

forEachDialect('web app: sign in, the live inbox, reply', (dialect) => {
  test('the first admin signs in, sets availability and language; a customer message appears live; the reply reaches the customer and turns read', async (t) => {
    const ww = await startWebWorld(t, dialect);
    if (!ww) return;
    const { w } = ww;
    const page = await ww.page(LAPTOP);

    // Wrong password: the API's refusal, shown; then the printed credentials work.
    await page.goto(ww.url);
    await page.locator('input[name=email]').fill(ww.admin.email);
    await page.locator('input[name=password]').fill('not the password');
    await page.locator('form button[type=submit]').click();
    await page.getByRole('alert').filter({ hasText: 'not right' }).waitFor();
    await signIn(page, ww.url, ww.admin);
    await page.getByTestId('stream-state').and(page.locator('[data-state=live]')).waitFor();
    const cookies = await page.context().cookies();
    assert.equal(cookies.find((c) => c.name === 'sb_session')?.httpOnly, true, 'the session cookie is HttpOnly');
    assert.equal(await page.evaluate('document.cookie'), '', 'scripts see no cookie');

    // Availability from the header, stored by the API.
    await page.getByTestId('availability').getByText('Away').click();
    const me = (await w.api('GET', '/api/v1/users')).body.data.find((u: any) => u.email === ww.admin.email);
    await waitFor(async () => (await w.api('GET', `/api/v1/users/${me.id}`)).body.availability === 'away', 3000, 'availability away');
    // Nothing open yet: the conversation column says what to do (the side panel folds away on a laptop).
    await page.getByTestId('nothing-open').filter({ hasText: 'No conversation open' }).waitFor();
    assert.equal(await page.locator('.side-pane').isVisible(), false);

    // On a phone too, availability is in the header itself, not behind a menu.
    const phone = await ww.page(PHONE);
    await signIn(phone, ww.url, ww.admin);
    const switcher = phone.getByTestId('availability');
    assert.equal(await switcher.isVisible(), true, 'availability visible in the phone header');
    const box = await switcher.boundingBox();
    assert.ok(box && box.x >= 0 && box.x + box.width <= PHONE.width && box.y < 56, `inside the header: ${JSON.stringify(box)}`);
    await switcher.getByText('Offline').click();
    await waitFor(async () => (await w.api('GET', `/api/v1/users/${me.id}`)).body.availability === 'offline', 3000, 'offline from a phone');
    await switcher.getByText('Away').click();
    await waitFor(async () => (await w.api('GET', `/api/v1/users/${me.id}`)).body.availability === 'away', 3000, 'away again');
    await phone.close();

    // A customer writes: the row appears without reload, with its unread badge and preview.
    await page.mouse.move(1000, 780);
    const customer = w.sim.customer('5215512340001', 'Lucía Pérez');
    await customer.sendText('¿Tienen cita mañana?');
    const row = page.getByTestId('conversation-row').filter({ hasText: 'Lucía Pérez' });
    await row.getByTestId('unread-badge').filter({ hasText: '1' }).waitFor();
    assert.match((await row.getByTestId('row-preview').textContent()) ?? '', /Tienen cita/);

    // Open it, reply: the customer receives it; when they read it the ticks turn read.
    await row.click();
    await page.getByTestId('conversation-title').filter({ hasText: 'Lucía Pérez' }).waitFor();
    await page.getByTestId('composer-text').fill('Sí, a las 10:00. *Le esperamos*');
    await page.getByTestId('composer-send').click();
    const got = await customer.waitForMessage((m) => m.text === 'Sí, a las 10:00. *Le esperamos*', 5000);
    await page.getByTestId('message').filter({ hasText: 'Sí, a las 10:00.' }).locator('strong', { hasText: 'Le esperamos' }).waitFor();
    customer.read(got.wamid);
    await page
      .getByTestId('message')
      .filter({ hasText: 'Sí, a las 10:00.' })
      .locator('.ticks[data-status=read]')
      .waitFor({ timeout: 5000 });
    // Opening the conversation cleared its unread count (blue ticks for the customer's message).
    await waitFor(async () => (await w.api('GET', '/api/v1/conversations')).body.data[0].unread_count === 0, 3000, 'unread cleared');

    // Spanish, kept for this user after a reload.
    await page.getByTestId('language').click();
    await page.getByRole('option', { name: 'Español' }).click();
    await page.getByPlaceholder('Buscar conversaciones').waitFor();
    await page.reload();
    await page.getByPlaceholder('Buscar conversaciones').waitFor();
    // Stored with the user (PATCH /api/v1/users/me {"language"}): another browser opens in Spanish too.
    await waitFor(async () => (await w.api('GET', `/api/v1/users/${me.id}`)).body.language === 'es', 3000, 'language stored');
    const bad = await page.request.patch(`${ww.url}/api/v1/users/me`, { data: { language: 'not a language' } });
    assert.equal(bad.status(), 422);
    assert.equal((await bad.json()).error.details.field, 'language');
    const elsewhere = await ww.page(LAPTOP);
    await signIn(elsewhere, ww.url, ww.admin);
    await elsewhere.getByPlaceholder('Buscar conversaciones').waitFor();

    // Sign out: the sign-in form, and the session is gone on the server too.
    await page.getByTestId('account-menu').click();
    await page.getByTestId('sign-out').click();
    await page.locator('input[name=password]').waitFor();
    assert.equal((await page.request.get(`${ww.url}/api/v1/auth/me`)).status(), 401);
    assert.deepEqual(ww.pageErrors, []);
  });
});

forEachDialect('web app: keyboard and reply-to', (dialect) => {
  test('signed in without a mouse; ? lists the shortcuts; j/k move between conversations, r focuses the composer, / the search; a reply quotes the message; a assigns to me, c closes; a new message for me counts in the tab title while the tab is in the background and shows a browser notification; the optional sound, off by default, kept once turned on', async (t) => {
    const ww = await startWebWorld(t, dialect);
    if (!ww) return;
    const { w } = ww;
    const first = w.sim.customer('5215512340011', 'Ana Uno');
    const second = w.sim.customer('5215512340012', 'Beto Dos');
    const inboundWamid = await first.sendText('primero');
    await second.sendText('segundo');
    await w.settle();
    const page = await ww.page(LAPTOP);
    // What the app asks of the browser for a new message for me: oscillators started (the chime) and
    // notifications shown, recorded at the Web Audio and Notification APIs (headless Chromium has no speaker or notification centre).
    await page.context().addInitScript(`(() => {
      window.__chimes = 0; window.__notes = [];
      const osc = AudioContext.prototype.createOscillator;
      AudioContext.prototype.createOscillator = function () { window.__chimes++; return osc.call(this); };
      window.Notification = class { static permission = 'granted'; static requestPermission() { return Promise.resolve('granted'); } constructor(title, opts) { window.__notes.push({ title, body: opts && opts.body }); } };
    })()`);

    // Without a mouse: Tab to the fields, type, Enter signs in.
    await page.goto(ww.url);
    for (let i = 0; i < 6 && (await page.evaluate('document.activeElement?.name')) !== 'email'; i++) await page.keyboard.press('Tab');
    await page.keyboard.type(ww.admin.email);
    await page.keyboard.press('Tab');
    await page.keyboard.type(ww.admin.password);
    await page.keyboard.press('Enter');
    await page.getByTestId('conversation-row').nth(1).waitFor();
    await page.mouse.move(1000, 780);
    // ? shows the documented shortcuts; Escape closes them.
    await page.keyboard.press('?');
    await page.getByRole('dialog', { name: 'Keyboard shortcuts' }).waitFor();
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'detached' });

    await page.keyboard.press('j');
    await page.getByTestId('conversation-title').filter({ hasText: 'Beto Dos' }).waitFor();
    await page.keyboard.press('j');
    await page.getByTestId('conversation-title').filter({ hasText: 'Ana Uno' }).waitFor();
    await page.keyboard.press('k');
    await page.getByTestId('conversation-title').filter({ hasText: 'Beto Dos' }).waitFor();
    await page.keyboard.press('j');
    await page.getByTestId('conversation-title').filter({ hasText: 'Ana Uno' }).waitFor();
    await page.keyboard.press('/');
    assert.equal(await page.evaluate('document.activeElement.dataset.testid'), 'search');
    await page.keyboard.press('Escape');
    await page.locator('body').click({ position: { x: 5, y: 300 } });
    await page.keyboard.press('r');
    assert.equal(await page.evaluate('document.activeElement.id'), 'composer-text');

    // Reply-to: the customer sees the quote (WhatsApp's context id).
    await page.getByTestId('message').filter({ hasText: 'primero' }).getByTestId('reply-to').click();
    await page.getByTestId('replying-to').waitFor();
    await page.getByTestId('composer-text').fill('Contestando a tu mensaje');
    await page.keyboard.press('Control+Enter');
    const quoted = await first.waitForMessage((m) => m.text === 'Contestando a tu mensaje', 5000);
    assert.equal(quoted.contextId, inboundWamid);

    // a: assign to me; then a message from the customer while the tab is in the background counts in its title.
    await page.getByTestId('history').click();
    await page.keyboard.press('a');
    const convId = (await w.api('GET', '/api/v1/conversations')).body.data.find((c: any) => c.contact.name === 'Ana Uno').id;
    await waitFor(
      async () => (await w.api('GET', `/api/v1/conversations/${convId}`)).body.assignee !== null,
      3000,
      'assigned by the a key',
    );
    // Headless Chromium keeps every tab visible and focused: the tab is put "in the background" by
    // making document.hasFocus() answer false, which is what the app asks.
    await page.evaluate('document.hasFocus = () => false');
    await first.sendText('¿sigues ahí?');
    await waitFor(async () => (await page.title()).startsWith('(1) '), 5000, 'tab title badge');
    // The browser notification (permission granted); no chime: the sound is off until the user turns it on.
    await waitFor(async () => ((await page.evaluate('window.__notes.length')) as number) === 1, 3000, 'browser notification');
    assert.deepEqual(await page.evaluate('window.__notes[0]'), { title: 'New message from Ana Uno', body: '¿sigues ahí?' });
    assert.equal(await page.evaluate('window.__chimes'), 0, 'no sound by default');
    await page.evaluate('delete document.hasFocus; window.dispatchEvent(new Event("focus"))');
    await waitFor(async () => !(await page.title()).startsWith('('), 3000, 'badge cleared on focus');

    // The sound turned on stays on after a reload; the next message for me chimes.
    await page.getByRole('switch', { name: 'Sound for new messages' }).focus();
    await page.keyboard.press('Space');
    await waitFor(async () => page.getByRole('switch', { name: 'Sound for new messages' }).isChecked(), 3000, 'sound on');
    await page.reload();
    await page.getByTestId('stream-state').and(page.locator('[data-state=live]')).waitFor();
    assert.equal(await page.getByRole('switch', { name: 'Sound for new messages' }).isChecked(), true, 'the sound setting is kept');
    await first.sendText('¿hola?');
    await waitFor(async () => ((await page.evaluate('window.__chimes')) as number) > 0, 5000, 'chime played');
    await page.keyboard.press('c');
    await waitFor(
      async () => (await w.api('GET', `/api/v1/conversations/${convId}`)).body.status === 'closed',
      3000,
      'closed by the c key',
    );
    assert.deepEqual(ww.pageErrors, []);
  });
});
