import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

test('npm start builds dist/ when it is stale and runs the compiled server (demo included)', { timeout: 120_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-compiled-'));
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? tmpdir(),
    DATA_DIR: dataDir,
    PORT: '0',
    LOG_LEVEL: 'warn',
  };
  // Its own process group, so the kill reaches npm's child (the server) too.
  const proc = spawn('npm', ['start'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  proc.stdout.on('data', (d) => (out += d));
  proc.stderr.on('data', (d) => (out += d));
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`npm start did not come up:\n${out}`)), 110_000);
      proc.stdout.on('data', () => {
        const m = /API:\s+(http:\/\/[^\s/]+)\/api\/v1/.exec(out);
        if (m?.[1]) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
      proc.on('exit', (code) => reject(new Error(`npm start exited with ${code}:\n${out}`)));
    });
    const health = await fetch(`${url}/health`);
    assert.equal(health.status, 200);
    // The phone page's files are copied beside the compiled code.
    const phonePage = /Phone page:\s+(http:\/\/\S+)/.exec(out)?.[1];
    assert.ok(phonePage, `the banner names the phone page:\n${out}`);
    assert.equal((await fetch(new URL('/phone/app.js', phonePage))).status, 200);
    const ps = spawn('ps', ['-o', 'args=', '-g', String(proc.pid)]);
    let args = '';
    ps.stdout.on('data', (d) => (args += d));
    await new Promise((r) => ps.on('exit', r));
    assert.match(args, /dist\/main\.js/, 'the server runs the compiled code');
    assert.doesNotMatch(args, /tsx/, 'not tsx');
  } finally {
    try {
      process.kill(-proc.pid!, 'SIGTERM');
    } catch {
      // already gone
    }
    await new Promise((r) => (proc.exitCode !== null ? r(undefined) : proc.once('exit', r)));
    rmSync(dataDir, { recursive: true, force: true });
  }
});
