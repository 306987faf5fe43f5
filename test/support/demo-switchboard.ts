import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Child, spawnSwitchboard } from './spawn-switchboard.ts';
import { waitFor } from './wait-for.ts';

/** `npm start`'s demo in a child process: its output, the API, and a simulator's test API. */
export interface DemoSwitchboard {
  child: Child;
  /** JSON over HTTP: the simulator's URLs with its test token, Switchboard's with the admin token. */
  call(method: string, url: string, body?: unknown): Promise<{ status: number; body: any }>;
  stop(): Promise<void>;
}

/**
 * Starts `npm start` with no credentials (the built-in simulators, the demo bot and the seed flow)
 * in a fresh data directory, and waits for its banner. `env` adds the ports it is to use.
 */
export async function startDemo(opts: {
  env: Record<string, string>;
  /** The simulator whose /_sim test API `call` reaches with `simToken`. */
  simUrl: string;
  token: string;
  simToken: string;
  startMs: number;
  bannerMs: number;
}): Promise<DemoSwitchboard> {
  const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-demo-'));
  const removeDir = () => rmSync(dataDir, { recursive: true, force: true });
  let child: Child;
  try {
    child = await spawnSwitchboard(
      {
        ...opts.env,
        DATA_DIR: dataDir,
        SWITCHBOARD_ADMIN_TOKEN: opts.token,
        SIMULATOR_TEST_TOKEN: opts.simToken,
        FLOWS_DIR: join(dataDir, 'no-flows'),
      },
      opts.startMs,
    );
  } catch (err) {
    removeDir();
    throw err;
  }
  const stop = async () => {
    await child.kill('SIGTERM');
    removeDir();
  };
  try {
    await waitFor(() => /Demo flow:/.test(child.output()), opts.bannerMs, 'banner printed');
  } catch (err) {
    await stop();
    throw err;
  }
  // The Switchboard API takes the admin token; the simulator's /_sim test API its test token.
  const call = (method: string, url: string, body?: unknown) =>
    callWithToken(method, url, url.startsWith(`${opts.simUrl}/`) ? opts.simToken : opts.token, body);
  return { child, call, stop };
}

/** JSON over HTTP with a bearer token: the status and the parsed body (null when empty). */
export async function callWithToken(method: string, url: string, token: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(url, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/**
 * Waits for the business's next message to a customer after `seen` earlier ones, matching `pred`:
 * `sent` lists the business's messages to that customer so far, oldest first. A timeout names
 * what was awaited and what had been sent.
 */
export async function nextSent(
  sent: () => Promise<any[]>,
  seen: { n: number },
  pred: (m: any) => boolean,
  what: string,
  timeoutMs: number,
): Promise<any> {
  let found: any;
  let last: any[] = [];
  await waitFor(
    async () => {
      last = await sent();
      const i = last.findIndex((m, k) => k >= seen.n && pred(m));
      if (i < 0) return false;
      found = last[i];
      seen.n = i + 1;
      return true;
    },
    timeoutMs,
    what,
  ).catch((err: Error) => {
    throw new Error(`${err.message}; sent so far: ${JSON.stringify(last.map((m) => m.text))}`);
  });
  return found;
}

/** A message whose text is this string, or matches this pattern. */
export const textIs = (t: string | RegExp) => (m: any) => (typeof t === 'string' ? m.text === t : t.test(m.text ?? ''));
