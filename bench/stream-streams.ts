/**
 * Many inbox streams on one credential: what they cost the server. Not part of `npm run bench`;
 * run it by hand (docs/reliability.md records its figures):
 *
 *   npx tsx bench/stream-streams.ts [switchboard source folder] [streams]
 *
 * Starts `src/main.ts` from the folder (default: this repository; pass an extracted older commit
 * to compare) on SQLite (on PostgreSQL when BENCH_PG_URL names a test database, which it empties
 * first), with one number pointing nowhere (no simulator, no demo bot), mints one
 * API token and signs in an agent who sees only conversations assigned to them (none), and
 * measures three times: with no stream; with N streams (default 300) on the agent's session
 * (they receive nothing, so they cost only their credential checks); with N streams on the token
 * (each message is also written to every stream). Each time: the server process's CPU over an
 * idle window (from /proc), then the acknowledgement latency of signed webhooks sent one at a time. STREAMS_PER_CREDENTIAL_MAX is raised to N so
 * all streams are admitted.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { signWhatsAppBody } from '../src/channels/whatsapp-cloud/webhook-signature.ts';
import { resetPostgres } from '../test/support/reset-postgres.ts';

const root = resolve(process.argv[2] ?? fileURLToPath(new URL('..', import.meta.url)));
const STREAMS = Number(process.argv[3] ?? 300);
const IDLE_WINDOW_MS = 10_000;
const WEBHOOKS = 300;
const ADMIN = 'bench-admin-token-0123456789';
const SECRET = 'bench-app-secret';
const PHONE_ID = '106540352242922';
const PG_URL = process.env.BENCH_PG_URL || undefined;
const say = (line: string) => process.stdout.write(`${line}\n`);

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sb-stream-bench-'));
  if (PG_URL) await resetPostgres(PG_URL);
  say(`${root} on ${PG_URL ? 'PostgreSQL' : 'SQLite'}`);
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? '',
      LOG_LEVEL: 'warn',
      DATA_DIR: dataDir,
      ...(PG_URL ? { DATABASE_URL: PG_URL } : {}),
      PORT: '0',
      SWITCHBOARD_ADMIN_TOKEN: ADMIN,
      DEMO_BOT: 'false',
      STREAMS_PER_CREDENTIAL_MAX: String(Math.max(1, STREAMS)),
      WHATSAPP_ACCESS_TOKEN: 'bench-access-token',
      WHATSAPP_APP_SECRET: SECRET,
      WHATSAPP_VERIFY_TOKEN: 'bench-verify-token',
      WHATSAPP_PHONE_NUMBER_ID: PHONE_ID,
      WHATSAPP_GRAPH_URL: 'http://127.0.0.1:9',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const sockets: http.ClientRequest[] = [];
  try {
    const url = await new Promise<string>((res, rej) => {
      const timer = setTimeout(() => rej(new Error(`no start:\n${out}`)), 30_000);
      child.stdout.on('data', () => {
        const m = /API:\s+(http:\/\/[^\s/]+)\/api\/v1/.exec(out);
        if (m?.[1]) {
          clearTimeout(timer);
          res(m[1]);
        }
      });
      child.on('exit', (code) => rej(new Error(`exited ${code}:\n${out}`)));
    });
    const minted = await fetch(`${url}/api/v1/tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'bench streams', scopes: ['conversations:read'] }),
    });
    const token = ((await minted.json()) as { token: string }).token;
    const pid = child.pid!;
    let seq = 0;

    const phase = async (label: string) => {
      const cpu = await cpuOver(pid, IDLE_WINDOW_MS);
      const lat: number[] = [];
      for (let i = 0; i < WEBHOOKS; i++) {
        const body = JSON.stringify(inbound(`1555${String(1_000_000 + seq).padStart(7, '0')}`, `wamid.bench.${seq++}`));
        const t0 = performance.now();
        const res = await fetch(`${url}/webhooks/whatsapp`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-hub-signature-256': signWhatsAppBody(body, SECRET) },
          body,
        });
        await res.arrayBuffer();
        lat.push(performance.now() - t0);
        if (res.status !== 200) throw new Error(`webhook answered ${res.status}`);
      }
      lat.sort((a, b) => a - b);
      const pct = (p: number) => lat[Math.min(lat.length - 1, Math.floor((p / 100) * lat.length))]!.toFixed(2);
      say(
        `${label}: idle CPU ${(cpu * 100).toFixed(1)}% of a core; webhook ack p50 ${pct(50)} ms, p99 ${pct(99)} ms (${WEBHOOKS} sequential)`,
      );
    };

    // An agent who sees only assigned conversations (none): their streams get no event, so what
    // they cost is the credential checks alone, not the fan-out of each message to every stream.
    const agentPassword = 'bench-agent-password-long';
    await fetch(`${url}/api/v1/users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'bench-agent@bench.test', name: 'Bench', password: agentPassword, visibility: 'assigned_and_team' }),
    });
    const login = await fetch(`${url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'bench-agent@bench.test', password: agentPassword }),
    });
    const cookie = login.headers
      .getSetCookie()
      .find((c) => c.startsWith('sb_session='))
      ?.split(';')[0];
    if (!cookie) throw new Error(`login: ${login.status}`);

    await phase('no stream');
    const streamsOf = async (headers: Record<string, string>, label: string) => {
      let opened = 0;
      let refused = 0;
      for (let i = 0; i < STREAMS; i++) {
        const status = await openStream(url, headers, sockets);
        if (status === 200) opened++;
        else refused++;
      }
      await new Promise((r) => setTimeout(r, 2000));
      await phase(`${opened} streams on ${label}${refused ? ` (${refused} refused)` : ''}`);
      for (const s of sockets.splice(0)) s.destroy();
      await new Promise((r) => setTimeout(r, 2000));
    };
    await streamsOf({ cookie }, "one agent's session, seeing no conversation");
    await streamsOf({ authorization: `Bearer ${token}` }, 'one token, seeing every event');
  } finally {
    for (const s of sockets) s.destroy();
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Opens a stream and keeps reading it (discarding); resolves with its status. */
function openStream(url: string, headers: Record<string, string>, sockets: http.ClientRequest[]): Promise<number> {
  return new Promise((res, rej) => {
    const req = http.get(`${url}/api/v1/stream`, { headers: { ...headers, accept: 'text/event-stream' }, agent: false }, (r) => {
      r.on('data', () => undefined);
      r.on('error', () => undefined);
      res(r.statusCode ?? 0);
    });
    req.on('error', rej);
    sockets.push(req);
  });
}

/** The share of one core process `pid` used over `ms` (utime + stime from /proc). */
async function cpuOver(pid: number, ms: number): Promise<number> {
  const ticks = () => {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15), in clock ticks
  };
  const t0 = performance.now();
  const c0 = ticks();
  await new Promise((r) => setTimeout(r, ms));
  return (ticks() - c0) / 100 / ((performance.now() - t0) / 1000); // USER_HZ is 100 on Linux
}

function inbound(waId: string, wamid: string): object {
  const ts = String(Math.floor(Date.now() / 1000));
  return {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: '102290129340398',
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: '15550783881', phone_number_id: PHONE_ID },
              contacts: [{ profile: { name: 'Bench' }, wa_id: waId }],
              messages: [{ from: waId, id: wamid, timestamp: ts, type: 'text', text: { body: 'hello' } }],
            },
          },
        ],
      },
    ],
  };
}

await main();
