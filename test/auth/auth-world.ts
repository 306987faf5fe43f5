import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import type { Config } from '../../src/config.ts';
import { OffsetClock } from '../../src/core/clock.ts';
import { startSwitchboard, type Running } from '../../src/start-switchboard.ts';
import { postgresUrl, type TestDialect } from '../support/dialects.ts';
import { resetPostgres } from '../support/reset-postgres.ts';
import { ADMIN_TOKEN, baseConfig, SECRETS } from '../support/test-config.ts';

/**
 * Real time plus an offset that a test can also stop: a throttle test stops it so that a slow
 * machine (password hashing at load 20 takes seconds) cannot let a 1-second lock run out between
 * two requests the test means to be at one instant.
 */
export class StoppableClock extends OffsetClock {
  private stoppedAt: number | undefined;
  override now(): number {
    return this.stoppedAt ?? super.now();
  }
  stop(): void {
    this.stoppedAt = this.now();
  }
  resume(): void {
    if (this.stoppedAt !== undefined) this.offsetMs = this.stoppedAt - Date.now();
    this.stoppedAt = undefined;
  }
  override advance(ms: number): void {
    if (this.stoppedAt !== undefined) this.stoppedAt += ms;
    super.advance(ms);
  }
}

/** Switchboard alone (no simulator), with its log lines kept for assertions and a clock to move. */
export interface AuthWorld {
  app: Running;
  clock: StoppableClock;
  /** Every JSON log line written so far (warn and above). */
  logs: Record<string, unknown>[];
  call(
    method: string,
    path: string,
    opts?: { body?: unknown; as?: 'admin' | { bearer: string } | { cookie: string }; headers?: Record<string, string> },
  ): Promise<Reply>;
  stop(): Promise<void>;
}

export interface Reply {
  status: number;
  body: any;
  headers: Headers;
  setCookies: string[];
}

export async function startAuthWorld(dialect: TestDialect, over: Partial<Config> = {}): Promise<AuthWorld> {
  const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-auth-'));
  if (dialect === 'postgres' && postgresUrl) await resetPostgres(postgresUrl);
  const config = baseConfig(dialect, dataDir, {
    demoBot: false,
    numbers: [
      { phoneNumberId: '106540352242922', graphUrl: 'http://127.0.0.1:9', apiVersion: 'v21.0', throughputPerSecond: 80, ...SECRETS },
    ],
    ...over,
  });
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim() !== '') logs.push(JSON.parse(line));
      done();
    },
  });
  const clock = new StoppableClock();
  const app = await startSwitchboard(config, { clock, logger: pino({ level: 'warn' }, sink) });
  return {
    app,
    clock,
    logs,
    async call(method, path, opts = {}) {
      const as = opts.as;
      const auth: Record<string, string> =
        as === undefined
          ? {}
          : as === 'admin'
            ? { authorization: `Bearer ${ADMIN_TOKEN}` }
            : 'bearer' in as
              ? { authorization: `Bearer ${as.bearer}` }
              : { cookie: as.cookie };
      const res = await fetch(`${app.url}${path}`, {
        method,
        headers: { ...auth, ...(opts.body === undefined ? {} : { 'content-type': 'application/json' }), ...opts.headers },
        body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers, setCookies: res.headers.getSetCookie() };
    },
    async stop() {
      await app.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Creates a user as the admin; returns its id and password. */
export async function createUser(
  w: AuthWorld,
  email: string,
  role: 'agent' | 'admin' = 'agent',
): Promise<{ id: string; email: string; password: string }> {
  const password = `pw-${email}-long-enough`;
  const res = await w.call('POST', '/api/v1/users', { as: 'admin', body: { email, name: email.split('@')[0], password, role } });
  if (res.status !== 201) throw new Error(`creating ${email}: ${res.status} ${JSON.stringify(res.body)}`);
  return { id: res.body.id, email, password };
}

/** Signs in; returns the `sb_session=...` cookie pair. */
export async function signIn(w: AuthWorld, email: string, password: string, headers: Record<string, string> = {}): Promise<string> {
  const res = await w.call('POST', '/api/v1/auth/login', { body: { email, password }, headers });
  const cookie = res.setCookies.find((c) => c.startsWith('sb_session='));
  if (res.status !== 200 || !cookie) throw new Error(`login ${email}: ${res.status} ${JSON.stringify(res.body)}`);
  return cookie.split(';')[0] ?? '';
}
