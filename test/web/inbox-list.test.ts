import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forEachDialect } from '../support/dialects.ts';
import { waitFor } from '../support/wait-for.ts';
import { LAPTOP, signIn, startWebWorld } from './web-world.ts';

const HOUR = 3600_000;

forEachDialect('web app: the inbox list and the history', (dialect) => {
  test('filters (view, label, unread, search, status) kept in the URL; rows hold still under the pointer while new activity waits behind a button; the window countdown under 2 hours; older history loads on scrolling up', async (t) => {
    const ww = await startWebWorld(t, dialect);
    if (!ww) return;
    const { w } = ww;
    const ana = w.sim.customer('5215512340031', 'Ana Filtro');
    const bruno = w.sim.customer('5215512340032', 'Bruno Filtro');
    const carla = w.sim.customer('5215512340033', 'Carla Filtro');
    await ana.sendText('hola desde Ana');
    await bruno.sendText('hola desde Bruno');
    for (let i = 1; i <= 60; i++) await carla.sendText(`mensaje ${i}`);
    await w.settle();
    const list = (await w.api('GET', '/api/v1/conversations')).body.data;
    const idOf = (name: string) => list.find((c: any) => c.contact.name === name).id;
    const adminId = (await w.api('GET', '/api/v1/users')).body.data.find((u: any) => u.email === ww.admin.email).id;
    assert.equal((await w.api('POST', `/api/v1/conversations/${idOf('Ana Filtro')}/assign`, { user_id: adminId })).status < 300, true);
    assert.equal((await w.api('PUT', `/api/v1/conversations/${idOf('Bruno Filtro')}/labels/vip`)).status < 300, true);
    assert.equal((await w.api('POST', `/api/v1/conversations/${idOf('Bruno Filtro')}/read`)).status < 300, true);

    const page = await ww.page(LAPTOP);
    await signIn(page, ww.url, ww.admin);
    const rows = page.getByTestId('conversation-row');
    const names = async () => (await rows.getByTestId('row-name').allTextContents()).sort();
    const shows = (expected: string[], what: string) =>
      waitFor(async () => JSON.stringify(await names()) === JSON.stringify(expected), 5000, what);
    await shows(['Ana Filtro', 'Bruno Filtro', 'Carla Filtro'], 'all three');
    await page.mouse.move(1000, 780);
    const pick = async (testId: string, option: string) => {
      await page.getByTestId(testId).click();
      await page.getByRole('option', { name: option, exact: true }).click();
    };

    await pick('filter-view', 'Mine');
    await shows(['Ana Filtro'], 'mine');
    assert.match(page.url(), /view=mine/);
    await page.reload();
    await shows(['Ana Filtro'], 'mine after a reload (the filter is in the URL)');
    await pick('filter-view', 'Unassigned');
    await shows(['Bruno Filtro', 'Carla Filtro'], 'unassigned');
    await pick('filter-view', 'All');
    await pick('filter-label', 'vip');
    await shows(['Bruno Filtro'], 'label vip');
    await pick('filter-label', 'Any label');
    await page.getByTestId('filter-unread').click();
    await shows(['Ana Filtro', 'Carla Filtro'], 'unread only');
    await page.getByTestId('filter-unread').click();
    await page.getByTestId('search').fill('Carla');
    await shows(['Carla Filtro'], 'search');
    await page.getByTestId('search').fill('');
    await shows(['Ana Filtro', 'Bruno Filtro', 'Carla Filtro'], 'search cleared');
    assert.equal((await w.api('PATCH', `/api/v1/conversations/${idOf('Ana Filtro')}`, { status: 'closed' })).status, 200);
    await shows(['Bruno Filtro', 'Carla Filtro'], 'a closed one leaves the open list live');
    await pick('filter-status', 'Closed');
    await shows(['Ana Filtro'], 'closed');
    await pick('filter-status', 'Open');
    await shows(['Bruno Filtro', 'Carla Filtro'], 'open again');

    // Under the pointer the rows keep their places; the newcomer waits behind "New activity".
    const firstBefore = await rows.first().getAttribute('data-conversation-id');
    await rows.first().hover();
    await w.sim.customer('5215512340034', 'Diego Nuevo').sendText('acabo de escribir');
    await page.getByTestId('held-updates').filter({ hasText: 'New activity: 1' }).waitFor({ timeout: 5000 });
    assert.equal(await rows.filter({ hasText: 'Diego Nuevo' }).count(), 0, 'not inserted under the pointer');
    assert.equal(await rows.first().getAttribute('data-conversation-id'), firstBefore);
    await page.getByTestId('held-updates').click();
    await rows.first().filter({ hasText: 'Diego Nuevo' }).waitFor();

    // The history: 50 messages first, older ones as the agent scrolls up; a day separator.
    await rows.filter({ hasText: 'Carla Filtro' }).click();
    const history = page.getByTestId('history');
    const message = (n: number) => history.getByTestId('message').filter({ hasText: new RegExp(`^mensaje ${n}\\D`) });
    await message(60).waitFor();
    assert.equal(await message(1).count(), 0, 'older messages not loaded yet');
    await history.getByText('Today').first().waitFor();
    await history.evaluate((el) => {
      el.scrollTop = 0;
    });
    await message(1).waitFor({ timeout: 5000 });
    await history.getByText('The start of the conversation').waitFor();
    // Every type the API stores, as the customer sent it: formatting and links, media (customer files
    // from GET /api/v1/media/:id), location with a map link, a contact card; an agent and a note told apart.
    const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
    await bruno.sendText('*importante* _urgente_ ~viejo~ https://example.com/pedido');
    await bruno.sendImage(PNG, { mimeType: 'image/png', caption: 'foto del equipo' });
    await bruno.sendAudio(Buffer.from('OggS voice'), { voice: true });
    await bruno.sendDocument(Buffer.from('%PDF-1.7'), { filename: 'factura.pdf', mimeType: 'application/pdf' });
    await bruno.sendLocation({ latitude: 19.43, longitude: -99.13, name: 'Oficina' });
    await bruno.sendContacts([
      { name: { formatted_name: 'Chandler Bing' }, phones: [{ phone: '+1 555-555-5555', wa_id: '15555555555', type: 'CELL' }] },
    ]);
    await w.settle();
    await rows.filter({ hasText: 'Bruno Filtro' }).click();
    await page.getByTestId('conversation-title').filter({ hasText: 'Bruno Filtro' }).waitFor();
    const bubbles = page.getByTestId('message');
    const formatted = bubbles.filter({ hasText: 'importante' });
    await formatted.locator('strong', { hasText: 'importante' }).waitFor();
    await formatted.locator('em', { hasText: 'urgente' }).waitFor();
    await formatted.locator('s, del', { hasText: 'viejo' }).first().waitFor();
    assert.equal(await formatted.locator('a[href="https://example.com/pedido"]').getAttribute('rel'), 'noopener noreferrer');
    const photo = bubbles.filter({ hasText: 'foto del equipo' }).locator('img');
    assert.match((await photo.getAttribute('src')) ?? '', /^\/api\/v1\/media\/msg_/);
    assert.equal((await page.request.get(`${ww.url}${await photo.getAttribute('src')}`)).status(), 200, 'the customer file downloads');
    await page.getByTestId('history').locator('audio[controls]').waitFor({ state: 'attached' });
    assert.equal(await bubbles.filter({ hasText: 'factura.pdf' }).locator('a[download]').count(), 1, 'the document downloads');
    assert.match(
      (await bubbles.filter({ hasText: 'Oficina' }).getByRole('link', { name: 'Open in map' }).getAttribute('href')) ?? '',
      /openstreetmap\.org\/\?mlat=19\.43&mlon=-99\.13/,
    );
    await bubbles.filter({ hasText: 'Chandler Bing' }).filter({ hasText: '+1 555-555-5555' }).waitFor();
    assert.equal(
      (await w.api('POST', `/api/v1/conversations/${idOf('Bruno Filtro')}/messages`, { text: 'respuesta del agente' })).status,
      202,
    );
    assert.equal((await w.api('POST', `/api/v1/conversations/${idOf('Bruno Filtro')}/notes`, { text: 'nota interna' })).status, 201);
    await bubbles.filter({ hasText: 'respuesta del agente' }).and(page.locator('[data-direction=out]')).waitFor();
    await page.getByTestId('note').filter({ hasText: 'nota interna' }).waitFor();
    assert.equal(await bubbles.filter({ hasText: 'foto del equipo' }).getAttribute('data-author'), 'customer');

    // Last, 22.5 hours later on the server's clock (the browser's stays): the countdown shows on the
    // rows (under 2 hours left), dated by the server_time GET /api/v1/auth/me gives.
    w.sim.advanceTime(22.5 * HOUR);
    const serverTime = Date.parse((await w.api('GET', '/api/v1/auth/me')).body.server_time);
    assert.ok(Math.abs(serverTime - w.clock.now()) < 5000, 'server_time is the server clock');
    await page.reload();
    await rows
      .filter({ hasText: 'Carla Filtro' })
      .getByText(/Window closes in 1 h (29|30) min/)
      .waitFor();

    assert.deepEqual(ww.pageErrors, []);
  });
});
