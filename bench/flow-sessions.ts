/**
 * (f) Flow sessions: 1,000 concurrent sessions stepping through a 10-block flow (send, ask, set,
 * condition) against the simulator; customers answer as soon as they are asked. Figures:
 *   - steps/s: customer answers handled per second while all sessions step concurrently;
 *   - p50/p99 step latency: a customer's message -> the bot's next message accepted by the
 *     simulator (its Graph API `acceptedAt`), on one clock;
 *   - memory per idle session: heap and RSS growth of the Switchboard process after every session
 *     is parked at its first question, over a forced full GC, divided by the number of sessions.
 * Switchboard runs in its own child process (started with --expose-gc); the simulator and the
 * customers run here. Alone: `npx tsx bench/flow-sessions.ts` (merges `flows` into
 * bench-results.json); `npm run bench` runs it as its last section.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Simulator, SimOutbound } from '../src/simulator/index.ts';
import { hiResClock } from './clock.ts';
import { loadAverage, machineInfo, type MachineInfo } from './machine.ts';
import { startBenchSimulator } from './simulator-host.ts';
import { round, Samples, summarize, type LatencySummary } from './stats.ts';
import { settle, switchboardSpec } from './switchboard-with-simulator.ts';
import { startTargetProcess, usageBetween, type TargetHandle } from './target-client.ts';

const ADMIN_TOKEN = 'bench-admin-token-0123456789'; // bench/switchboard-target.ts
const FLOW_ID = 'flowbench';
const PROMPTS = { q1: 'What is your name?', q2: 'Rate us from 1 to 5', q3: 'Shall we keep in touch?' } as const;
const DONE = /^Thanks (.+), see you\.$/;

/** The benchmark flow: 10 blocks, 9 on the path each session takes, 4 customer messages. */
export const benchFlow = {
  id: FLOW_ID,
  name: 'Flow benchmark',
  start: 'greet',
  triggers: [{ type: 'exact', value: 'flowbench' }],
  blocks: {
    greet: { type: 'send', message: { text: 'Hello {{contact.name | default: "there"}}!' }, exits: { next: 'q1' } },
    q1: { type: 'ask', kind: 'text', prompt: PROMPTS.q1, variable: 'name', min_length: 2, exits: { next: 'keep' } },
    keep: { type: 'set', values: { 'session.who': '{{session.name | upper}}', 'result.name': '{{session.name}}' }, exits: { next: 'q2' } },
    q2: { type: 'ask', kind: 'number', min: 1, max: 5, prompt: PROMPTS.q2, variable: 'score', exits: { next: 'branch' } },
    branch: { type: 'condition', if: { var: 'session.score', op: 'gte', value: 3 }, exits: { then: 'happy', else: 'sorry' } },
    happy: { type: 'send', message: { text: 'Glad you liked it, {{session.who}}.' }, exits: { next: 'q3' } },
    sorry: { type: 'send', message: { text: 'Sorry to hear that, {{session.who}}.' }, exits: { next: 'q3' } },
    q3: { type: 'ask', kind: 'text', prompt: PROMPTS.q3, variable: 'keep', exits: { next: 'note' } },
    note: { type: 'set', values: { 'result.score': '{{session.score}}', 'result.keep': '{{session.keep}}' }, exits: { next: 'done' } },
    done: { type: 'end', status: 'succeeded', message: 'Thanks {{session.name}}, see you.' },
  },
};

export interface FlowBenchResult {
  timestamp: string;
  machine: MachineInfo;
  sessions: number;
  blocks: number;
  /** Starting every session at once (trigger -> greeting), until all are parked at q1. */
  start: { seconds: number; latency: LatencySummary };
  /** Every parked session answering q1, q2, q3 as soon as asked, to the end. */
  stepping: {
    steps: number;
    seconds: number;
    stepsPerSecond: number;
    latency: LatencySummary;
    completed: number;
    cpu: { targetCpuCores: number; targetLoopBusy: number };
  };
  idleMemory: { heapBytesPerSession: number; rssBytesPerSession: number; heapDeltaBytes: number; rssDeltaBytes: number; gcForced: boolean };
  results: { succeeded: number };
  note?: string;
}

type Customer = { waId: string; sentAt: number; measured: boolean; parked: boolean; done: boolean; name: string };

export async function runFlowSessionsBench(opts: { sessions?: number; say?: (line: string) => void } = {}): Promise<FlowBenchResult> {
  const n = opts.sessions ?? 1000;
  const say = opts.say ?? (() => undefined);
  const machine = machineInfo();
  const sim: Simulator = await startBenchSimulator();
  let target: TargetHandle | undefined;
  try {
    target = await startTargetProcess({ type: 'switchboard', spec: switchboardSpec(sim, 'all') }, 'switchboard-flows', { exposeGc: true });
    const check = await sim.setWebhookUrl(`${target.url}/webhooks/whatsapp`);
    if (!check.ok) throw new Error(`the simulator could not verify Switchboard's webhook: ${check.status ?? ''} ${check.error ?? ''}`);
    await publish(target.url);

    const now = hiResClock.now;
    const customers = new Map<string, Customer>();
    const startLatency = new Samples(n);
    const stepLatency = new Samples(n * 3);
    let stepping = false;
    let parked = 0;
    let completed = 0;
    let lastDoneAt = 0;
    let sendErrors = 0;
    let observing = true;
    const send = (c: Customer, text: string) => {
      c.sentAt = now();
      c.measured = false;
      sim
        .customer(c.waId, c.name)
        .sendText(text)
        .catch(() => sendErrors++);
    };
    // One observer over every outbound message (as bench/customer-traffic.ts): it times the first
    // bot message after each customer message, and answers each question as soon as it arrives.
    const observer = sim
      .waitForOutbound((m: SimOutbound) => {
        if (!observing) return true; // detaches the observer
        const c = customers.get(m.waId);
        if (!c) return false;
        if (!c.measured) {
          c.measured = true;
          (stepping ? stepLatency : startLatency).add(m.acceptedAt - c.sentAt);
        }
        const text = m.text ?? '';
        if (text === PROMPTS.q1) {
          if (stepping) send(c, c.name);
          else if (!c.parked) {
            c.parked = true;
            parked++;
          }
        } else if (text === PROMPTS.q2) send(c, String(1 + (Number(c.waId.slice(-1)) % 5)));
        else if (text === PROMPTS.q3) send(c, 'yes');
        else if (DONE.test(text) && !c.done) {
          c.done = true;
          completed++;
          lastDoneAt = now();
        }
        return false;
      }, 30 * 60_000)
      .catch(() => undefined);

    // Warm-up (not measured): a few sessions through the whole flow, so the JIT and pools are warm.
    say(`(f) flow sessions: warm-up ...`);
    await warmUp(sim, target);
    await settle(sim, target, 20_000);
    const before = await target.memory();

    say(`(f) starting ${n} sessions at once and parking them at the first question ...`);
    const t0 = now();
    for (let i = 0; i < n; i++) {
      const c: Customer = {
        waId: `1646${String(i).padStart(7, '0')}`,
        sentAt: 0,
        measured: true,
        parked: false,
        done: false,
        name: `Cust${i}`,
      };
      customers.set(c.waId, c);
      send(c, 'flowbench');
    }
    await until(() => parked >= n, 120_000);
    const startSeconds = (now() - t0) / 1000;
    await settle(sim, target, 30_000);
    const idle = await target.memory();
    say(
      `    ${parked}/${n} parked in ${round(startSeconds, 1)} s; heap +${mib(idle.heapUsedBytes - before.heapUsedBytes)} MiB, RSS +${mib(idle.rssBytes - before.rssBytes)} MiB`,
    );

    say(`(f) every session answers as soon as asked, to the end ...`);
    const usage0 = await target.usage();
    stepping = true;
    const t1 = now();
    for (const c of customers.values()) send(c, c.name);
    await until(() => completed >= n, 180_000);
    const seconds = ((completed >= n ? lastDoneAt : now()) - t1) / 1000;
    const usage1 = await target.usage();
    observing = false;
    void observer;
    await settle(sim, target, 30_000);
    const results = await api(target.url, 'GET', `/api/v1/flows/${FLOW_ID}/results?limit=10000`);
    const succeeded = Array.isArray(results?.data) ? results.data.filter((r: { status?: string }) => r.status === 'succeeded').length : 0;
    const steps = stepLatency.values().length;
    const u = usageBetween(usage0, usage1);
    const out: FlowBenchResult = {
      timestamp: new Date().toISOString(),
      machine: { ...machine, loadAverageAtEnd: loadAverage() },
      sessions: n,
      blocks: Object.keys(benchFlow.blocks).length,
      start: { seconds: round(startSeconds, 2), latency: summarize(startLatency.values()) },
      stepping: {
        steps,
        seconds: round(seconds, 2),
        stepsPerSecond: round(steps / seconds, 1),
        latency: summarize(stepLatency.values()),
        completed,
        cpu: { targetCpuCores: round(u.cpuCores), targetLoopBusy: round(u.loopBusy) },
      },
      idleMemory: {
        heapBytesPerSession: Math.round((idle.heapUsedBytes - before.heapUsedBytes) / n),
        rssBytesPerSession: Math.round((idle.rssBytes - before.rssBytes) / n),
        heapDeltaBytes: idle.heapUsedBytes - before.heapUsedBytes,
        rssDeltaBytes: idle.rssBytes - before.rssBytes,
        gcForced: idle.gcForced,
      },
      results: { succeeded },
      ...(idle.gcForced ? {} : { note: 'no forced GC (the target has no global gc): memory figures include garbage' }),
      ...(sendErrors ? { note: `${sendErrors} customer sends failed` } : {}),
    };
    say(renderFlowBench(out));
    return out;
  } finally {
    await target?.stop().catch(() => undefined);
    await sim.close().catch(() => undefined);
  }
}

export function renderFlowBench(r: FlowBenchResult): string {
  const s = r.stepping;
  const m = r.idleMemory;
  return [
    `(f) Flow sessions: ${r.sessions} concurrent sessions, ${r.blocks}-block flow (send/ask/set/condition), customers answer at once`,
    `  start (trigger -> greeting, all at once): ${r.start.seconds} s, p50 ${r.start.latency.p50} ms, p99 ${r.start.latency.p99} ms`,
    `  stepping: ${s.steps} steps in ${s.seconds} s = ${s.stepsPerSecond} steps/s; step latency p50 ${s.latency.p50} ms, p90 ${s.latency.p90} ms, p99 ${s.latency.p99} ms, max ${s.latency.max} ms`,
    `  completed ${s.completed}/${r.sessions} (results succeeded: ${r.results.succeeded}); Switchboard ${s.cpu.targetCpuCores} cores, loop busy ${s.cpu.targetLoopBusy}`,
    `  idle session memory: heap ${kib(m.heapBytesPerSession)} KiB, RSS ${kib(m.rssBytesPerSession)} KiB per session${m.gcForced ? ' (after a forced full GC)' : ' (NO forced GC: includes garbage)'}`,
  ].join('\n');
}

async function publish(url: string): Promise<void> {
  const created = await api(url, 'POST', '/api/v1/flows', benchFlow);
  if (!created?.id) throw new Error(`could not create the benchmark flow: ${JSON.stringify(created)}`);
  const published = await api(url, 'POST', `/api/v1/flows/${FLOW_ID}/publish`);
  if (published?.version !== 1) throw new Error(`could not publish the benchmark flow: ${JSON.stringify(published)}`);
}

/** Ten sessions start to finish through their own customers; errors here only mean a colder run. */
async function warmUp(sim: Simulator, target: TargetHandle): Promise<void> {
  await Promise.all(
    Array.from({ length: 10 }, async (_, i) => {
      const c = sim.customer(`1645${String(i).padStart(7, '0')}`, `Warm${i}`);
      const prompt = (t: string) => c.waitForMessage((m) => m.text === t, 15_000);
      await c.sendText('flowbench');
      await prompt(PROMPTS.q1);
      await c.sendText(`Warm${i}`);
      await prompt(PROMPTS.q2);
      await c.sendText('4');
      await prompt(PROMPTS.q3);
      await c.sendText('no');
      await c.waitForMessage((m) => DONE.test(m.text ?? ''), 15_000);
    }),
  ).catch(() => undefined);
  void target;
}

async function api(url: string, method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(url + path, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return text ? JSON.parse(text) : null;
}

async function until(cond: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
}

const mib = (b: number) => round(b / 1024 / 1024, 1);
const kib = (b: number) => round(b / 1024, 2);

/** Merges `flows` into bench-results.json, keeping whatever else a full run wrote there. */
export function writeFlowResults(path: string, flows: FlowBenchResult): void {
  let existing: Record<string, unknown> = {};
  if (existsSync(path)) {
    try {
      const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) existing = { ...parsed };
    } catch {
      // an unreadable file is replaced
    }
  }
  writeFileSync(path, `${JSON.stringify({ ...existing, flows }, null, 2)}\n`);
}

const isMain = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1];
if (isMain) {
  const resultsPath = fileURLToPath(new URL('../bench-results.json', import.meta.url));
  const sessions = Number(process.env.BENCH_FLOW_SESSIONS ?? 1000);
  const say = (line: string) => process.stdout.write(`${line}\n`);
  const m = machineInfo();
  say(`Flow sessions benchmark on ${m.cpuModel} x ${m.cpuCount}, Node ${m.node}`);
  runFlowSessionsBench({ sessions, say }).then(
    (r) => {
      writeFlowResults(resultsPath, r);
      say(`Wrote ${resultsPath} (flows)`);
      process.exit(0);
    },
    (err: unknown) => {
      process.stderr.write(`flow benchmark failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}
