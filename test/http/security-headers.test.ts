import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { startBare } from '../support/bare-switchboard.ts';
import { forEachDialect } from '../support/dialects.ts';
import { ADMIN_TOKEN } from '../support/test-config.ts';
import { testSimulator } from '../simulator/helpers.ts';

const CHROMIUM = '/usr/bin/chromium';

function assertPageHeaders(h: Headers, what: string): void {
  const csp = h.get('content-security-policy') ?? '';
  assert.match(csp, /default-src 'self'/, `${what}: CSP`);
  assert.match(csp, /frame-ancestors 'none'/, `${what}: CSP forbids framing`);
  assert.match(csp, /script-src 'self'(;|$)/, `${what}: scripts from the page's origin only`);
  assert.equal(h.get('x-frame-options'), 'DENY', `${what}: no framing`);
  assert.equal(h.get('x-content-type-options'), 'nosniff', `${what}: no sniffing`);
  assert.equal(h.get('referrer-policy'), 'no-referrer', `${what}: referrer policy`);
}

forEachDialect('http: security headers on every HTML page', (dialect) => {
  let bare: Awaited<ReturnType<typeof startBare>>;
  before(async () => {
    bare = await startBare(dialect);
  });
  after(async () => {
    await bare?.stop();
  });

  test('the API docs (/docs, /docs/) carry CSP, no framing, no sniffing and a referrer policy; JSON and scripts are nosniff', async () => {
    for (const path of ['/docs', '/docs/']) {
      const res = await fetch(`${bare.app.url}${path}`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
      assertPageHeaders(res.headers, path);
    }
    for (const path of ['/openapi.json', '/health', '/docs/static/swagger-ui-bundle.js', '/api/v1/nope']) {
      const res = await fetch(`${bare.app.url}${path}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff', path);
      assert.equal(res.headers.get('content-security-policy'), null, `${path}: not a page`);
    }
  });

  test('Swagger UI still works under its CSP in a real browser: the operations render, nothing is blocked', async (t) => {
    if (!existsSync(CHROMIUM)) return t.skip('chromium not installed at /usr/bin/chromium');
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    t.after(() => browser.close());
    const page = await browser.newPage();
    const blocked: string[] = [];
    page.on('console', (m) => {
      if (/Content[- ]Security[- ]Policy|Refused to/i.test(m.text())) blocked.push(m.text());
    });
    page.on('pageerror', (e) => blocked.push(`pageerror: ${e.message}`));
    await page.goto(`${bare.app.url}/docs`);
    await page.waitForSelector('.swagger-ui .info .title', { timeout: 15_000 });
    assert.match((await page.textContent('.swagger-ui .info .title')) ?? '', /Switchboard API/);
    // Tags start folded (docExpansion 'none': Swagger UI 5 stopped rendering after the second tag
    // once the document passed about 128 operations); opening each tag lists its operations.
    const doc = (await (await fetch(`${bare.app.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    const operations = Object.values(doc.paths).reduce((n, ops) => n + Object.keys(ops).length, 0);
    const tags = page.locator('.opblock-tag');
    await page.waitForFunction(() => document.querySelectorAll('.opblock-tag').length > 20, null, { timeout: 30_000 });
    // One tag open at a time, as a reader browses: each lists its operations; together, all of them.
    let listed = 0;
    for (let i = 0; i < (await tags.count()); i++) {
      await tags.nth(i).click();
      await page.waitForSelector('.opblock', { timeout: 10_000 });
      listed += await page.locator('.opblock').count();
      await tags.nth(i).click();
      await page.waitForFunction(() => document.querySelectorAll('.opblock').length === 0, null, { timeout: 10_000 });
    }
    assert.equal(listed, operations, 'every operation is listed under its tag');
    await tags.first().click();
    // Open one operation: its rendering (schemas, inline styles) must not trip the policy either.
    await page.locator('.opblock-summary').first().click();
    await page.waitForSelector('.opblock-body', { timeout: 5_000 });
    assert.deepEqual(blocked, []);
  });
});

test("the simulator's phone page carries the same headers (with its stricter CSP)", async () => {
  const sim = await testSimulator();
  try {
    const res = await fetch(`${sim.phonePageUrl}`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
    assertPageHeaders(res.headers, 'phone page');
    assert.match(res.headers.get('content-security-policy') ?? '', /style-src 'self'(;|$)/, 'no inline styles on the phone page');
  } finally {
    await sim.close();
  }
});
