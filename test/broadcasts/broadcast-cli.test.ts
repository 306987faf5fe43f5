import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parse } from 'csv-parse/sync';
import { startSimulator, type Simulator } from '../../src/simulator/index.ts';
import { startTelegramSimulator, type TelegramSimulator, type TgSimUser } from '../../src/simulator/telegram/index.ts';
import { forEachDialect, postgresUrl } from '../support/dialects.ts';
import { resetPostgres } from '../support/reset-postgres.ts';
import { freePort, simulatorNumberEnv, spawnSwitchboard, type Child } from '../support/spawn-switchboard.ts';
import { SECRETS } from '../support/test-world.ts';
import { waitFor } from '../support/wait-for.ts';

const ADMIN = 'broadcast-cli-admin-token-1234';
const CLI = join(import.meta.dirname, '../../src/cli/broadcast.ts');
const UNREGISTERED = '14155559999';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The CLI as a user runs it: its own process, talking to Switchboard over HTTP. */
function cli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
      env: { ...process.env, SWITCHBOARD_URL: '', SWITCHBOARD_TOKEN: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

forEachDialect('broadcast CLI, recipients export and test send (real Switchboard process, simulator)', (dialect) => {
  let sim: Simulator;
  let tg: TelegramSimulator;
  let sb: Child;
  let dir: string;
  let env: Record<string, string>;
  const api = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${sb.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, type: res.headers.get('content-type') ?? '', text, body: text.startsWith('{') ? JSON.parse(text) : null };
  };
  const received = (waId: string, name: string) =>
    sim
      .customer(waId)
      .received()
      .filter((m) => m.type === 'template' && m.template?.name === name);
  const csvFile = (name: string, lines: string[]) => {
    const path = join(dir, name);
    writeFileSync(path, `${lines.join('\n')}\n`);
    return path;
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'switchboard-bcast-cli-'));
    if (dialect === 'postgres' && postgresUrl) await resetPostgres(postgresUrl);
    sim = await startSimulator({
      ...SECRETS,
      templateReviewDelayMs: 0,
      statusDelaysMs: { sent: 5, delivered: 10, read: 20 },
      readProbability: 0,
      unregisteredNumbers: [UNREGISTERED],
    });
    // A Telegram bot beside the number, for text broadcasts (the number stays the default channel).
    tg = await startTelegramSimulator({ retryDelaysMs: [50] });
    const port = await freePort();
    sb = await spawnSwitchboard(
      {
        PORT: String(port),
        TELEGRAM_BOT_TOKEN: tg.botToken,
        TELEGRAM_API_URL: tg.url,
        TELEGRAM_WEBHOOK_SECRET: 'cli_tg_secret_1',
        TELEGRAM_WEBHOOK_BASE_URL: `http://127.0.0.1:${port}`,
        DATA_DIR: dir,
        ...(dialect === 'postgres' && postgresUrl ? { DATABASE_URL: postgresUrl } : {}),
        SWITCHBOARD_ADMIN_TOKEN: ADMIN,
        TEMPLATE_SYNC_INTERVAL_MS: '0',
        ...simulatorNumberEnv(sim),
      },
      180_000, // a loaded shared machine (load average ~30) took over a minute to start it
    );
    await sim.setWebhookUrl(`${sb.url}/webhooks/whatsapp`);
    env = { SWITCHBOARD_URL: sb.url, SWITCHBOARD_TOKEN: ADMIN };
    for (const t of [
      { name: 'aviso_cli', body: 'Hola {{1}}, tu pedido {{2}} sale hoy.', example: [['Ana', 'R-1']] },
      { name: 'aviso_corto', body: 'Hola {{1}}, hay mantenimiento mañana.', example: [['Ana']] },
    ]) {
      const created = await api('POST', '/api/v1/templates', {
        name: t.name,
        language: 'es_MX',
        category: 'UTILITY',
        components: [{ type: 'BODY', text: t.body, example: { body_text: t.example } }],
      });
      assert.equal(created.status, 201, created.text);
      assert.equal((await api('POST', `/api/v1/templates/${created.body.id}/submit`, {})).status, 200);
      await waitFor(async () => (await api('GET', `/api/v1/templates/${created.body.id}`)).body.status === 'APPROVED', 10_000, 'approved');
    }
  });
  after(async () => {
    await sb?.kill();
    await sim?.close();
    await tg?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('bad options: exit 2 and a line saying what to fix; no server or a wrong token: exit 3', async () => {
    const noTemplate = await cli(['send', '--csv', 'x.csv'], env);
    assert.equal(noTemplate.code, 2);
    assert.match(noTemplate.stderr, /--template is required/);
    const unknown = await cli(['send', '--template', 'x', '--csv', 'x.csv', '--colour', 'red'], env);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /Unknown option '--colour'/);
    assert.match(unknown.stderr, /--help/);
    const noFile = await cli(['send', '--template', 'x', '--csv', join(dir, 'missing.csv')], env);
    assert.deepEqual([noFile.code, /missing\.csv: cannot read it \(ENOENT\)/.test(noFile.stderr)], [2, true]);
    const badRate = await cli(['send', '--template', 'x', '--csv', 'x.csv', '--rate', '5000'], env);
    assert.deepEqual([badRate.code, /--rate must be a whole number from 1 to 1000/.test(badRate.stderr)], [2, true]);
    const noToken = await cli(['status', 'bc_x'], { SWITCHBOARD_URL: sb.url });
    assert.deepEqual([noToken.code, /No token/.test(noToken.stderr)], [2, true]);
    assert.equal((await cli([], env)).code, 2);
    assert.equal((await cli(['--help'], env)).code, 0);
    const down = await cli(['status', 'bc_x', '--url', `http://127.0.0.1:${await freePort()}`], env);
    assert.equal(down.code, 3);
    assert.match(down.stderr, /Cannot reach Switchboard at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/);
    const wrongToken = await cli(['status', 'bc_x', '--token', 'nope-nope-nope'], env);
    assert.deepEqual([wrongToken.code, /refused the token \(401\)/.test(wrongToken.stderr)], [3, true]);
    const missing = await cli(['status', 'bc_none', '--once'], env);
    assert.deepEqual([missing.code, /broadcast_not_found/.test(missing.stderr)], [1, true]);
  });

  test('validation fails: exit 1 with every reason listed by CSV line, nothing sent', async () => {
    // aviso_cli has two variables; this file gives one column, so every recipient misses {{2}}.
    const file = csvFile('one-column.csv', ['phone,customer_name', '+14155550101,Ana', '+14155550102,Beto', '123,Carla']);
    const r = await cli(['send', '--template', 'aviso_cli', '--csv', file, '--override-opt-in', 'order notice'], env);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /Imported 2 customers .* 1 rows left out/);
    assert.match(r.stderr, /line 4: bad_number/);
    assert.match(r.stderr, /Cannot start broadcast bc_/);
    assert.match(r.stderr, /line 2 \(\+14155550101\): template_param_missing/);
    assert.match(r.stderr, /line 3 \(\+14155550102\): template_param_missing/);
    assert.match(r.stderr, /Fix the CSV/);
    assert.equal(received('14155550101', 'aviso_cli').length, 0);
  });

  test('send: a live progress bar, the summary, exit 0; every customer once; attribute columns set; recipients exported as CSV', async () => {
    const phones = Array.from({ length: 12 }, (_, i) => `1415555${String(200 + i).padStart(4, '0')}`);
    const file = csvFile('customers.csv', [
      'phone,customer_name,request_id,attributes.plan',
      ...phones.map((p, i) => `+${p},C${i},R-${i},${i % 2 ? 'gold' : ''}`),
      `+${UNREGISTERED},Nadie,R-X,gold`,
    ]);
    const r = await cli(
      ['send', '--template', 'aviso_cli', '--csv', file, '--override-opt-in', 'order notice', '--rate', '4', '--interval', '200'],
      env,
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /Started broadcast bc_\w+: 13 recipients at up to 4 msg\/s/);
    // Not a terminal here: cli-progress writes the bar as lines every 2 s.
    assert.match(r.stderr, /[█░]+ \d+% \| \d+\/13 \| sent \d+ delivered \d+ read \d+ failed \d+ \| [\d.]+ msg\/s \| ETA \S+ \| running/);
    // The unregistered number is sent too (Meta accepts it, then reports 131026): it may or may not have failed yet.
    const summary = /broadcast (bc_\w+) completed: 13 recipients, sent 1[23], delivered \d+, read 0, failed [01]/.exec(r.stdout);
    assert.ok(summary, r.stdout);
    const id = summary[1] ?? '';
    for (const p of phones) assert.equal(received(p, 'aviso_cli').length, 1, p);
    assert.equal(received(phones[3] ?? '', 'aviso_cli')[0]?.template?.body, 'Hola C3, tu pedido R-3 sale hoy.');
    // attributes.plan set the attribute where the cell had a value, and is not a template variable.
    const contacts = (await api('GET', `/api/v1/contacts?q=${phones[1]}`)).body.data;
    assert.equal(contacts[0]?.attributes?.plan, 'gold', JSON.stringify(contacts));
    assert.equal((await api('GET', `/api/v1/contacts?q=${phones[2]}`)).body.data[0]?.attributes?.plan, undefined);

    // The unregistered number fails late (Meta's 131026 status callback): filters and the export see it.
    await waitFor(async () => (await api('GET', `/api/v1/broadcasts/${id}`)).body.counts.failed === 1, 90_000, 'the 131026 failure');
    const failed = await api('GET', `/api/v1/broadcasts/${id}/recipients?status=failed&error_code=1310`);
    assert.deepEqual(
      failed.body.data.map((x: any) => [x.address, x.error.code]),
      [[`+${UNREGISTERED}`, 'whatsapp_131026']],
    );
    assert.equal((await api('GET', `/api/v1/broadcasts/${id}/recipients?error_code=470`)).body.data.length, 0);
    const several = await api('GET', `/api/v1/broadcasts/${id}/recipients?status=sent,delivered,read&limit=5`);
    assert.deepEqual([several.body.data.length, several.body.next_cursor], [5, '5']);
    const page2 = await api('GET', `/api/v1/broadcasts/${id}/recipients?status=sent,delivered,read&limit=100&cursor=5`);
    assert.deepEqual([page2.body.data.length, page2.body.next_cursor], [7, null]);
    assert.equal((await api('GET', `/api/v1/broadcasts/${id}/recipients?status=bogus`)).body.error.code, 'invalid_status');
    assert.equal((await api('GET', `/api/v1/broadcasts/${id}/recipients?format=xml`)).body.error.code, 'invalid_format');
    assert.equal((await api('GET', '/api/v1/broadcasts/bc_none/recipients?format=csv')).status, 404);
    for (const how of [
      { q: '?format=csv', h: {} },
      { q: '', h: { accept: 'text/csv' } },
    ] as Array<{ q: string; h: Record<string, string> }>) {
      const exp = await api('GET', `/api/v1/broadcasts/${id}/recipients${how.q}`, undefined, how.h);
      assert.equal(exp.status, 200);
      assert.match(exp.type, /^text\/csv/);
      const rows: Record<string, string>[] = parse(exp.text, { columns: true });
      assert.equal(rows.length, 13);
      assert.deepEqual(Object.keys(rows[0] ?? {}), [
        'seq',
        'address',
        'contact_id',
        'status',
        'error_code',
        'error_message',
        'message_id',
        'queued_at',
        'price_estimate',
      ]);
      assert.deepEqual(
        rows.filter((x) => x.status === 'failed').map((x) => [x.address, x.error_code]),
        [[`+${UNREGISTERED}`, 'whatsapp_131026']],
      );
    }
    const onlyFailed = await api('GET', `/api/v1/broadcasts/${id}/recipients?format=csv&status=failed`);
    assert.equal(onlyFailed.text.trim().split('\n').length, 2);
    // status follows to the end and prints the same summary.
    const st = await cli(['status', id], env);
    assert.equal(st.code, 0);
    assert.match(st.stdout, new RegExp(`broadcast ${id} completed: 13 recipients, sent 12, delivered 12, read 0, failed 1`));
  });

  test('test send: the template with the first recipient’s parameters to one number; the draft is kept and starts later', async () => {
    const file = csvFile('test-send.csv', ['phone,customer_name', '+14155550301,Olga', '+14155550302,Pia']);
    const r = await cli(
      ['send', '--template', 'aviso_corto', '--csv', file, '--override-opt-in', 'notice', '--test-to', '+14155550399', '--interval', '200'],
      env,
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Test sent to \+14155550399 \(message msg_\w+\): "Hola Olga, hay mantenimiento mañana\."/);
    const id = /start (bc_\w+)/.exec(r.stdout)?.[1] ?? '';
    await waitFor(() => received('14155550399', 'aviso_corto').length === 1, 10_000, 'the test arrives');
    assert.equal(received('14155550301', 'aviso_corto').length, 0);
    // The same test to a contact instead of a number (contact_id): it goes to the contact's number.
    const olga = (await api('GET', '/api/v1/contacts?q=14155550301')).body.data[0];
    const byContact = await api('POST', `/api/v1/broadcasts/${id}/test-send`, { contact_id: olga.id });
    assert.deepEqual([byContact.status, byContact.body.to], [202, '+14155550301'], byContact.text);
    await waitFor(() => received('14155550301', 'aviso_corto').length === 1, 10_000, 'the test to the contact arrives');
    const both = await api('POST', `/api/v1/broadcasts/${id}/test-send`, { phone: '+14155550399', contact_id: olga.id });
    assert.deepEqual([both.status, both.body.error.code], [422, 'recipient_required']);
    assert.equal((await api('GET', `/api/v1/broadcasts/${id}`)).body.state, 'draft');
    assert.equal((await api('POST', `/api/v1/broadcasts/${id}/test-send`, { phone: '5512345678' })).body.error.code, 'invalid_phone');
    assert.equal((await api('POST', '/api/v1/broadcasts/bc_none/test-send', { phone: '+14155550399' })).status, 404);
    // Scheduled in a time zone from the CLI: it says when, and exits 0.
    const later = await cli(['start', id, '--schedule', '2099-07-15T09:00', '--time-zone', 'America/Mexico_City'], env);
    assert.equal(later.code, 0, later.stderr);
    assert.match(later.stdout, new RegExp(`broadcast ${id} scheduled for 2099-07-15T15:00:00.000Z`));
    const noZone = await cli(['start', id, '--schedule', '2099-07-15T09:00'], env);
    assert.equal(noZone.code, 1);
    const cancelled = await api('POST', `/api/v1/broadcasts/${id}/cancel`);
    assert.equal(cancelled.body.state, 'cancelled');
    const st = await cli(['status', id, '--once'], env);
    assert.deepEqual([st.code, /cancelled/.test(st.stdout)], [1, true]);
  });

  test('send --text on a Telegram bot: a CSV of chat ids, a test to a contact, the text to each opted-in chat once; exit codes', async () => {
    const botChannel = `tg_${tg.botToken.split(':')[0]}`;
    const users = ['Ana', 'Beto'].map((first_name) => tg.user({ first_name }));
    for (const u of users) u.send('hola');
    assert.ok(await tg.drain());
    const contactIdOf = async (u: TgSimUser) => {
      let id = '';
      await waitFor(
        async () => {
          id = (await api('GET', `/api/v1/contacts?q=${u.id}`)).body.data[0]?.id ?? '';
          return id !== '';
        },
        20_000,
        `the contact of chat ${u.id}`,
      );
      return id;
    };
    const ids = [];
    for (const u of users) {
      const id = await contactIdOf(u);
      assert.equal((await api('POST', `/api/v1/contacts/${id}/opt-in`, {})).status, 200);
      ids.push(id);
    }
    const [ana, beto] = users as [TgSimUser, TgSimUser];
    const texts = (u: TgSimUser) =>
      tg
        .sent()
        .filter((x) => x.method === 'sendMessage' && String(x.params.chat_id) === String(u.id))
        .map((x) => String(x.params.text))
        .filter((t) => !t.includes('demo bot')); // the demo bot's greeting to a first message
    const file = csvFile('telegram.csv', ['telegram_chat_id,code', `${ana.id},A-1`, `${beto.id},B-2`, '999000111,X-9']);

    const both = await cli(['send', '--text', 'x', '--template', 'aviso_cli', '--csv', file], env);
    assert.deepEqual([both.code, /--template .* or --text .* not both/.test(both.stderr)], [2, true]);
    const wrongNumber = await cli(['send', '--text', 'Hola {{1}}', '--csv', file], env);
    assert.equal(wrongNumber.code, 1, wrongNumber.stderr);
    assert.match(wrongNumber.stderr, /text_not_on_channel/);
    const invalid = await cli(['send', '--text', 'Hola {{1}} {{2}}', '--csv', file, '--number', botChannel], env);
    assert.equal(invalid.code, 1, invalid.stderr);
    assert.match(invalid.stderr, /line 2 \(\d+\): text_param_missing/);
    assert.match(invalid.stderr, /do not fit the text/);

    // A test to Beto's contact (someone who wrote to the bot), the draft kept.
    const tested = await cli(['send', '--text', 'Prueba {{1}}', '--csv', file, '--number', botChannel, '--test-to', ids[1] ?? ''], env);
    assert.equal(tested.code, 0, tested.stderr);
    assert.match(tested.stdout, new RegExp(`Test sent to ${beto.id} \\(message msg_\\w+\\): "Prueba A-1"`));
    await waitFor(() => texts(beto).includes('Prueba A-1'), 10_000, 'the test arrives');

    const r = await cli(['send', '--text', 'Hola, tu código es {{1}}', '--csv', file, '--number', botChannel, '--interval', '200'], env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /Imported 2 customers .* 1 rows left out/);
    assert.match(r.stderr, /line 4: unknown_chat/);
    assert.match(r.stderr, /Checked: 2 to send/);
    assert.match(r.stdout, /broadcast bc_\w+ completed: 2 recipients, sent 2, delivered \d+, read \d+, failed 0/);
    assert.deepEqual(texts(ana), ['Hola, tu código es A-1']);
    assert.deepEqual(texts(beto), ['Prueba A-1', 'Hola, tu código es B-2']);
  });
});
