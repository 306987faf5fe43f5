import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test, type TestContext } from 'node:test';
import type { Browser } from 'playwright-core';
import { graph, send, startReceiver, testSimulator, TOKEN } from './helpers.ts';

const CHROMIUM = '/usr/bin/chromium';

async function launch(t: TestContext): Promise<Browser | undefined> {
  if (!existsSync(CHROMIUM)) {
    t.skip('chromium not installed at /usr/bin/chromium');
    return undefined;
  }
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Chromium, a webhook receiver and a simulator posting to it, closed after the test; undefined when chromium is missing. */
async function phoneWorld(t: TestContext, simOpts: Omit<Parameters<typeof testSimulator>[0], 'webhookUrl'>) {
  const browser = await launch(t);
  if (!browser) return undefined;
  const rcv = await startReceiver();
  const sim = await testSimulator({ webhookUrl: rcv.url, ...simOpts });
  t.after(async () => {
    await browser.close();
    await sim.close();
    await rcv.close();
  });
  const page = await browser.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  return { rcv, sim, page, pageErrors };
}

test('phone page: a typed message reaches the webhook; a Graph reply shows up with live ticks; buttons answer', async (t) => {
  const world = await phoneWorld(t, { statusDelaysMs: { sent: 30, delivered: 80, read: 150 }, readProbability: 0 });
  if (!world) return;
  const { rcv, sim, page, pageErrors } = world;
  await page.goto(sim.phonePageUrl);

  await page.fill('#wa-id', '+1 650 555 1234');
  await page.fill('#profile-name', 'Pat <b>Page</b>');
  await page.click('#open-chat');
  await page.waitForSelector('body[data-chat="16505551234"]');
  await page.fill('#text', 'Hello from the phone 👋 <script>x</script>');
  await page.click('#send');

  const inbound = await rcv.waitFor(() => rcv.messages().find((m) => m.type === 'text'), 5000, 'the typed message');
  assert.equal(inbound.text.body, 'Hello from the phone 👋 <script>x</script>');
  assert.equal(inbound.from, '16505551234');
  const envelope = rcv.received.find((w) => w.json.entry[0].changes[0].value.messages)!;
  assert.ok(envelope.signatureOk, 'signed with the app secret');
  assert.deepEqual(envelope.json.entry[0].changes[0].value.contacts, [
    { profile: { name: 'Pat <b>Page</b>' }, wa_id: '16505551234', user_id: sim.customer('16505551234').userId },
  ]);
  const mine = page.locator(`.msg[data-wamid="${inbound.id}"]`);
  await mine.waitFor();
  assert.equal(await mine.locator('div').first().textContent(), 'Hello from the phone 👋 <script>x</script>', 'shown as text, not HTML');

  // The business marks it read: the customer's message gets blue ticks.
  await send(sim, { to: '16505551234', status: 'read', message_id: inbound.id });
  await page.waitForSelector(`.msg[data-wamid="${inbound.id}"] .ticks[data-status="read"]`);

  // Record every tick change on the page, so the test does not race the status delays.
  await page.evaluate(`window.__ticks = [];
    const note = (t) => t.closest('.msg') && window.__ticks.push({ wamid: t.closest('.msg').dataset.wamid, status: t.dataset.status });
    new MutationObserver((ms) => { for (const m of ms) {
      if (m.type === 'attributes') note(m.target);
      else for (const n of m.addedNodes) if (n.querySelectorAll) n.querySelectorAll('.ticks').forEach(note);
    } }).observe(document.getElementById('messages'), { subtree: true, childList: true, attributes: true, attributeFilter: ['data-status'] });`);
  // The business replies with buttons; the open chat reads it, ticks go sent → delivered → read.
  const r = await send(sim, {
    to: '16505551234',
    type: 'interactive',
    interactive: {
      type: 'button',
      header: { type: 'text', text: 'Workshop' },
      body: { text: 'Your workshop is at 9am. Reschedule?' },
      footer: { text: 'Lucky Shrub' },
      action: {
        buttons: [
          { type: 'reply', reply: { id: 'change-button', title: 'Change' } },
          { type: 'reply', reply: { id: 'cancel-button', title: 'Cancel' } },
        ],
      },
    },
  });
  assert.equal(r.status, 200);
  const wamid = r.json.messages[0].id;
  const bubble = page.locator(`.msg[data-wamid="${wamid}"]`);
  await bubble.waitFor();
  assert.match((await bubble.textContent()) ?? '', /Your workshop is at 9am\. Reschedule\?/);
  await page.waitForSelector(`.msg[data-wamid="${wamid}"] .ticks[data-status="read"]`, { timeout: 5000 });
  const seen: string[] = await page.evaluate(`window.__ticks.filter((t) => t.wamid === ${JSON.stringify(wamid)}).map((t) => t.status)`);
  assert.equal(seen.at(-1), 'read', `ticks reached read (saw ${seen})`);
  assert.ok(
    seen.length > 1 && seen.slice(0, -1).every((s) => ['accepted', 'sent', 'delivered'].includes(s)),
    `ticks updated live before read (saw ${seen})`,
  );
  await rcv.waitFor(() => rcv.statuses().find((s) => s.id === wamid && s.status === 'read'), 3000, 'read status webhook');

  // Tapping a reply button sends a button_reply with context.
  await bubble.locator('button[data-action="button-reply"][data-button-id="cancel-button"]').click();
  const tap = await rcv.waitFor(() => rcv.messages().find((m) => m.type === 'interactive'), 3000, 'button reply');
  assert.deepEqual(tap.interactive, { type: 'button_reply', button_reply: { id: 'cancel-button', title: 'Cancel' } });
  assert.deepEqual(tap.context, { from: sim.displayPhoneNumber, id: wamid });

  // A list: open it and pick a row.
  const list = await send(sim, {
    to: '16505551234',
    type: 'interactive',
    interactive: {
      type: 'list',
      body: { text: 'Shipping?' },
      action: { button: 'Options', sections: [{ title: 'Fast', rows: [{ id: 'express', title: 'Express', description: 'Next day' }] }] },
    },
  });
  const listBubble = page.locator(`.msg[data-wamid="${list.json.messages[0].id}"]`);
  await listBubble.locator('button[data-action="open-list"]').click();
  await listBubble.locator('button[data-row-id="express"]').click();
  const row = await rcv.waitFor(() => rcv.messages().find((m) => m.interactive?.type === 'list_reply'), 3000, 'list reply');
  assert.equal(row.interactive.list_reply.title, 'Express');

  // A photo picked on the page lands in the media store; the business downloads the same bytes.
  const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==', 'base64');
  await page.click('#attach-toggle');
  await page.setInputFiles('#file', { name: 'dot.png', mimeType: 'image/png', buffer: png });
  await page.fill('#caption', 'a tiny dot');
  await page.click('#send-file');
  const photo = await rcv.waitFor(() => rcv.messages().find((m) => m.type === 'image'), 3000, 'image message');
  assert.equal(photo.image.caption, 'a tiny dot');
  assert.equal(photo.image.mime_type, 'image/png');
  const info = await graph(sim, 'GET', `/v21.0/${photo.image.id}`);
  const bytes = Buffer.from(await (await fetch(info.json.url, { headers: { authorization: `Bearer ${TOKEN}` } })).arrayBuffer());
  assert.deepEqual(bytes, png);
  await page.locator(`.msg[data-wamid="${photo.id}"] img.media`).waitFor();
  assert.deepEqual(pageErrors, []);
});

test('phone page: a person sends every inbound type; delivered ticks wait until the chat is seen', async (t) => {
  const world = await phoneWorld(t, {
    readProbability: 0,
    seedTemplates: [
      {
        name: 'spring_offer',
        language: 'en',
        category: 'MARKETING',
        components: [
          { type: 'BODY', text: 'Do you want the spring offer?' },
          {
            type: 'BUTTONS',
            buttons: [
              { type: 'QUICK_REPLY', text: 'Yes please' },
              { type: 'QUICK_REPLY', text: 'No thanks' },
            ],
          },
        ],
      },
    ],
  });
  if (!world) return;
  const { rcv, sim, page, pageErrors } = world;
  await page.goto(`${sim.phonePageUrl}&wa_id=16505552222&name=Page%20Pia`);
  await page.waitForSelector('body[data-chat="16505552222"]');
  const next = async (type: string) => {
    const before = rcv.messages().length;
    return rcv.waitFor(
      () =>
        rcv
          .messages()
          .slice(before)
          .find((m) => m.type === type),
      5000,
      `a ${type} message from the page`,
    );
  };

  let m = next('text');
  await page.fill('#text', 'hi');
  await page.click('#send');
  const first = await m;

  await page.click('#attach-toggle');
  const file = async (name: string, mimeType: string, opts: { voice?: boolean; caption?: string } = {}) => {
    await page.setInputFiles('#file', { name, mimeType, buffer: Buffer.from(`${name} bytes`) });
    await page.setChecked('#voice', opts.voice ?? false);
    await page.fill('#caption', opts.caption ?? '');
    await page.click('#send-file');
  };
  m = next('audio');
  await file('note.ogg', 'audio/ogg', { voice: true });
  assert.equal((await m).audio.voice, true);
  m = next('video');
  await file('clip.mp4', 'video/mp4', { caption: 'a clip' });
  assert.equal((await m).video.caption, 'a clip');
  m = next('document');
  await file('menu.pdf', 'application/pdf', { caption: 'the menu' });
  assert.deepEqual([(await m).document.filename], ['menu.pdf']);
  m = next('sticker');
  await file('smile.webp', 'image/webp');
  assert.equal((await m).sticker.mime_type, 'image/webp');

  m = next('location');
  await page.fill('#lat', '37.44');
  await page.fill('#lng', '-122.16');
  await page.fill('#loc-name', 'Philz');
  await page.click('#send-location');
  assert.deepEqual((await m).location, { latitude: 37.44, longitude: -122.16, name: 'Philz' });
  m = next('contacts');
  await page.fill('#contact-name', 'Chandler Bing');
  await page.fill('#contact-phone', '+1 555 555 5555');
  await page.click('#send-contact');
  assert.equal((await m).contacts[0].name.formatted_name, 'Chandler Bing');

  // Hidden tab: the business message stops at delivered; showing the chat reads it.
  // Strings, not functions: tsx's helpers do not exist inside the page.
  await page.evaluate("Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' })");
  const tpl = await send(sim, { to: '16505552222', type: 'template', template: { name: 'spring_offer', language: { code: 'en' } } });
  const wamid = tpl.json.messages[0].id;
  const bubble = page.locator(`.msg[data-wamid="${wamid}"]`);
  await page.waitForSelector(`.msg[data-wamid="${wamid}"] .ticks[data-status="delivered"]`);
  assert.equal(await bubble.locator('.ticks').textContent(), '✓✓');
  await page.evaluate(
    "Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'visible' }); document.dispatchEvent(new Event('visibilitychange'))",
  );
  await page.waitForSelector(`.msg[data-wamid="${wamid}"] .ticks[data-status="read"]`);
  await rcv.waitFor(() => rcv.statuses().find((s) => s.id === wamid && s.status === 'read'), 3000, 'read status');

  m = next('button');
  await bubble.locator('button[data-action="template-button"][data-payload="No thanks"]').click();
  assert.deepEqual([(await m).button, (await m).context.id], [{ payload: 'No thanks', text: 'No thanks' }, wamid]);

  m = next('reaction');
  await bubble.hover();
  await bubble.locator('button[data-action="react"][data-emoji="👍"]').click();
  assert.deepEqual((await m).reaction, { message_id: wamid, emoji: '👍' });

  m = next('text');
  await page.locator(`.msg[data-wamid="${first.id}"] button[data-action="reply"]`).click();
  await page.fill('#text', 'quoting my first message');
  await page.click('#send');
  assert.deepEqual((await m).context, { from: '16505552222', id: first.id });

  for (const w of rcv.received) assert.ok(w.signatureOk);
  assert.deepEqual(pageErrors, []);
});

test('phone page: the token link is needed, the address bar drops it, and "Skip ahead" moves the clock (the 24-hour window closes)', async (t) => {
  const world = await phoneWorld(t, {});
  if (!world) return;
  const { sim, page, pageErrors } = world;

  // Without the link's token the page loads but the test API refuses it, and the page says why.
  await page.goto(`${sim.url}/phone`);
  await page.waitForSelector('#status-line.bad');
  assert.match((await page.textContent('#status-line')) ?? '', /test token/);

  // A rebound host name reaches nothing.
  const rebound = await page.request.get(`${sim.url}/phone`, { headers: { host: 'rebind.example' } });
  assert.equal(rebound.status(), 421);

  await sim.customer('16505553333', 'Win').sendText('hi');
  await page.goto(`${sim.phonePageUrl}&wa_id=16505553333&name=Win`);
  await page.waitForSelector('body[data-chat="16505553333"]');
  assert.equal(new URL(page.url()).searchParams.get('token'), null, 'the token is not left in the address bar');
  // Locator waits, not waitForFunction strings: the page's CSP (script-src 'self') forbids the eval those need.
  await page.locator('#known', { hasText: 'window open' }).waitFor();

  const before = sim.now();
  await page.fill('#skip-hours', '25');
  await page.click('#skip');
  await page.locator('#status-line', { hasText: /^Skipped 25 h/ }).waitFor();
  assert.match((await page.textContent('#status-line')) ?? '', /the simulator's clock only/);
  assert.ok(sim.now() - before >= 25 * 3_600_000);
  await page.locator('#known', { hasText: 'window open' }).waitFor({ state: 'detached' });

  // Outside the window a business text fails with 131047, and the page shows it failed.
  const r = await send(sim, { to: '16505553333', type: 'text', text: { body: 'too late' } });
  await page.waitForSelector(`.msg[data-wamid="${r.json.messages[0].id}"] .ticks[data-status="failed"]`, { timeout: 3000 });
  assert.deepEqual(pageErrors, []);
});
