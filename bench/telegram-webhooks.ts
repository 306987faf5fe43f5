import autocannon from 'autocannon';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { startSimulatedSwitchboard } from '../src/simulated-switchboard.ts';
import { startTelegramSimulator } from '../src/simulator/telegram/index.ts';
import { ADMIN_TOKEN, baseConfig, SECRETS } from '../test/support/test-config.ts';
import { settings } from './settings.ts';
import { round, Samples, summarize, type LatencySummary } from './stats.ts';
import { webhookBodyGenerator } from './webhook-bodies.ts';

export interface AckRun {
  channel: 'whatsapp' | 'telegram';
  requestsPerSec: number;
  latency: LatencySummary;
  ok: number;
  non2xx: number;
}

/** One closed-loop autocannon round; every request a fresh body (new customer, new message id). */
function blast(
  url: string,
  next: () => { body: string; headers: Record<string, string> },
  seconds: number,
): Promise<Omit<AckRun, 'channel'>> {
  const samples = new Samples(2_000_000);
  let non2xx = 0;
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url,
        connections: settings.webhookLoad.connections,
        duration: seconds,
        timeout: 10,
        requests: [
          {
            method: 'POST',
            path: new URL(url).pathname,
            setupRequest: (req) => {
              const { body, headers } = next();
              return { ...req, method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } };
            },
          },
        ],
      },
      (err, result) => {
        if (err) return reject(err instanceof Error ? err : new Error(String(err)));
        if (result.errors > 0) process.stderr.write(`  ${result.errors} request errors\n`);
        const s = result.duration || seconds;
        resolve({ requestsPerSec: round(result['2xx'] / s, 0), latency: summarize(samples.values()), ok: result['2xx'], non2xx });
      },
    );
    instance.on('response', (_c, status, _b, ms) => {
      if (status >= 200 && status < 300) samples.add(ms);
      else non2xx++;
    });
  });
}

/**
 * `npm run bench -- --only telegram` (issue #20): the webhook acknowledgement rate of Telegram
 * updates next to WhatsApp's, in one run on one Switchboard (SQLite, role all, no demo bot):
 * signed WhatsApp text webhooks to /webhooks/whatsapp, and Telegram text updates with the secret
 * header to /webhooks/telegram/<bot id>, the same connections and duration, alternated
 * (WhatsApp, Telegram, WhatsApp, Telegram) so machine load falls on both alike.
 */
export async function runTelegramBench(say: (line: string) => void): Promise<{ runs: AckRun[] }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-bench-tg-'));
  const tg = await startTelegramSimulator();
  const secret = 'bench_secret_token';
  const pair = await startSimulatedSwitchboard({
    config: {
      ...baseConfig('sqlite', dataDir, { demoBot: false, checkResponseSchemas: false }),
      adminToken: ADMIN_TOKEN,
      telegram: {
        bots: [{ botToken: tg.botToken, webhookSecret: secret, apiUrl: tg.url, mode: 'webhook', throughputPerSecond: 30 }],
        simulator: { enabled: false, port: 0 },
      },
    },
    secrets: SECRETS,
    logger: pino({ level: 'silent' }),
  });
  const runs: AckRun[] = [];
  try {
    const wa = webhookBodyGenerator(
      { phoneNumberId: pair.sim.phoneNumberId, displayPhoneNumber: pair.sim.displayPhoneNumber, wabaId: pair.sim.wabaId },
      SECRETS.appSecret,
    );
    let n = 0;
    const stamp = Date.now();
    const tgNext = () => {
      n++;
      const chat = 900_000_000 + n;
      const update = {
        update_id: stamp + n,
        message: {
          message_id: 1,
          date: Math.floor(Date.now() / 1000),
          chat: { id: chat, type: 'private', first_name: 'Bench' },
          from: { id: chat, is_bot: false, first_name: 'Bench' },
          text: `hello ${n}`,
        },
      };
      return { body: JSON.stringify(update), headers: { 'x-telegram-bot-api-secret-token': secret } };
    };
    const waNext = () => {
      const s = wa();
      return { body: s.body, headers: { 'x-hub-signature-256': s.signature } };
    };
    const base = pair.app.url;
    const targets = {
      whatsapp: { url: `${base}/webhooks/whatsapp`, next: waNext },
      telegram: { url: `${base}/webhooks/telegram/${tg.bot.id}`, next: tgNext },
    } as const;
    for (const channel of ['whatsapp', 'telegram', 'whatsapp', 'telegram'] as const) {
      const t = targets[channel];
      await blast(t.url, t.next, settings.webhookLoad.warmupSeconds);
      const r = await blast(t.url, t.next, settings.webhookLoad.durationSeconds);
      runs.push({ channel, ...r });
      say(
        `  ${channel.padEnd(8)} ${String(r.requestsPerSec).padStart(6)} acks/s  p50 ${r.latency.p50} ms  p99 ${r.latency.p99} ms  (${r.ok} ok, ${r.non2xx} non-2xx)`,
      );
      await pair.settle(120_000).catch(() => undefined); // the backlog drained before the next round
    }
  } finally {
    await pair.stop();
    await tg.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
  return { runs };
}
