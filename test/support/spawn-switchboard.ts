import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { SECRETS } from './test-config.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

export interface Child {
  proc: ChildProcess;
  url: string;
  output(): string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

// Children still running when the test file's process exits (a failed test, --test-force-exit)
// are killed with it, so none is left holding a port or a database.
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const proc of live) proc.kill('SIGKILL');
});

/**
 * Runs `src/main.ts` in a real child process (as `npm start` does) and waits for its URL. The
 * default wait allows a loaded machine (tsx compiling at load 20 took over 20 s); a child that
 * does not start in time is killed.
 */
export async function spawnSwitchboard(env: Record<string, string>, timeoutMs = 90_000): Promise<Child> {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: root,
    // The demo's Telegram simulator defaults to port 4012; two test files starting the demo side by
    // side would both want it, so children take a free port unless the test names one.
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', TELEGRAM_SIMULATOR_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(proc);
  proc.once('exit', () => live.delete(proc));
  let out = '';
  proc.stdout?.on('data', (d) => (out += d));
  proc.stderr?.on('data', (d) => (out += d));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`child did not start in ${timeoutMs} ms:\n${out}`));
    }, timeoutMs);
    const check = () => {
      const m = /API:\s+(http:\/\/[^\s/]+)\/api\/v1/.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    proc.stdout?.on('data', check);
    proc.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`child exited with ${code}:\n${out}`));
    });
  });
  return {
    proc,
    url,
    output: () => out,
    kill: (signal = 'SIGKILL') =>
      new Promise((resolve) => {
        if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
        // A graceful stop that does not finish (a send held by a test's fake Graph API) must not
        // keep the test file open for ever: it is killed 10 s later.
        const force = signal === 'SIGKILL' ? undefined : setTimeout(() => proc.kill('SIGKILL'), 10_000);
        proc.once('exit', () => {
          clearTimeout(force);
          resolve();
        });
        proc.kill(signal);
      }),
  };
}

/** The environment that points a child Switchboard's one number at a simulator (test secrets). */
export function simulatorNumberEnv(sim: { phoneNumberId: string; wabaId: string; graphBaseUrl: string }): Record<string, string> {
  return {
    WHATSAPP_ACCESS_TOKEN: SECRETS.accessToken,
    WHATSAPP_APP_SECRET: SECRETS.appSecret,
    WHATSAPP_VERIFY_TOKEN: SECRETS.verifyToken,
    WHATSAPP_PHONE_NUMBER_ID: sim.phoneNumberId,
    WHATSAPP_BUSINESS_ACCOUNT_ID: sim.wabaId,
    WHATSAPP_GRAPH_URL: sim.graphBaseUrl,
  };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}
