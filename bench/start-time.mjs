// Start time and resident memory of `npm start`'s process, compiled (dist/) against tsx (src/).
// Usage: node bench/start-time.mjs [runs]   (build first: node scripts/build.mjs)
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const runs = Number(process.argv[2] ?? 5);
const variants = {
  compiled: [process.execPath, ['--enable-source-maps', 'dist/main.js']],
  tsx: [process.execPath, ['--import', 'tsx', 'src/main.ts']],
};

function once(cmd, args) {
  return new Promise((resolve, reject) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sb-start-'));
    const started = process.hrtime.bigint();
    const env = { ...process.env, DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'warn' };
    delete env.DATABASE_URL;
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no start in 60 s:\n${out}`));
    }, 60_000);
    child.stdout.on('data', (d) => {
      out += d;
      if (!/API:\s+http/.test(out) || child.readyMs !== undefined) return;
      child.readyMs = Number(process.hrtime.bigint() - started) / 1e6;
      // Settled memory: a second after ready (the demo has seeded and gone idle).
      setTimeout(() => {
        const rss = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1];
        clearTimeout(timer);
        child.once('exit', () => {
          rmSync(dataDir, { recursive: true, force: true });
          resolve({ readyMs: child.readyMs, rssMiB: Number(rss) / 1024 });
        });
        child.kill('SIGTERM');
      }, 1000);
    });
    child.stderr.on('data', (d) => (out += d));
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const results = {};
for (let i = 0; i < runs; i++) {
  for (const [name, [cmd, args]] of Object.entries(variants)) {
    (results[name] ??= []).push(await once(cmd, args));
  }
}
for (const [name, rs] of Object.entries(results)) {
  console.log(
    `${name}: ready in ${median(rs.map((r) => r.readyMs)).toFixed(0)} ms, RSS ${median(rs.map((r) => r.rssMiB)).toFixed(1)} MiB (median of ${rs.length}; ready ${rs.map((r) => r.readyMs.toFixed(0)).join('/')})`,
  );
}
