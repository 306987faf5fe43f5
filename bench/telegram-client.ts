import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { Api } from 'grammy';
import { BotApiClient } from '../src/channels/telegram/bot-api-client.ts';
import { botApiResult, transportFailure } from '../src/channels/telegram/bot-api-result.ts';
import { escapeHtml, toBotApiCall } from '../src/channels/telegram/outbound-call.ts';
import { round, summarize, type LatencySummary } from './stats.ts';

export type TgClientKind = 'raw' | 'grammy';

export interface TgClientRound {
  client: TgClientKind;
  calls: number;
  errors: number;
  callsPerSec: number;
  latency: LatencySummary;
  /** CPU of this (the benchmark) process per call, user + system, in microseconds: the client's own cost. */
  cpuMicrosPerCall: number;
  /** Heap used and RSS of this process when the round ended, and the heap's growth over the round (MiB). */
  heapUsedMiB: number;
  heapGrowthMiB: number;
  rssMiB: number;
}

export interface TgClientBenchOptions {
  calls: number;
  chats: number;
  concurrency: number;
  warmupCalls: number;
  /** Pool size of the raw client: the adapter's default (8) unless BENCH_TG_CONNECTIONS says otherwise. */
  rawConnections: number;
}

export function tgClientBenchOptions(): TgClientBenchOptions {
  const n = (name: string, dflt: number) => Number(process.env[name] ?? dflt) || dflt;
  return {
    calls: n('BENCH_TG_CALLS', 10_000),
    chats: n('BENCH_TG_CHATS', 500),
    concurrency: n('BENCH_TG_CONCURRENCY', 50),
    warmupCalls: n('BENCH_TG_WARMUP', 500),
    rawConnections: n('BENCH_TG_CONNECTIONS', 8),
  };
}

interface SimInfo {
  url: string;
  botToken: string;
  chatIds: number[];
}

/** The simulator in its own process (bench/telegram-sim-process.ts), so this process's CPU is the client's alone. */
async function startSimProcess(chats: number): Promise<{ info: SimInfo; stop: () => Promise<void> }> {
  const entry = fileURLToPath(new URL('./telegram-sim-process.ts', import.meta.url));
  const child = fork(entry, [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, BENCH_TG_CHATS: String(chats) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const info = await new Promise<SimInfo>((resolve, reject) => {
    child.once('message', (m) => resolve(m as SimInfo));
    child.once('exit', (code) => reject(new Error(`the Telegram simulator process exited (${code})`)));
  });
  return {
    info,
    stop: async () => {
      child.disconnect();
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

type SendText = (chatId: number, text: string) => Promise<void>;

/**
 * (a) what the adapter does for a text send, less its per-chat pacing (which would measure the
 * 1 msg/s rule, not the client): toBotApiCall (HTML-escaped text), one POST on the pooled
 * keep-alive undici client, botApiResult on the answer.
 */
function rawSender(sim: SimInfo, connections: number): { send: SendText; close: () => Promise<void> } {
  const client = new BotApiClient({ apiUrl: sim.url, botToken: sim.botToken, timeoutMs: 15_000, connections });
  return {
    send: async (chatId, text) => {
      const call = toBotApiCall({ to: String(chatId), content: { type: 'text', text } });
      let r: ReturnType<typeof botApiResult>;
      try {
        r = botApiResult(await client.call(call.method, call.params));
      } catch (err) {
        r = transportFailure(err);
      }
      if (!r.ok) throw new Error(`${r.code}: ${r.message}`);
    },
    close: () => client.close(),
  };
}

/**
 * (b) grammY's Api (no Bot, no plugins: the same single attempt), its default transport:
 * node-fetch over an http.Agent with keepAlive and no socket cap. The text escaped with the
 * same escapeHtml: grammY sends what it is given.
 */
function grammySender(sim: SimInfo): { send: SendText; close: () => Promise<void> } {
  const api = new Api(sim.botToken, { apiRoot: sim.url });
  return {
    send: async (chatId, text) => {
      await api.sendMessage(chatId, escapeHtml(text), { parse_mode: 'HTML', link_preview_options: { is_disabled: true } });
    },
    close: async () => undefined,
  };
}

/** `calls` sends spread over the chats round-robin, `concurrency` in flight; latencies in ms. */
async function drive(
  send: SendText,
  chatIds: number[],
  calls: number,
  concurrency: number,
  offset: number,
): Promise<{ latencies: Float64Array; errors: number; firstError?: string }> {
  const latencies = new Float64Array(calls);
  let next = 0;
  let errors = 0;
  let firstError: string | undefined;
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= calls) return;
      const chat = chatIds[(offset + i) % chatIds.length] as number;
      const t0 = performance.now();
      try {
        // Characters a customer's name can carry: the HTML escaping is part of every send.
        await send(chat, `Hello <Ana & Bo>, order #${offset + i} is on its way > see you`);
      } catch (err) {
        errors++;
        firstError ??= err instanceof Error ? err.message : String(err);
      }
      latencies[i] = performance.now() - t0;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { latencies, errors, ...(firstError ? { firstError } : {}) };
}

const MiB = 1024 * 1024;

/**
 * `npm run bench -- --only telegram-client` (issue #20): the same sendMessage calls through the
 * adapter's raw Bot API client and through grammY's Api, against the Telegram simulator in a child
 * process, alternated (raw, grammY, raw, grammY) so the shared machine's load falls on both alike.
 * Each round: a fresh client, `warmupCalls` not counted (connections opened, code warmed), then
 * `calls` measured (after one unmeasured pass of each client): throughput, p50/p99, this process's CPU per call, heap and RSS.
 */
export async function runTelegramClientBench(
  say: (line: string) => void,
  opts: TgClientBenchOptions = tgClientBenchOptions(),
): Promise<{ options: TgClientBenchOptions; rounds: TgClientRound[] }> {
  const sim = await startSimProcess(opts.chats);
  const rounds: TgClientRound[] = [];
  let offset = 0;
  try {
    // One unmeasured pass of each first: the simulator's and this process's JIT warm before the
    // first measured round (without it the first round, always raw, ran ~2x slower than the third).
    for (const kind of ['raw', 'grammy'] as const) {
      const client = kind === 'raw' ? rawSender(sim.info, opts.rawConnections) : grammySender(sim.info);
      await drive(client.send, sim.info.chatIds, opts.calls, opts.concurrency, offset);
      offset += opts.calls;
      await client.close();
    }
    for (const kind of ['raw', 'grammy', 'raw', 'grammy'] as const) {
      const client = kind === 'raw' ? rawSender(sim.info, opts.rawConnections) : grammySender(sim.info);
      try {
        await drive(client.send, sim.info.chatIds, opts.warmupCalls, opts.concurrency, offset);
        offset += opts.warmupCalls;
        const mem0 = process.memoryUsage();
        const cpu0 = process.cpuUsage();
        const t0 = performance.now();
        const run = await drive(client.send, sim.info.chatIds, opts.calls, opts.concurrency, offset);
        const wall = performance.now() - t0;
        const cpu = process.cpuUsage(cpu0);
        const mem = process.memoryUsage();
        offset += opts.calls;
        const r: TgClientRound = {
          client: kind,
          calls: opts.calls,
          errors: run.errors,
          callsPerSec: round(((opts.calls - run.errors) / wall) * 1000, 0),
          latency: summarize(run.latencies),
          cpuMicrosPerCall: round((cpu.user + cpu.system) / opts.calls, 0),
          heapUsedMiB: round(mem.heapUsed / MiB, 1),
          heapGrowthMiB: round((mem.heapUsed - mem0.heapUsed) / MiB, 1),
          rssMiB: round(mem.rss / MiB, 1),
        };
        rounds.push(r);
        say(
          `  ${kind.padEnd(6)} ${String(r.callsPerSec).padStart(6)} calls/s  p50 ${r.latency.p50} ms  p99 ${r.latency.p99} ms  ` +
            `${r.cpuMicrosPerCall} µs CPU/call  heap ${r.heapUsedMiB} MiB (${r.heapGrowthMiB >= 0 ? '+' : ''}${r.heapGrowthMiB})  rss ${r.rssMiB} MiB` +
            (run.errors ? `  ${run.errors} errors (${run.firstError})` : ''),
        );
      } finally {
        await client.close();
      }
    }
  } finally {
    await sim.stop();
  }
  return { options: opts, rounds };
}
