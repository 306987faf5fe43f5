import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startTelegramSimulator } from '../../src/simulator/telegram/index.ts';
import { forEachDialect } from '../support/dialects.ts';
import { waitFor } from '../support/wait-for.ts';
import { LAPTOP, PHONE, signIn, startWebWorld } from './web-world.ts';

const HOUR = 3600_000;
const MB = 1024 * 1024;

// Both channels in one inbox (issue 20): the Telegram simulator posts to Switchboard's webhook
// beside the WhatsApp simulator, and a real Chromium works the inbox.
forEachDialect('web app: Telegram and WhatsApp in one inbox', (dialect) => {
  test('a Telegram customer appears with its badge; the channel filter narrows the list (kept in the URL); no 24-hour window or template picker on Telegram; the reply reaches the Telegram user', async (t) => {
    const tg = await startTelegramSimulator({ retryDelaysMs: [50] });
    t.after(() => tg.close());
    const ww = await startWebWorld(t, dialect, {
      config: {
        telegram: {
          bots: [{ botToken: tg.botToken, webhookSecret: 'web_tg_secret_1', apiUrl: tg.url, mode: 'webhook', throughputPerSecond: 30 }],
          simulator: { enabled: false, port: 0 },
        },
      },
    });
    if (!ww) return;
    const { w } = ww;
    await w.sim.customer('5215512340051', 'Wendy WhatsApp').sendText('hola por WhatsApp');
    const tess = tg.user({ first_name: 'Tess', last_name: 'Telegram' });
    tess.send('hello from Telegram');
    await tg.drain();
    await w.settle();
    // Two days later: WhatsApp's window has closed; Telegram has none.
    w.clock.advance(48 * HOUR);

    const page = await ww.page(LAPTOP);
    await signIn(page, ww.url, ww.admin);
    const rows = page.getByTestId('conversation-row');
    const row = (name: string) => rows.filter({ hasText: name });
    const names = async () => (await rows.getByTestId('row-name').allTextContents()).sort();
    const shows = (expected: string[], what: string) =>
      waitFor(async () => JSON.stringify(await names()) === JSON.stringify(expected), 5000, what);
    await shows(['Tess Telegram', 'Wendy WhatsApp'], 'both channels in one list');

    // Each row names its channel for screen readers (the mark's accessible name) and by colour.
    assert.equal(await row('Tess Telegram').getByTestId('channel-badge').getAttribute('data-channel'), 'telegram');
    await row('Tess Telegram').getByRole('img', { name: 'On Telegram' }).waitFor();
    await row('Wendy WhatsApp').getByRole('img', { name: 'On WhatsApp' }).waitFor();
    // The window's tag only where there is a window.
    await row('Wendy WhatsApp').getByText('Window closed').waitFor();
    assert.equal(await row('Tess Telegram').getByText('Window closed').count(), 0);

    await page.mouse.move(1000, 780);
    const pick = async (option: string) => {
      await page.getByTestId('filter-channel').click();
      await page.getByRole('option', { name: option, exact: true }).click();
    };
    await pick('Telegram');
    await shows(['Tess Telegram'], 'Telegram only');
    assert.match(page.url(), /channel=telegram/);
    await page.reload();
    await shows(['Tess Telegram'], 'Telegram only after a reload (the filter is in the URL)');
    await pick('WhatsApp');
    await shows(['Wendy WhatsApp'], 'WhatsApp only');
    await pick('All channels');
    await shows(['Tess Telegram', 'Wendy WhatsApp'], 'every channel again');
    assert.doesNotMatch(page.url(), /channel=/);

    // WhatsApp, 48 h on: the composer is the template picker.
    await row('Wendy WhatsApp').click();
    await page.getByTestId('template-picker').waitFor();
    await page.getByTestId('window-state').filter({ hasText: 'Window closed' }).waitFor();

    // Telegram, 48 h on: the header names the channel, no window badge, the plain composer.
    await row('Tess Telegram').click();
    const conversation = page.getByTestId('conversation');
    await conversation.getByTestId('conversation-title').filter({ hasText: 'Tess Telegram' }).waitFor();
    await conversation.getByRole('img', { name: 'On Telegram' }).waitFor();
    assert.equal(await conversation.getByTestId('window-state').count(), 0);
    assert.equal(await page.getByTestId('template-picker').count(), 0);
    // The bot takes uploads (capabilities.uploads): the paperclip is there (checked below).
    assert.equal(await page.getByTestId('composer').locator('input[type=file]').count(), 1);
    await page.getByTestId('composer-text').fill('Hi Tess, <b>we</b> got it & we are on it');
    await page.getByTestId('composer-send').click();
    const sent = await tg.waitForSent((s) => s.method === 'sendMessage' && s.params.chat_id === tess.id, 10_000);
    assert.equal(sent.params.text, 'Hi Tess, &lt;b&gt;we&lt;/b&gt; got it &amp; we are on it');
    await page.getByTestId('history').getByText('Hi Tess, <b>we</b> got it & we are on it').waitFor();
    assert.equal(await page.getByTestId('template-picker').count(), 0, 'still no template picker after sending');

    // A file through the paperclip: kept by Switchboard, then posted to the Bot API as multipart with the message.
    const pdf = Buffer.from('%PDF-1.4\n% terms for Tess\n%%EOF\n');
    await page
      .getByTestId('composer')
      .locator('input[type=file]')
      .setInputFiles({ name: 'terms.pdf', mimeType: 'application/pdf', buffer: pdf });
    const doc = await tg.waitForSent((s) => s.method === 'sendDocument' && s.params.chat_id === String(tess.id), 10_000);
    assert.deepEqual(doc.upload && { ...doc.upload, file_id: 'x' }, {
      field: 'document',
      file_id: 'x',
      filename: 'terms.pdf',
      mime_type: 'application/pdf',
      size: pdf.length,
    });

    // The composer checks Telegram's sizes here (capabilities.upload_limits), not WhatsApp's: a photo
    // over the Bot API's 10 MB is refused before any upload; a 6 MB one (over WhatsApp's 5 MB) goes.
    const uploads: string[] = [];
    page.on('request', (r) => new URL(r.url()).pathname === '/api/v1/media' && uploads.push(r.method()));
    const fileInput = page.getByTestId('composer').locator('input[type=file]');
    await fileInput.setInputFiles({ name: 'huge.png', mimeType: 'image/png', buffer: Buffer.alloc(10 * MB + 1, 1) });
    await page.getByRole('alert').filter({ hasText: 'huge.png is too big: 10 MB at most' }).waitFor();
    assert.deepEqual(uploads, [], 'nothing uploaded for a refused file');
    await fileInput.setInputFiles({ name: 'six.png', mimeType: 'image/png', buffer: Buffer.alloc(6 * MB, 1) });
    const photo = await tg.waitForSent((s) => s.method === 'sendPhoto' && s.params.chat_id === String(tess.id), 10_000);
    assert.equal(photo.upload?.size, 6 * MB);
    assert.deepEqual(uploads, ['POST']);

    // A new Telegram customer shows up live with the badge, also on a phone.
    const phone = await ww.page(PHONE);
    await signIn(phone, ww.url, ww.admin);
    await phone.getByTestId('stream-state').and(phone.locator('[data-state=live]')).waitFor();
    // Pointers off the lists (over a list, new rows wait behind "New activity").
    await phone.mouse.move(100, 27);
    await page.mouse.move(1000, 780);
    const theo = tg.user({ first_name: 'Theo' });
    theo.send('a new one');
    await tg.drain();
    await phone
      .getByTestId('conversation-row')
      .filter({ hasText: 'Theo' })
      .getByRole('img', { name: 'On Telegram' })
      .waitFor({ timeout: 10_000 });
    await row('Theo').getByRole('img', { name: 'On Telegram' }).waitFor({ timeout: 10_000 });
    assert.deepEqual(ww.pageErrors, []);
  });
});
