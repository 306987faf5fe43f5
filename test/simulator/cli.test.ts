import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { describe, test } from 'node:test';
import { startReceiver, verifySignature } from './helpers.ts';

const cli = ['--import', 'tsx', 'src/cli/simulator.ts'];

/** Environment without any SIMULATOR_* variables from the caller. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SIMULATOR_')));
  return { ...env, ...extra };
}

interface Running {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
}

function run(args: string[], env: NodeJS.ProcessEnv): Running {
  const child = spawn(process.execPath, [...cli, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  return { child, stdout: () => out, stderr: () => err };
}

// Generous: a child process compiles TypeScript at start, slow on a loaded 2-core machine.
async function waitForLine(r: Running, re: RegExp, timeoutMs = 30_000): Promise<RegExpMatchArray> {
  const start = Date.now();
  for (;;) {
    const m = r.stdout().match(re);
    if (m) return m;
    if (r.child.exitCode !== null) throw new Error(`CLI exited ${r.child.exitCode}: ${r.stderr()}`);
    if (Date.now() - start > timeoutMs)
      throw new Error(`no line ${re} within ${timeoutMs} ms; stdout: ${r.stdout()} stderr: ${r.stderr()}`);
    await new Promise((d) => setTimeout(d, 20));
  }
}

async function exercise(r: Running, token: string, phoneNumberId = '106540352242922'): Promise<void> {
  const graph = (await waitForLine(r, /^Graph API:\s+(http:\/\/\S+)\/v21\.0/m))[1]!;
  const phone = (await waitForLine(r, /^Phone page:\s+(http:\/\/\S+)$/m))[1]!;
  const testToken = (await waitForLine(r, /^Test API:\s+\S+\/_sim\/\s+\(send 'Authorization: Bearer (\S+)'; loopback Host only\)$/m))[1]!;
  assert.equal(phone, `${graph}/phone?token=${testToken}`);
  const page = await fetch(phone);
  assert.equal(page.status, 200, 'the link sets the cookie and lands on the page');
  assert.match(await page.text(), /<title>Switchboard simulator/);
  assert.match(r.stdout(), new RegExp(`phone number id ${phoneNumberId}\\b`));
  const res = await fetch(`${graph}/v21.0/${phoneNumberId}/messages`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ messaging_product: 'whatsapp', to: '+16505551234', text: { body: 'from the CLI test' } }),
  });
  assert.equal(res.status, 200, await res.clone().text());
  r.child.kill('SIGTERM');
  const [code] = await once(r.child, 'exit');
  assert.equal(code, 0);
  assert.match(r.stderr(), /SIGTERM: closing the simulator/);
}

// Each case spawns its own process on a random port, so they run side by side.
describe('simulator CLI', { concurrency: true }, () => {
  test('CLI starts from flags, prints its URLs, serves, and stops on SIGTERM', async () => {
    const rcv = await startReceiver('v');
    try {
      const r = run(
        ['--port', '0', '--webhook-url', rcv.url, '--app-secret', 's', '--verify-token', 'v', '--access-token', 't'],
        cleanEnv(),
      );
      await exercise(r, 't');
      assert.match(r.stdout(), /Webhook:\s+http:\/\/127\.0\.0\.1:\d+\/webhooks\/whatsapp \(verified\)/);
      assert.equal(rcv.verifications.length, 1);
    } finally {
      await rcv.close();
    }
  });

  test('CLI reads every setting from the environment', async () => {
    const rcv = await startReceiver('env-verify');
    try {
      const r = run(
        [],
        cleanEnv({
          SIMULATOR_PORT: '0',
          SIMULATOR_HOST: '127.0.0.1',
          SIMULATOR_WEBHOOK_URL: rcv.url,
          SIMULATOR_APP_SECRET: 'env-secret',
          SIMULATOR_VERIFY_TOKEN: 'env-verify',
          SIMULATOR_ACCESS_TOKEN: 'env-token',
          SIMULATOR_PHONE_NUMBER_ID: '4242424242',
          SIMULATOR_WABA_ID: '555',
          SIMULATOR_THROUGHPUT_PER_SECOND: '1',
          SIMULATOR_TEST_TOKEN: 'env-test-token-0123456789',
        }),
      );
      const waba = await waitForLine(r, /WABA (\d+)/);
      assert.equal(waba[1], '555');
      assert.match(r.stdout(), /Webhook:\s+http:\/\/127\.0\.0\.1:\d+\/webhooks\/whatsapp \(verified\)/);
      assert.deepEqual(
        rcv.verifications.map((v) => v.token),
        ['env-verify'],
      );
      const graph = (await waitForLine(r, /^Graph API:\s+(http:\/\/\S+)\/v21\.0/m))[1]!;
      // The inbound webhook is signed with SIMULATOR_APP_SECRET.
      const say = (headers: Record<string, string>) =>
        fetch(`${graph}/_sim/customers/16505551234/messages`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body: JSON.stringify({ type: 'text', text: { body: 'hi' } }),
        });
      assert.equal((await say({})).status, 401, 'the test API needs the token');
      const sent = await say({ 'x-sim-token': 'env-test-token-0123456789' });
      assert.equal(sent.status, 200);
      const hook = await rcv.waitFor(() => rcv.received[0], 5000, 'inbound webhook');
      assert.ok(verifySignature(hook.raw, hook.signature, 'env-secret'));
      assert.equal(hook.json.entry[0].changes[0].value.metadata.phone_number_id, '4242424242');
      await exercise(r, 'env-token', '4242424242');
    } finally {
      await rcv.close();
    }
  });

  test('CLI tuning flags: throughput, pair limit, statuses', async () => {
    const r = run(
      [
        '--port',
        '0',
        '--app-secret',
        's',
        '--verify-token',
        'v',
        '--access-token',
        't',
        '--phone-number-id',
        '777000777',
        '--waba-id',
        '888',
        '--throughput-per-second',
        '2',
        '--pair-rate-limit',
        'off',
        '--status-delays-ms',
        '0,0,0',
        '--read-probability',
        '0',
        '--out-of-order',
        'true',
        '--batch',
        '10,5',
        '--template-review-delay-ms',
        '0',
      ],
      cleanEnv(),
    );
    const graph = (await waitForLine(r, /^Graph API:\s+(http:\/\/\S+)\/v21\.0/m))[1]!;
    assert.match(r.stdout(), /WABA 888/);
    const codes = [];
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${graph}/v21.0/777000777/messages`, {
        method: 'POST',
        headers: { authorization: 'Bearer t', 'content-type': 'application/json' },
        body: JSON.stringify({ messaging_product: 'whatsapp', to: '+16505551234', text: { body: `n${i}` } }),
      });
      codes.push(((await res.json()) as any).error?.code ?? res.status);
    }
    assert.deepEqual(codes, [200, 200, 130429]);
    r.child.kill('SIGTERM');
    await once(r.child, 'exit');
  });

  test('CLI reports each missing or bad setting on its own line and exits 2', async () => {
    const bad = run(
      [
        '--port',
        'x',
        '--webhook-url',
        'ftp://nope',
        '--read-probability',
        '2',
        '--status-delays-ms',
        '1,2',
        '--out-of-order',
        'maybe',
        '--test-token',
        'short',
      ],
      cleanEnv(),
    );
    const unknown = run(['--nope'], cleanEnv());
    const help = run(['--help'], cleanEnv());
    const [[badCode], [unknownCode], [helpCode]] = await Promise.all([
      once(bad.child, 'exit'),
      once(unknown.child, 'exit'),
      once(help.child, 'exit'),
    ]);
    assert.equal(badCode, 2);
    const err = bad.stderr();
    for (const line of [
      'error: missing --app-secret (or SIMULATOR_APP_SECRET)',
      'error: missing --verify-token (or SIMULATOR_VERIFY_TOKEN)',
      'error: missing --access-token (or SIMULATOR_ACCESS_TOKEN)',
      'error: --port must be an integer 0-65535, got "x"',
      'error: --webhook-url must be an http(s) URL, got "ftp://nope"',
      'error: --read-probability must be between 0 and 1',
      'error: --status-delays-ms must be 3 comma-separated numbers >= 0, got "1,2"',
      'error: --out-of-order must be true or false, got "maybe"',
      'error: --test-token must be 16-200 characters of A-Z a-z 0-9 . _ ~ -',
    ]) {
      assert.ok(err.includes(`${line}\n`), `stderr has "${line}": ${err}`);
    }
    assert.doesNotMatch(err, /\n\s+at /, 'no stack trace');
    assert.equal(unknownCode, 2);
    assert.match(unknown.stderr(), /^error: Unknown option '--nope'/);
    assert.equal(helpCode, 0);
    assert.match(help.stdout(), /SIMULATOR_WEBHOOK_URL/);
    assert.match(help.stdout(), /--test-token\s+SIMULATOR_TEST_TOKEN/);
  });
});
