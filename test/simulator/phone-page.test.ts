import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { graph, send, startReceiver, testSimulator, TOKEN } from './helpers.ts';

const CHROMIUM = '/usr/bin/chromium';

test('phone page: a typed message reaches the webhook; a Graph reply shows up with live ticks; buttons answer', async (t) => {
  if (!existsSync(CHROMIUM)) {
    t.skip('chromium not installed at /usr/bin/chromium');
    return;
  }
  const { chromium } = await import('playwright-core');
  const rcv = await startReceiver();
  const sim = await testSimulator({ webhookUrl: rcv.url, statusDelaysMs: { sent: 30, delivered: 80, read: 150 }, readProbability: 0 });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  t.after(async () => {
    await browser.close();
    await sim.close();
    await rcv.close();
  });
  const page = await browser.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
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
  assert.deepEqual(envelope.json.entry[0].changes[0].value.contacts, [{ profile: { name: 'Pat <b>Page</b>' }, wa_id: '16505551234' }]);
  const mine = page.locator(`.msg[data-wamid="${inbound.id}"]`);
  await mine.waitFor();
  assert.equal(await mine.locator('div').first().textContent(), 'Hello from the phone 👋 <script>x</script>', 'shown as text, not HTML');

  // The business marks it read: the customer's message gets blue ticks.
  await send(sim, { to: '16505551234', status: 'read', message_id: inbound.id });
  await page.waitForSelector(`.msg[data-wamid="${inbound.id}"] .ticks[data-status="read"]`);

  // The business replies with buttons; the open chat reads it, ticks go sent → delivered → read.
  const r = await send(sim, {
    to: '16505551234',
    type: 'interactive',
    interactive: { type: 'button', header: { type: 'text', text: 'Workshop' }, body: { text: 'Your workshop is at 9am. Reschedule?' }, footer: { text: 'Lucky Shrub' }, action: { buttons: [{ type: 'reply', reply: { id: 'change-button', title: 'Change' } }, { type: 'reply', reply: { id: 'cancel-button', title: 'Cancel' } }] } },
  });
  assert.equal(r.status, 200);
  const wamid = r.json.messages[0].id;
  const bubble = page.locator(`.msg[data-wamid="${wamid}"]`);
  await bubble.waitFor();
  assert.match((await bubble.textContent()) ?? '', /Your workshop is at 9am\. Reschedule\?/);
  const seen = new Set<string>();
  const ticks = bubble.locator('.ticks');
  const until = Date.now() + 5000;
  while (!seen.has('read') && Date.now() < until) {
    seen.add((await ticks.getAttribute('data-status')) ?? '');
    await page.waitForTimeout(10);
  }
  assert.ok(seen.has('read'), `ticks reached read (saw ${[...seen]})`);
  assert.ok(seen.has('accepted') || seen.has('sent') || seen.has('delivered'), 'ticks updated live before read');
  await rcv.waitFor(() => rcv.statuses().find((s) => s.id === wamid && s.status === 'read'), 3000, 'read status webhook');

  // Tapping a reply button sends a button_reply with context.
  await bubble.locator('button[data-action="button-reply"][data-button-id="cancel-button"]').click();
  const tap = await rcv.waitFor(() => rcv.messages().find((m) => m.type === 'interactive'), 3000, 'button reply');
  assert.deepEqual(tap.interactive, { type: 'button_reply', button_reply: { id: 'cancel-button', title: 'Cancel' } });
  assert.deepEqual(tap.context, { from: sim.displayPhoneNumber, id: wamid });

  // A list: open it and pick a row.
  const list = await send(sim, { to: '16505551234', type: 'interactive', interactive: { type: 'list', body: { text: 'Shipping?' }, action: { button: 'Options', sections: [{ title: 'Fast', rows: [{ id: 'express', title: 'Express', description: 'Next day' }] }] } } });
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
