/**
 * The web app's speed (issue #15), in Chromium over loopback: `node --import tsx bench/web-inbox.ts`.
 * An inbox of 10,000 conversations (bench/list-seed.ts) behind a real Switchboard with the
 * simulator; it reports the first-screen JavaScript (gzipped), the time from pressing "Sign in" to
 * the first conversation row painted, the frame rate while scrolling the virtualised list, and how
 * long after the webhook is acknowledged a new customer message shows in the list.
 * Prints JSON; docs/benchmarks.md ("The web app") records a run.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { ensureFirstAdmin } from '../src/auth/first-admin.ts';
import { WEB_APP_DIR } from '../src/http/web-app-routes.ts';
import { buildWebApp } from '../test/web/web-world.ts';
import { startWorld } from '../test/support/test-world.ts';
import { seedInbox } from './list-seed.ts';

const CONVERSATIONS = Number(process.env.WEB_BENCH_CONVERSATIONS ?? 10_000);

// WEB_BENCH_NO_BUILD=1 measures dist/web as it is (to compare two builds put in place one after the other).
if (!process.env.WEB_BENCH_NO_BUILD) buildWebApp();
const w = await startWorld({ dialect: 'sqlite', config: { demoBot: false }, sim: { readProbability: 0 } });
const admin = (await ensureFirstAdmin(w.app.deps.storage.db, w.clock))!;
const seedStarted = Date.now();
await seedInbox(w.app.deps.storage.db, { conversations: CONVERSATIONS, messagesPerConversation: 3 }, w.clock.now());
const seedMs = Date.now() - seedStarted;
const active = (await w.api('GET', '/api/v1/conversations?status=active&limit=1')).status;
if (active !== 200) throw new Error('list route failed');

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'],
});
// bypassCSP only so the measuring scripts below can run in the page; the app itself is unchanged.
const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, bypassCSP: true });
const page = await ctx.newPage();
await page.goto(w.app.url);
await page.locator('input[name=email]').fill(admin.email);
await page.locator('input[name=password]').fill(admin.password);
await page.evaluate(`(() => {
  window.__bench = {};
  document.querySelector('form button[type=submit]').addEventListener('click', () => { window.__bench.clicked = performance.now(); }, { capture: true });
  new MutationObserver((_, obs) => {
    if (document.querySelector('[data-testid=conversation-row]')) { window.__bench.firstRow = performance.now(); obs.disconnect(); }
  }).observe(document.body, { childList: true, subtree: true });
})()`);
await page.locator('form button[type=submit]').click();
await page.getByTestId('conversation-row').first().waitFor();
await page.waitForTimeout(200);
const paint = (await page.evaluate('window.__bench')) as { clicked: number; firstRow: number };
// When the sign-in answer arrived (the password check, scrypt, is the server's and costs on purpose).
const signedIn = (await page.evaluate(
  `performance.getEntriesByType('resource').find((e) => e.name.endsWith('/api/v1/auth/login')).responseEnd`,
)) as number;
if (process.env.WEB_BENCH_WATERFALL) {
  console.log(
    await page.evaluate(
      `performance.getEntriesByType('resource').filter((e) => e.startTime > window.__bench.clicked - 5).map((e) => [e.name.replace(location.origin, ''), Math.round(e.startTime - window.__bench.clicked), Math.round(e.responseEnd - window.__bench.clicked)])`,
    ),
  );
}

// First-screen JavaScript: every script the page loaded until now, gzipped as a server would send it.
const scripts = (await page.evaluate(
  `performance.getEntriesByType('resource').map((e) => e.name).filter((n) => n.endsWith('.js'))`,
)) as string[];
const jsBytes = scripts.map((u) => readFileSync(join(WEB_APP_DIR, new URL(u).pathname)));
const jsGzip = jsBytes.reduce((n, b) => n + gzipSync(b, { level: 9 }).length, 0);
const jsRaw = jsBytes.reduce((n, b) => n + b.length, 0);

// Scrolling: 3 s of continuous scrolling down the list (fetching further pages as it goes); frames counted with rAF.
const scroll = (await page.evaluate(`new Promise((resolve) => {
  const el = document.querySelector('[data-testid=conversation-list]');
  const frames = []; const start = performance.now(); let last = start;
  const step = (now) => {
    frames.push(now - last); last = now; el.scrollTop += 40;
    if (now - start < 3000) requestAnimationFrame(step); else resolve({ frames: frames.length, ms: now - start, longest: Math.max(...frames.slice(1)), over20: frames.filter((f) => f > 20).length, rows: document.querySelectorAll('[data-testid=conversation-row]').length });
  };
  requestAnimationFrame(step);
})`)) as { frames: number; ms: number; longest: number; over20: number; rows: number };
await page.evaluate(`document.querySelector('[data-testid=conversation-list]').scrollTop = 0`);
await page.mouse.move(1200, 780); // off the list: live updates apply at once

// A new customer message: webhook acknowledged (sendText resolves) -> the row shows its preview.
const live: number[] = [];
const sentToShown: number[] = [];
for (let i = 0; i < 5; i++) {
  const text = `bench message ${i} ${Date.now()}`;
  await page.evaluate(`(() => { window.__seen = undefined; new MutationObserver((_, obs) => {
    if (document.body.textContent.includes(${JSON.stringify(text)})) { window.__seen = Date.now(); obs.disconnect(); }
  }).observe(document.body, { childList: true, subtree: true, characterData: true }); })()`);
  const sent = Date.now();
  await w.sim.customer(`5215599900${i}`, `Bench ${i}`).sendText(text);
  const acked = Date.now();
  await page.getByText(text).first().waitFor({ timeout: 10_000 });
  const seen = (await page.evaluate('window.__seen')) as number;
  // The page often shows it before the 200 has travelled back to the sender (negative).
  live.push(seen - acked);
  sentToShown.push(seen - sent);
}

const result = {
  conversations: CONVERSATIONS,
  seed_ms: seedMs,
  first_screen_js: { files: scripts.length, bytes: jsRaw, gzip_bytes: jsGzip },
  click_sign_in_to_first_row_ms: Math.round(paint.firstRow - paint.clicked),
  signed_in_to_first_row_ms: Math.round(paint.firstRow - signedIn),
  scroll: {
    fps: Math.round((scroll.frames / scroll.ms) * 1000),
    frames: scroll.frames,
    longest_frame_ms: Math.round(scroll.longest),
    frames_over_20ms: scroll.over20,
    rows_in_dom: scroll.rows,
  },
  webhook_ack_to_shown_ms: live,
  webhook_sent_to_shown_ms: sentToShown,
};
console.log(JSON.stringify(result, null, 2));
await browser.close();
await w.stop();
