// Compiles src/ to dist/ (tsconfig.build.json) and copies the non-TypeScript files beside it.
// `node scripts/build.mjs --if-stale` builds only when a source or config file is newer than the last
// build: `npm start` and the CLI scripts run it first, so nobody has to remember a build step.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src');
const dist = join(root, 'dist');
const stamp = join(dist, '.build-stamp');
// The modules of src/ the web app imports (pure ones: the API's own lists; test/web/web-world.ts
// has the same list): a change to one rebuilds the web app.
const WEB_IMPORTS_FROM_SRC = ['src/event-webhooks/event-types.ts'];

function* files(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* files(path);
    else yield path;
  }
}

function newestInput() {
  let newest = 0;
  for (const f of [...files(src), ...['tsconfig.json', 'tsconfig.build.json', 'package.json'].map((f) => join(root, f))]) {
    newest = Math.max(newest, statSync(f).mtimeMs);
  }
  return newest;
}

const ifStale = process.argv.includes('--if-stale');
buildWebApp();
if (ifStale && existsSync(stamp) && statSync(stamp).mtimeMs >= newestInput()) process.exit(0);

const started = Date.now();
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const run = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit', cwd: root });
if (run.status !== 0) {
  console.error('build: TypeScript reported errors (above); fix them, or run the sources with `npx tsx src/main.ts`.');
  process.exit(run.status ?? 1);
}
for (const f of files(src)) {
  if (f.endsWith('.ts')) continue;
  cpSync(f, join(dist, relative(src, f)));
}
writeFileSync(stamp, `${new Date().toISOString()}\n`);
console.error(`build: compiled src/ to dist/ in ${((Date.now() - started) / 1000).toFixed(1)} s`);

/**
 * The web app (web/, React + Vite) into dist/web, which the server serves at /. With --if-stale
 * only when a file under web/ (or package.json: new dependencies, or a module of src/ the web app
 * imports: WEB_IMPORTS_FROM_SRC) is newer than the last web build.
 */
function buildWebApp() {
  const web = join(root, 'web');
  const webStamp = join(dist, 'web', '.build-stamp');
  if (!existsSync(web)) return;
  if (ifStale && existsSync(webStamp)) {
    let newest = statSync(join(root, 'package.json')).mtimeMs;
    for (const f of [...files(web), ...WEB_IMPORTS_FROM_SRC.map((f) => join(root, f))]) newest = Math.max(newest, statSync(f).mtimeMs);
    if (statSync(webStamp).mtimeMs >= newest) return;
  }
  const began = Date.now();
  const vite = join(root, 'node_modules', 'vite', 'bin', 'vite.js');
  const built = spawnSync(process.execPath, [vite, 'build', '--config', join(web, 'vite.config.ts'), '--logLevel', 'warn'], {
    stdio: 'inherit',
    cwd: root,
  });
  if (built.status !== 0) {
    console.error('build: the web app (web/) did not build (above).');
    process.exit(built.status ?? 1);
  }
  writeFileSync(webStamp, `${new Date().toISOString()}\n`);
  console.error(`build: built the web app into dist/web in ${((Date.now() - began) / 1000).toFixed(1)} s`);
}
