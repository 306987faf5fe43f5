import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { TestContext } from 'node:test';
import { AxeBuilder } from '@axe-core/playwright';
import type { Browser, Page } from 'playwright-core';
import { ensureFirstAdmin } from '../../src/auth/first-admin.ts';
import { WEB_APP_DIR } from '../../src/http/web-app-routes.ts';
import type { TestDialect } from '../support/dialects.ts';
import { startWorld, type World, type WorldOptions } from '../support/test-world.ts';

const CHROMIUM = '/usr/bin/chromium';
const ROOT = join(import.meta.dirname, '..', '..');

export const LAPTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };

// The modules of src/ the web app imports (as in scripts/build.mjs): a change to one rebuilds it.
const WEB_IMPORTS_FROM_SRC = ['src/event-webhooks/event-types.ts'];

/**
 * Builds web/ into dist/web (Vite) unless the last build is newer than every file under web/ (and
 * those it imports from src/). Test files run in parallel processes: one builds at a time (a lock
 * directory; Vite refuses a second build of the same project) and the others wait for its stamp.
 */
export function buildWebApp(): void {
  const stamp = join(WEB_APP_DIR, '.build-stamp');
  const fresh = () => {
    const inputs = [...walk(join(ROOT, 'web')), ...WEB_IMPORTS_FROM_SRC.map((f) => join(ROOT, f)), join(ROOT, 'package.json')];
    const newest = Math.max(...inputs.map((f) => statSync(f).mtimeMs));
    return existsSync(stamp) && statSync(stamp).mtimeMs >= newest;
  };
  if (fresh()) return;
  const lock = join(ROOT, 'dist', '.web-build-lock');
  mkdirSync(dirname(lock), { recursive: true });
  const waitUntil = Date.now() + 5 * 60_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      // A lock left by a killed process (older than any build takes) is taken over.
      const held = statSync(lock, { throwIfNoEntry: false });
      if (held && Date.now() - held.mtimeMs > 5 * 60_000) rmSync(lock, { recursive: true, force: true });
      if (Date.now() > waitUntil) throw new Error(`another process held ${lock} for 5 minutes`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
      if (fresh()) return;
    }
  }
  try {
    if (fresh()) return;
    const r = spawnSync(
      process.execPath,
      [
        join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'),
        'build',
        '--config',
        join(ROOT, 'web', 'vite.config.ts'),
        '--logLevel',
        'error',
      ],
      { cwd: ROOT, encoding: 'utf8' },
    );
    if (r.status !== 0) throw new Error(`vite build failed: ${r.stderr}${r.stdout}`);
    writeFileSync(stamp, `${new Date().toISOString()}\n`);
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function* walk(dir: string): Generator<string> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* walk(p);
    else yield p;
  }
}

export interface WebWorld {
  w: World;
  browser: Browser;
  url: string;
  admin: { email: string; password: string };
  /** A new page (own cookie jar) at a viewport; page errors fail the test at the end. */
  page(viewport?: { width: number; height: number }): Promise<Page>;
  /** A user made through the API with the admin token. */
  user(body: {
    email: string;
    name: string;
    role?: string;
    visibility?: string;
    password?: string;
  }): Promise<{ id: string; email: string; password: string }>;
  pageErrors: string[];
}

/**
 * Chromium (Debian's, as the phone page's tests use) against a real Switchboard with the
 * simulator on a fresh database, the web app built and served at /. The first admin is made as
 * the first start makes it (ensureFirstAdmin). Undefined (test skipped) without chromium.
 */
export async function startWebWorld(t: TestContext, dialect: TestDialect, opts: Partial<WorldOptions> = {}): Promise<WebWorld | undefined> {
  if (!existsSync(CHROMIUM)) {
    t.skip('chromium not installed at /usr/bin/chromium');
    return undefined;
  }
  buildWebApp();
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
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
  const w = await startWorld({ dialect, ...opts, config: { demoBot: false, ...opts.config }, sim: { readProbability: 0, ...opts.sim } });
  const admin = await ensureFirstAdmin(w.app.deps.storage.db, w.clock);
  if (!admin) throw new Error('a fresh database has no user: the first admin must be created');
  const pageErrors: string[] = [];
  const world: WebWorld = {
    w,
    browser,
    url: w.app.url,
    admin,
    pageErrors,
    async page(viewport = LAPTOP) {
      const ctx = await browser.newContext({ viewport, locale: 'en-US' });
      const page = await ctx.newPage();
      page.on('pageerror', (e) => pageErrors.push(e.message));
      return page;
    },
    async user(body) {
      const password = body.password ?? 'a long passphrase 1';
      const r = await w.api('POST', '/api/v1/users', { password, ...body });
      if (r.status !== 201) throw new Error(`user: ${r.status} ${JSON.stringify(r.body)}`);
      return { id: r.body.id, email: body.email, password };
    },
  };
  t.after(async () => {
    await browser.close();
    await w.stop();
  });
  return world;
}

/** Signs in through the form and waits for the inbox. */
export async function signIn(page: Page, url: string, who: { email: string; password: string }): Promise<void> {
  await page.goto(url);
  await page.locator('input[name=email]').fill(who.email);
  await page.locator('input[name=password]').fill(who.password);
  await page.locator('form button[type=submit]').click();
  await page.getByTestId('conversation-list').or(page.getByText('No conversations here.')).first().waitFor();
}

// WEB_SCREENSHOTS=1 writes docs/screenshots/web-*.png (the README's pictures) while the test runs.
const SHOTS = process.env.WEB_SCREENSHOTS === '1' ? join(ROOT, 'docs', 'screenshots') : undefined;

export async function shot(page: Page, name: string): Promise<void> {
  if (!SHOTS) return;
  mkdirSync(SHOTS, { recursive: true });
  await page.waitForTimeout(300);
  await page.screenshot({ path: join(SHOTS, `web-${name}.png`) });
}

/** No serious or critical axe violation (WCAG 2 A/AA rules) on what the page shows now. */
export async function axe(page: Page, what: string, found: string[]): Promise<void> {
  const r = await new AxeBuilder({ page: page as never }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  for (const v of r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')) {
    found.push(
      `${what}: ${v.id}: ${v.nodes
        .map((n) => `${n.html.slice(0, 140)} ${n.failureSummary ?? ''}`)
        .slice(0, 3)
        .join(' | ')}`,
    );
  }
}
