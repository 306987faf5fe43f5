// `npm test`: runs every test file (or the files named) on a few parallel workers, each file in its
// own `node --test` process, and prints each file's report whole when it finishes. Files are
// independent (own temp dirs, own ports), so the only shared thing is PostgreSQL: worker 1 uses
// TEST_DATABASE_URL itself and worker k its own sibling database `<name>_w<k>`, created on the same
// server when missing (the tests wipe it, as they wipe TEST_DATABASE_URL's).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, relative } from 'node:path';

const root = join(import.meta.dirname, '..');
const FILE_TIMEOUT_MS = Number(process.env.TEST_FILE_TIMEOUT_MS ?? 10 * 60_000);

function findTests(dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...findTests(path));
    else if (entry.name.endsWith('.test.ts')) out.push(relative(root, path));
  }
  return out;
}

const named = process.argv.slice(2);
const missing = named.filter((f) => !existsSync(join(root, f)));
if (missing.length > 0) {
  console.error(`npm test: no such test file: ${missing.join(', ')} (name files relative to the repository root)`);
  process.exit(2);
}
// Largest first: the long suites start early, so the workers finish close together.
const files = (named.length > 0 ? named : [...findTests(join(root, 'src')), ...findTests(join(root, 'test'))]).sort(
  (a, b) => statSync(join(root, b)).size - statSync(join(root, a)).size,
);
// Each file runs inside its own `node --test` process (no child per file): with the default process
// isolation, `--test-force-exit` ends the child before its last results reach the runner, so a file's
// tail of tests went missing from the report (nodejs/node#64833: 98 tests counted as 64 or 53). The
// flag lost its `experimental-` prefix in Node 23; ask this node which one it knows.
const isolationFlag = ['--test-isolation=none', '--experimental-test-isolation=none'].find(
  (flag) => spawnSync(process.execPath, [flag, '--version'], { stdio: 'ignore' }).status === 0,
);
if (!isolationFlag) {
  console.error(`npm test: node ${process.version} cannot run a test file in the runner's process; use Node.js 22.8 or later`);
  process.exit(2);
}
const workers = Math.max(1, Math.min(files.length, Number(process.env.TEST_WORKERS ?? Math.min(2, availableParallelism()))));

/** Worker k's PostgreSQL database: TEST_DATABASE_URL for the first, `<name>_w<k>` beside it for the rest. */
async function databaseFor(k) {
  const base = process.env.TEST_DATABASE_URL;
  if (!base || k === 1) return base;
  const url = new URL(base);
  const baseName = decodeURIComponent(url.pathname.slice(1));
  // A database the tests would refuse to wipe gets no sibling either (test/support/reset-postgres.ts).
  if (process.env.TEST_DATABASE_ALLOW_RESET !== '1' && !/(^|[^a-z0-9])tests?([^a-z0-9]|$)/i.test(baseName)) return base;
  const name = `${baseName}_w${k}`;
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: base });
  await client.connect();
  try {
    const found = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (found.rowCount === 0) await client.query(`create database "${name.replaceAll('"', '""')}"`);
  } finally {
    await client.end();
  }
  url.pathname = `/${encodeURIComponent(name)}`;
  return url.toString();
}

const totals = { tests: 0, pass: 0, fail: 0, skipped: 0, cancelled: 0 };
const failedFiles = [];
const children = new Set();

function runFile(file, databaseUrl) {
  return new Promise((resolve) => {
    const env = { ...process.env };
    if (databaseUrl) env.TEST_DATABASE_URL = databaseUrl;
    const started = Date.now();
    const child = spawn(process.execPath, ['--import', 'tsx', '--test', isolationFlag, '--test-force-exit', '--test-reporter=spec', file], {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group: `node --test` runs the file in a subprocess, which may start
      // Switchboard processes of its own; killing the group ends them all (killing only the
      // runner left a timed-out file's subprocess and its servers running).
      detached: true,
    });
    children.add(child);
    const chunks = [];
    child.stdout.on('data', (c) => chunks.push(c));
    child.stderr.on('data', (c) => chunks.push(c));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child);
    }, FILE_TIMEOUT_MS);
    child.on('close', (code) => {
      clearTimeout(timer);
      children.delete(child);
      killGroup(child); // anything the file left running
      const output = Buffer.concat(chunks).toString();
      for (const key of Object.keys(totals)) {
        const m = output.match(new RegExp(`^ℹ ${key} (\\d+)$`, 'm'));
        if (m) totals[key] += Number(m[1]);
      }
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      const ok = code === 0 && !timedOut;
      if (!ok) failedFiles.push(timedOut ? `${file} (killed after ${FILE_TIMEOUT_MS / 1000} s)` : file);
      process.stdout.write(`\n━━ ${file} (${seconds} s)${ok ? '' : ' FAILED'}\n${output}`);
      resolve();
    });
  });
}

function killGroup(child) {
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // the group is already gone
  }
}

for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
]) {
  process.on(signal, () => {
    for (const child of children) killGroup(child);
    process.exit(code);
  });
}

const started = Date.now();
const queue = [...files];
const databases = await Promise.all(Array.from({ length: workers }, (_, i) => databaseFor(i + 1)));
await Promise.all(
  databases.map(async (databaseUrl) => {
    for (let file = queue.shift(); file; file = queue.shift()) await runFile(file, databaseUrl);
  }),
);

const minutes = ((Date.now() - started) / 60_000).toFixed(1);
console.log(
  `\n${files.length} files on ${workers} workers in ${minutes} min: ${totals.tests} tests, ${totals.pass} passed, ` +
    `${totals.fail} failed, ${totals.skipped} skipped, ${totals.cancelled} cancelled`,
);
if (!process.env.TEST_DATABASE_URL) console.log('PostgreSQL suites skipped: TEST_DATABASE_URL is not set');
if (failedFiles.length > 0) {
  console.log(`failed:\n  ${failedFiles.join('\n  ')}`);
  process.exit(1);
}
