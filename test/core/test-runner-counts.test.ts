import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { test } from 'node:test';

const root = join(import.meta.dirname, '..', '..');

/**
 * `npm test`'s totals are what CI reports: every test a file ran must be counted, and a failure's
 * message must reach the output. With node's process isolation and --test-force-exit, a file's
 * last results were dropped (nodejs/node#64833; 98 tests counted as 64 or 53).
 */
test('the test runner counts every test of a file and prints the failure of its last one', () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-runner-'));
  try {
    const n = 300;
    const lines = ["import { test } from 'node:test';"];
    for (let i = 1; i < n; i++) lines.push(`test('t${i}', () => {});`);
    lines.push("test('the last one fails', () => { throw new Error('sentinel failure 7f3a'); });");
    const file = join(dir, 'many.test.mjs');
    writeFileSync(file, `${lines.join('\n')}\n`);
    const env: NodeJS.ProcessEnv = { ...process.env, TEST_WORKERS: '1' };
    delete env.TEST_DATABASE_URL;
    for (let run = 0; run < 3; run++) {
      const r = spawnSync(process.execPath, [join(root, 'scripts', 'run-tests.mjs'), relative(root, file)], {
        cwd: root,
        env,
        encoding: 'utf8',
        timeout: 120_000,
      });
      assert.equal(r.status, 1, `the runner fails when a test fails (run ${run + 1})`);
      assert.match(r.stdout, new RegExp(`: ${n} tests, ${n - 1} passed, 1 failed,`), `all ${n} counted (run ${run + 1})`);
      assert.match(r.stdout, /sentinel failure 7f3a/, `the failure's message is printed (run ${run + 1})`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
