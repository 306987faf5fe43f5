import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forEachDialect } from '../support/dialects.ts';
import { waitFor } from '../support/wait-for.ts';
import { LAPTOP, signIn, startWebWorld } from './web-world.ts';

// A 1×1 PNG: a real image the API and the simulator accept.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');

forEachDialect('web app: the composer, the actions menu and the side panel', (dialect) => {
  test('emoji, attachments checked before upload, a reaction under its message, the type icon; assign to an agent and a team, hand off, unassign; archive, reopen, close; link and unlink a record; the contact panel', async (t) => {
    const ww = await startWebWorld(t, dialect);
    if (!ww) return;
    const { w } = ww;
    const ben = await ww.user({ email: 'ben@example.com', name: 'Ben Agent', role: 'agent' });
    const soporte = (await w.api('POST', '/api/v1/teams', { name: 'Soporte' })).body;
    const customer = w.sim.customer('5215512340021', 'Marta Gil');
    await customer.sendText('Hola, tengo una duda');
    await w.settle();
    const convId = (await w.api('GET', '/api/v1/conversations')).body.data[0].id;
    const contactId = (await w.api('GET', `/api/v1/conversations/${convId}`)).body.contact.id;
    // The contact's consent history and block state, recorded through the API.
    assert.equal((await w.api('POST', `/api/v1/contacts/${contactId}/opt-in`, { source: 'web_form' })).status, 200);
    assert.equal((await w.api('POST', `/api/v1/contacts/${contactId}/opt-out`, { source: 'whatsapp' })).status, 200);
    assert.equal((await w.api('POST', `/api/v1/contacts/${contactId}/block`)).status < 300, true);
    const conv = async () => (await w.api('GET', `/api/v1/conversations/${convId}`)).body;

    const page = await ww.page(LAPTOP);
    await signIn(page, ww.url, ww.admin);
    await page.getByTestId('conversation-row').filter({ hasText: 'Marta Gil' }).click();
    await page.getByTestId('conversation-title').filter({ hasText: 'Marta Gil' }).waitFor();

    // The contact panel: name, E.164 number, opt-in state with its history, blocked.
    const contact = page.getByTestId('contact-panel');
    await contact.getByText('+5215512340021').waitFor();
    await contact.getByTestId('opt-in-state').and(page.locator('[data-state=opted_out]')).filter({ hasText: 'Opted out' }).waitFor();
    assert.equal(await contact.getByTestId('opt-in-history').count(), 2);
    assert.match((await contact.getByTestId('opt-in-history').first().textContent()) ?? '', /Opted out · whatsapp/);
    assert.match((await contact.getByTestId('opt-in-history').last().textContent()) ?? '', /Opted in · web_form/);
    await contact.getByTestId('blocked-state').and(page.locator('[data-blocked=true]')).filter({ hasText: 'Yes' }).waitFor();
    assert.equal((await w.api('POST', `/api/v1/contacts/${contactId}/unblock`)).status < 300, true);

    // Emoji: picked from the composer's picker, sent inside the text.
    await page.getByTestId('composer-text').fill('Claro ');
    await page.getByTestId('emoji-button').click();
    await page.getByTestId('emoji-picker').getByRole('button', { name: '👍' }).click();
    assert.equal(await page.getByTestId('composer-text').inputValue(), 'Claro 👍');
    await page.getByTestId('composer-send').click();
    const sent = await customer.waitForMessage((m) => m.text === 'Claro 👍', 5000);

    // The customer's reaction shows under the message it reacts to (not as a message of its own).
    await customer.react(sent.wamid, '❤️');
    const liked = page.getByTestId('message').filter({ hasText: 'Claro 👍' });
    await liked.getByTestId('reactions').filter({ hasText: '❤️' }).waitFor({ timeout: 5000 });
    assert.equal(await page.getByTestId('message').filter({ hasText: 'Reacted' }).count(), 0);

    // Attachments: type and size are checked before anything is uploaded; a PNG reaches the customer.
    const uploads: string[] = [];
    // The upload names the conversation's channel (?channel_id=): media ids are per channel.
    page.on('request', (r) => new URL(r.url()).pathname === '/api/v1/media' && uploads.push(r.method()));
    const fileInput = page.locator('input[type=file]');
    await fileInput.setInputFiles({ name: 'anim.gif', mimeType: 'image/gif', buffer: Buffer.from('GIF89a') });
    await page.getByRole('alert').filter({ hasText: 'anim.gif: this file type cannot be sent on WhatsApp.' }).waitFor();
    await fileInput.setInputFiles({ name: 'huge.png', mimeType: 'image/png', buffer: Buffer.alloc(5 * 1024 * 1024 + 1) });
    await page.getByRole('alert').filter({ hasText: 'huge.png is too big: 5 MB at most' }).waitFor();
    assert.deepEqual(uploads, [], 'nothing uploaded for a refused file');
    await page.getByTestId('composer-text').fill('El plano');
    await fileInput.setInputFiles({ name: 'plano.png', mimeType: 'image/png', buffer: PNG });
    const image = await customer.waitForMessage((m) => m.type === 'image', 5000);
    assert.equal(image.body.image.caption, 'El plano');
    assert.deepEqual(uploads, ['POST']);
    // Our own photo previews like a customer's: GET /api/v1/media/:id fetches the upload back from WhatsApp.
    const sentPhoto = page.getByTestId('message').filter({ hasText: 'El plano' }).locator('img');
    await sentPhoto.waitFor();
    assert.match((await sentPhoto.getAttribute('src')) ?? '', /^\/api\/v1\/media\/msg_/);
    await waitFor(
      async () => (await sentPhoto.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)) === 1,
      5000,
      'the sent photo loaded',
    );
    assert.equal(await page.getByTestId('message').filter({ hasText: 'El plano' }).getByTestId('media-placeholder').count(), 0);
    // The list row shows the last message's type (GET /conversations carries last_message_type).
    await page
      .getByTestId('conversation-row')
      .filter({ hasText: 'Marta Gil' })
      .locator('[data-testid=row-type][data-type=image]')
      .waitFor();

    // Assign to an agent, to a team; unassign; hand off (the bot is paused for a person).
    await page.getByTestId('conversation-actions').click();
    await page.getByTestId('assign-team-Soporte').click();
    await waitFor(async () => (await conv()).team?.id === soporte.id, 3000, 'assigned to Soporte');
    // Ben is not in Soporte: assigning him takes the conversation out of the team (the API would refuse otherwise).
    await page.getByTestId('conversation-actions').click();
    await page.getByTestId('assign-user-ben@example.com').click();
    await waitFor(async () => (await conv()).assignee?.id === ben.id, 3000, 'assigned to Ben');
    await page.getByTestId('conversation-actions').click();
    await page.getByTestId('unassign').click();
    await waitFor(async () => (await conv()).assignee === null, 3000, 'unassigned');
    await page.getByTestId('conversation-actions').click();
    await page.getByTestId('handoff').click();
    await waitFor(async () => (await conv()).bot.paused === true, 3000, 'handed off: bot paused');

    // Status: archive, reopen, close (each from the menu, the header badge follows).
    await page.getByTestId('conversation-actions').click();
    await page.getByTestId('archive-conversation').click();
    await waitFor(async () => (await conv()).status === 'archived', 3000, 'archived');
    await page.getByTestId('conversation').getByText('Archived', { exact: true }).waitFor();
    await page.getByTestId('conversation-actions').click();
    await page.getByTestId('reopen-conversation').click();
    await waitFor(async () => (await conv()).status === 'active', 3000, 'reopened');

    // Link an external record: the API's error under the field first, then the record and its attributes in the panel; unlink.
    await page.getByTestId('link-record').click();
    await page.getByTestId('record-form').getByRole('button', { name: 'Save' }).click();
    await page.getByTestId('record-form').locator('.mantine-InputWrapper-error').first().waitFor();
    await page.getByTestId('record-form').getByLabel('Record type').fill('order');
    await page.getByTestId('record-form').getByLabel('Record id').fill('ORD-42');
    await page.getByTestId('record-form').getByLabel('Title', { exact: true }).fill('Pedido 42');
    await page.getByTestId('record-form').getByRole('button', { name: 'Save' }).click();
    await waitFor(async () => (await conv()).linked_record?.id === 'ORD-42', 3000, 'linked');
    // Attributes come from the integration (PUT .../link); the panel shows them.
    assert.equal(
      (
        await w.api('PUT', `/api/v1/conversations/${convId}/link`, {
          type: 'order',
          id: 'ORD-42',
          title: 'Pedido 42',
          attributes: { total: '1,250 MXN', estado: 'enviado' },
        })
      ).status,
      200,
    );
    await page.reload();
    const record = page.getByTestId('linked-record');
    await record.getByText('Pedido 42').waitFor();
    await record.getByRole('row').filter({ hasText: 'estado' }).filter({ hasText: 'enviado' }).waitFor();
    await page.getByTestId('conversation-row').filter({ hasText: 'Pedido 42' }).waitFor();
    await record.getByRole('button', { name: 'Unlink' }).click();
    await waitFor(async () => (await conv()).linked_record === null, 3000, 'unlinked');
    await page.getByTestId('link-record').waitFor();

    await page.getByTestId('conversation-actions').click();
    await page.getByTestId('close-conversation').click();
    await waitFor(async () => (await conv()).status === 'closed', 3000, 'closed');
    assert.deepEqual(ww.pageErrors, []);
  });
});
