import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { forEachDialect, postgresUrl, type TestDialect } from '../support/dialects.ts';
import { callWithToken } from '../support/demo-switchboard.ts';
import { resetPostgres } from '../support/reset-postgres.ts';
import { freePort, spawnSwitchboard, type Child } from '../support/spawn-switchboard.ts';
import { waitFor } from '../support/wait-for.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const ADMIN = 'dev-setup-admin-token-0123456789';
const SIM_TOKEN = 'dev-setup-sim-token-0123456789';
const HOUR = 3_600_000;

const call = callWithToken;

/** Two different free ports (a port just freed may be handed out again). */
async function twoPorts(): Promise<[number, number]> {
  const a = await freePort();
  let b = await freePort();
  while (b === a) b = await freePort();
  return [a, b];
}

/** DATA_DIR, or DATABASE_URL on a freshly reset test database. */
async function databaseEnv(dialect: TestDialect, dataDir: string): Promise<Record<string, string>> {
  if (dialect === 'sqlite' || !postgresUrl) return { DATA_DIR: dataDir };
  await resetPostgres(postgresUrl);
  return { DATA_DIR: dataDir, DATABASE_URL: postgresUrl };
}

/** The customer's conversation as the simulator shows it; waits for a business message matching `pred`. */
async function waitForBusinessMessage(sim: string, waId: string, pred: (m: any) => boolean, what: string): Promise<any> {
  let found: any;
  await waitFor(
    async () => {
      const r = await call('GET', `${sim}/_sim/customers/${waId}/messages`, SIM_TOKEN);
      found = (r.body?.data ?? []).find((m: any) => m.direction === 'out' && pred(m));
      return found !== undefined;
    },
    10_000,
    what,
  );
  return found;
}

forEachDialect('npm start: one clock for the built-in simulator and Switchboard', (dialect) => {
  let child: Child;
  let dataDir: string;
  let sim: string;
  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'switchboard-clock-'));
    const [simPort, port] = await twoPorts();
    sim = `http://127.0.0.1:${simPort}`;
    const env = await databaseEnv(dialect, dataDir);
    child = await spawnSwitchboard(
      {
        ...env,
        PORT: String(port),
        SIMULATOR_PORT: String(simPort),
        SWITCHBOARD_ADMIN_TOKEN: ADMIN,
        SIMULATOR_TEST_TOKEN: SIM_TOKEN,
        FLOWS_DIR: join(dataDir, 'no-flows'),
      },
      30_000,
    );
    await waitFor(() => /Test API:/.test(child.output()), 10_000, 'banner printed');
  });
  after(async () => {
    await child?.kill('SIGTERM');
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  test('the banner gives the phone page link with the token and the test API token; /_sim refuses callers without it', async () => {
    assert.match(child.output(), new RegExp(`Phone page:\\s+${sim}/phone\\?token=${SIM_TOKEN}\\s`));
    assert.match(child.output(), new RegExp(`Test API:\\s+${sim}/_sim/\\s+\\(Authorization: Bearer ${SIM_TOKEN};`));
    const refused = await call('GET', `${sim}/_sim/info`, 'not-the-token');
    assert.equal(refused.status, 401);
    assert.equal(refused.body.error.code, 'invalid_test_token');
  });

  test("advancing the simulator's clock 25 h moves Switchboard's: its own API refuses a reply (422 window_closed) and a waiting flow session expires", async () => {
    const wa = '34600111222';
    const said = await call('POST', `${sim}/_sim/customers/${wa}/messages`, SIM_TOKEN, {
      type: 'text',
      text: { body: 'service' },
      profile_name: 'Ana',
    });
    assert.equal(said.status, 200, JSON.stringify(said.body));
    await waitForBusinessMessage(sim, wa, (m) => m.text === '¿Cuál es tu nombre completo?', 'the flow asks for the name');
    const conversations = await call('GET', `${child.url}/api/v1/conversations`, ADMIN);
    const conversation = conversations.body.data.find((c: any) => c.contact.phone === `+${wa}`) ?? conversations.body.data[0];
    assert.ok(conversation, JSON.stringify(conversations.body));
    const waiting = await call('GET', `${child.url}/api/v1/flows/service-request/sessions`, ADMIN);
    assert.equal(waiting.body.data[0].status, 'waiting');

    const before = Date.now();
    const advanced = await call('POST', `${sim}/_sim/clock/advance`, SIM_TOKEN, { ms: 25 * HOUR });
    assert.equal(advanced.status, 200);
    assert.equal(advanced.body.shared_clock, true);
    assert.ok(advanced.body.now - before >= 25 * HOUR - 1000);

    const reply = await call('POST', `${child.url}/api/v1/conversations/${conversation.id}/messages`, ADMIN, { text: 'still there?' });
    assert.equal(reply.status, 422, JSON.stringify(reply.body));
    assert.equal(reply.body.error.code, 'window_closed');

    // The flow's question deadline (24 h session timeout) passed: the sweeper ends it promptly.
    await waitFor(
      async () => (await call('GET', `${child.url}/api/v1/flows/service-request/sessions`, ADMIN)).body.data[0]?.status === 'expired',
      5000,
      'the session expired',
    );
  });
});

forEachDialect('README: the standalone simulator paired with a Switchboard', (dialect) => {
  let simProc: ChildProcess | undefined;
  let simOut = '';
  let child: Child | undefined;
  let dataDir: string;
  after(async () => {
    await child?.kill('SIGTERM');
    if (simProc && simProc.exitCode === null) {
      simProc.kill('SIGTERM');
      await once(simProc, 'exit');
    }
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  test('npm run simulator with the documented flags, and npm start with the documented WHATSAPP_* variables, talk to each other', async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'switchboard-pair-'));
    const [simPort, port] = await twoPorts();
    const sim = `http://127.0.0.1:${simPort}`;
    // README, "The WhatsApp Cloud API simulator": terminal 1 (the flags of `npm run simulator --`).
    simProc = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'src/cli/simulator.ts',
        '--port',
        String(simPort),
        '--webhook-url',
        `http://127.0.0.1:${port}/webhooks/whatsapp`,
        '--app-secret',
        'S',
        '--verify-token',
        'V',
        '--access-token',
        'T',
        '--test-token',
        SIM_TOKEN,
      ],
      {
        cwd: root,
        env: { PATH: process.env.PATH ?? '' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    simProc.stdout!.on('data', (c: Buffer) => (simOut += c.toString()));
    simProc.stderr!.on('data', (c: Buffer) => (simOut += c.toString()));
    await waitFor(() => /Graph API:/.test(simOut), 30_000, `the simulator started: ${simOut}`);
    // Terminal 2: Switchboard with the simulator's number and secrets (no built-in simulator then).
    const env = await databaseEnv(dialect, dataDir);
    child = await spawnSwitchboard(
      {
        ...env,
        PORT: String(port),
        SWITCHBOARD_ADMIN_TOKEN: ADMIN,
        FLOWS_DIR: join(dataDir, 'no-flows'),
        WHATSAPP_ACCESS_TOKEN: 'T',
        WHATSAPP_APP_SECRET: 'S',
        WHATSAPP_VERIFY_TOKEN: 'V',
        WHATSAPP_PHONE_NUMBER_ID: '106540352242922',
        WHATSAPP_BUSINESS_ACCOUNT_ID: '102290129340398',
        WHATSAPP_GRAPH_URL: sim,
      },
      30_000,
    );
    assert.doesNotMatch(child.output(), /Simulator:/, 'no built-in simulator when a number is configured');

    const wa = '34600333444';
    const said = await call('POST', `${sim}/_sim/customers/${wa}/messages`, SIM_TOKEN, {
      type: 'text',
      text: { body: 'hi' },
      profile_name: 'Ana',
    });
    assert.equal(said.status, 200, JSON.stringify(said.body));
    await waitForBusinessMessage(sim, wa, () => true, 'the demo bot answers through the simulator');

    // A standalone simulator's clock is its own: Switchboard keeps real time and still sees the
    // window open; the simulator, past the 24 h, fails the reply with 131047.
    const advanced = await call('POST', `${sim}/_sim/clock/advance`, SIM_TOKEN, { ms: 25 * HOUR });
    assert.equal(advanced.body.shared_clock, false);
    const conversation = (await call('GET', `${child.url}/api/v1/conversations`, ADMIN)).body.data[0];
    const reply = await call('POST', `${child.url}/api/v1/conversations/${conversation.id}/messages`, ADMIN, { text: 'late reply' });
    assert.equal(reply.status, 202, JSON.stringify(reply.body));
    await waitFor(
      async () => {
        const c = await call('GET', `${child!.url}/api/v1/conversations/${conversation.id}`, ADMIN);
        return (c.body.messages ?? []).some((m: any) => m.status === 'failed' && JSON.stringify(m).includes('131047'));
      },
      10_000,
      'the reply failed with 131047',
    );
  });
});

describe('templates:seed', () => {
  test('--help prints the usage and exits 0; an unknown option exits 2 with the usage', async () => {
    const run = (args: string[]) => {
      const p = spawn(process.execPath, ['--import', 'tsx', 'src/cli/templates-seed.ts', ...args], {
        cwd: root,
        env: { PATH: process.env.PATH ?? '' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      p.stdout!.on('data', (c: Buffer) => (out += c.toString()));
      p.stderr!.on('data', (c: Buffer) => (err += c.toString()));
      return once(p, 'exit').then(([code]) => ({ code, out, err }));
    };
    const [help, bad] = await Promise.all([run(['--help']), run(['--nope'])]);
    assert.equal(help.code, 0, help.err);
    assert.match(help.out, /^Usage: npm run templates:seed -- \[options\]/);
    for (const flag of ['--url', '--token', '--dir', '--no-submit', '--help']) assert.ok(help.out.includes(flag), flag);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /^error: Unknown option '--nope'/);
    assert.match(bad.err, /Usage: npm run templates:seed/);
  });
});
