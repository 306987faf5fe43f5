import type { Simulator } from '../src/simulator/index.ts';
import { loadAverage } from './machine.ts';
import { round } from './stats.ts';
import { settle, switchboardSpec } from './switchboard-with-simulator.ts';
import { startTargetProcess, usageBetween, type TargetHandle } from './target-client.ts';
import { resetPostgres } from '../test/support/reset-postgres.ts';

/**
 * `npm run bench -- --only broadcast` (issue #17): a broadcast to the simulator's customers with
 * the number's limit set to `limit` messages a second (1,000, then the default 80), while
 * Switchboard also ingests the three status webhooks (sent, delivered, read) each send causes.
 * Switchboard runs in its own process (SQLite, role all); the simulator here plays Meta. Reported:
 * the sustained send rate (recipients / time from the first to the last send the simulator
 * accepted), the most sends in any 1 s window (sliding, over the simulator's accept times: never
 * above the limit), the rate per whole second in the steady middle, Switchboard's CPU (user +
 * system, all threads) per recipient from the start until every status was ingested and its
 * backlog is empty, and exactly once (every customer received the template once, nobody twice).
 */
export interface BroadcastBenchRun {
  database: 'sqlite' | 'postgres';
  limit: number;
  recipients: number;
  /** recipients / (last send - first send). */
  sustainedPerSecond: number;
  /** The most sends in any 1 s window (sliding). */
  maxInAnySecond: number;
  /** Sends per whole second, the first and last second left out (ramp-up, tail). */
  perSecond: { min: number; median: number; max: number; seconds: number };
  sendSeconds: number;
  /** Start until completed, every status ingested and no work left. */
  windowSeconds: number;
  drained: boolean;
  cpuUsPerRecipient: number;
  cpuCores: number;
  loopUtilisation: number;
  receivedOnce: number;
  receivedTwice: number;
  neverReceived: number;
  state: string;
  loadAverage: { start: number[]; end: number[] };
}

const ADMIN = 'bench-admin-token-0123456789';

/**
 * On a loaded machine the first start (tsx compiling src/ in the child) can pass the harness's
 * 30 s start limit; the compiled files are cached, so a second try starts much faster.
 */
async function startWithRetries(start: () => Promise<TargetHandle>, say: (line: string) => void): Promise<TargetHandle> {
  for (let i = 1; ; i++) {
    try {
      return await start();
    } catch (e) {
      if (i === 3) throw e;
      say(`    start try ${i} failed (${(e as Error).message}); trying again`);
    }
  }
}

export async function runBroadcastBench(
  sim: Simulator,
  opts: { limit: number; recipients: number; phonePrefix: string; databaseUrl?: string; say: (line: string) => void },
): Promise<BroadcastBenchRun> {
  const { limit, say } = opts;
  // A PostgreSQL run starts from an empty test database (resetPostgres refuses one not named for tests).
  if (opts.databaseUrl) await resetPostgres(opts.databaseUrl);
  const spec = {
    ...switchboardSpec(sim, 'all'),
    throughputPerSecond: limit,
    ...(opts.databaseUrl ? { databaseUrl: opts.databaseUrl } : {}),
  };
  const label = `switchboard-broadcast-${limit}${opts.databaseUrl ? '-pg' : ''}`;
  const target = await startWithRetries(() => startTargetProcess({ type: 'switchboard', spec }, label), say);
  try {
    const check = await sim.setWebhookUrl(`${target.url}/webhooks/whatsapp`);
    if (!check.ok) throw new Error(`the simulator could not verify Switchboard's webhook: ${check.status ?? ''} ${check.error ?? ''}`);
    return { database: opts.databaseUrl ? 'postgres' : 'sqlite', ...(await measure(sim, target, opts)) };
  } finally {
    await target.stop().catch(() => undefined);
    say(`    (Switchboard at ${limit} msg/s stopped)`);
  }
}

async function measure(
  sim: Simulator,
  target: TargetHandle,
  opts: { limit: number; recipients: number; phonePrefix: string; say: (line: string) => void },
): Promise<Omit<BroadcastBenchRun, 'database'>> {
  const { limit, recipients, say } = opts;
  const api = async (method: string, path: string, body?: unknown, contentType = 'application/json') => {
    const res = await fetch(`${target.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN}`, ...(body === undefined ? {} : { 'content-type': contentType }) },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const json = (await res.json()) as any;
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json).slice(0, 300)}`);
    return json;
  };
  const name = `bench_broadcast_${limit}`;
  const tpl = await api('POST', '/api/v1/templates', {
    name,
    language: 'es_MX',
    category: 'UTILITY',
    components: [{ type: 'BODY', text: 'Hola {{1}}, tu pedido {{2}} sale hoy.', example: { body_text: [['Ana', 'R-1']] } }],
  });
  await api('POST', `/api/v1/templates/${tpl.id}/submit`, {});
  for (let i = 0; i < 100 && (await api('GET', `/api/v1/templates/${tpl.id}`)).status !== 'APPROVED'; i++)
    await new Promise((r) => setTimeout(r, 100));
  const phones = Array.from({ length: recipients }, (_, i) => `${opts.phonePrefix}${String(i).padStart(5, '0')}`);
  const csv = ['phone,customer_name,request_id', ...phones.map((p, i) => `+${p},C${i},R-${i}`)].join('\n');
  const imported = await api('POST', '/api/v1/audiences/import?name=bench', csv, 'text/csv');
  if (imported.report.imported !== recipients) throw new Error(`imported ${imported.report.imported} of ${recipients}`);
  const b = await api('POST', '/api/v1/broadcasts', {
    name: `bench ${limit}`,
    template: tpl.id,
    audience_id: imported.audience.id,
    parameters: { body: [{ column: 'customer_name' }, { column: 'request_id' }] },
    override_opt_in: { reason: 'benchmark' },
    rate_per_second: limit,
  });
  const before = sim.outbound().length;
  const load0 = loadAverage();
  const u0 = await target.usage();
  const t0 = Date.now();
  await api('POST', `/api/v1/broadcasts/${b.id}/start`, {});
  say(`    started ${b.id}: ${recipients.toLocaleString('en')} recipients at ${limit} msg/s`);
  let state = 'running';
  let lastReport = Date.now();
  // Done sending: completed (nothing pending or in flight). Bounded: 3x the ideal time plus 10 minutes (a loaded machine).
  const deadline = t0 + (recipients / limit) * 3000 + 600_000;
  while (Date.now() < deadline) {
    const got = await api('GET', `/api/v1/broadcasts/${b.id}`);
    state = got.state;
    if (state !== 'running') break;
    if (Date.now() - lastReport > 5000) {
      lastReport = Date.now();
      say(`    ${Math.round((Date.now() - t0) / 1000)} s: ${JSON.stringify(got.counts)}`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  const drained = await settle(sim, target, 120_000);
  const u1 = await target.usage();
  const windowMs = Date.now() - t0;
  const load1 = loadAverage();

  const sends = sim
    .outbound()
    .slice(before)
    .filter((m) => m.type === 'template' && m.body?.template?.name === name);
  const times = sends.map((m) => m.acceptedAt).sort((a, z) => a - z);
  let maxInAnySecond = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while ((times[i] ?? 0) - (times[j] ?? 0) >= 1000) j++;
    maxInAnySecond = Math.max(maxInAnySecond, i - j + 1);
  }
  const first = times[0] ?? 0;
  const last = times[times.length - 1] ?? 0;
  const buckets = new Map<number, number>();
  for (const t of times) buckets.set(Math.floor((t - first) / 1000), (buckets.get(Math.floor((t - first) / 1000)) ?? 0) + 1);
  const whole = [...buckets.entries()]
    .sort((a, z) => a[0] - z[0])
    .slice(1, -1)
    .map(([, n]) => n)
    .sort((a, z) => a - z);
  const counts = new Map<string, number>();
  for (const m of sends) counts.set(m.waId, (counts.get(m.waId) ?? 0) + 1);
  const perPhone = phones.map((p) => counts.get(p) ?? 0);
  const { cpuCores, loopBusy } = usageBetween(u0, u1);
  const cpuMs = u1.cpuUserMs - u0.cpuUserMs + (u1.cpuSystemMs - u0.cpuSystemMs);
  return {
    limit,
    recipients,
    sustainedPerSecond: round(times.length > 1 ? ((times.length - 1) * 1000) / (last - first) : 0, 1),
    maxInAnySecond,
    perSecond: {
      min: whole[0] ?? 0,
      median: whole[Math.floor(whole.length / 2)] ?? 0,
      max: whole[whole.length - 1] ?? 0,
      seconds: whole.length,
    },
    sendSeconds: round((last - first) / 1000, 1),
    windowSeconds: round(windowMs / 1000, 1),
    drained,
    cpuUsPerRecipient: Math.round((cpuMs * 1000) / recipients),
    cpuCores: round(cpuCores, 2),
    loopUtilisation: round(loopBusy, 2),
    receivedOnce: perPhone.filter((n) => n === 1).length,
    receivedTwice: perPhone.filter((n) => n > 1).length,
    neverReceived: perPhone.filter((n) => n === 0).length,
    state,
    loadAverage: { start: load0, end: load1 },
  };
}

export function renderBroadcastRun(r: BroadcastBenchRun): string {
  return [
    `    ${r.database === 'postgres' ? 'PostgreSQL' : 'SQLite'}, limit ${r.limit} msg/s, ${r.recipients.toLocaleString('en')} recipients: ${r.state}; sustained ${r.sustainedPerSecond} msg/s over ${r.sendSeconds} s`,
    `      max in any 1 s window ${r.maxInAnySecond} (limit ${r.limit}); whole seconds min/median/max ${r.perSecond.min}/${r.perSecond.median}/${r.perSecond.max} over ${r.perSecond.seconds} s`,
    `      Switchboard CPU ${r.cpuUsPerRecipient} us per recipient (send + 3 statuses), ${r.cpuCores} cores, loop ${r.loopUtilisation}; window ${r.windowSeconds} s${r.drained ? '' : ' (NOT drained)'}`,
    `      exactly once: ${r.receivedOnce} once, ${r.receivedTwice} twice or more, ${r.neverReceived} never; load average ${r.loadAverage.start.join(' ')} -> ${r.loadAverage.end.join(' ')}`,
  ].join('\n');
}
