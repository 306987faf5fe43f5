/**
 * What the operations instrumentation (#19) costs on the message path, in CPU microseconds:
 * `node --import tsx bench/instrumentation-overhead.ts`. Each case runs the same work with and
 * without the instrumentation, alternating, and prints the difference per operation:
 *  - one HTTP request through Fastify with the request-id and metrics hooks vs without
 *    (app.inject, the same route as the webhook's: a 200 with an empty body);
 *  - one job attempt through instrumentJobs vs the bare handler (the handler awaits 20 promises,
 *    so the request/job context's cost per promise is included);
 *  - the counters one message adds (webhook accepted, inbound received, outbound accepted, a
 *    Graph call counted and timed).
 */
import Fastify from 'fastify';
import { graphRequestDuration, graphRequests, messages, webhookEvents } from '../src/core/metrics.ts';
import { installRequestObservability, requestIdOptions } from '../src/http/request-observability.ts';
import { instrumentJobs } from '../src/jobs/instrument-jobs.ts';

function cpuMicros(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

async function perOp(n: number, fn: () => Promise<unknown> | unknown): Promise<number> {
  const start = cpuMicros();
  for (let i = 0; i < n; i++) await fn();
  return (cpuMicros() - start) / n;
}

async function app(instrumented: boolean) {
  const a = Fastify({ logger: false, ...(instrumented ? requestIdOptions : {}) });
  if (instrumented) installRequestObservability(a);
  a.post('/webhooks/whatsapp', async (_req, reply) => reply.status(200).send());
  await a.ready();
  return a;
}

async function main() {
  const plain = await app(false);
  const hooked = await app(true);
  const request = (a: typeof plain) => () => a.inject({ method: 'POST', url: '/webhooks/whatsapp', payload: { a: 1 } });
  const leaf = async (i: number) => {
    await null;
    return i;
  };
  const handler = async () => {
    let s = 0;
    for (let i = 0; i < 20; i++) s += await leaf(i);
    return void s;
  };
  const wrapped = instrumentJobs({ 'message.send': handler })['message.send'];
  if (!wrapped) throw new Error('no wrapped handler');
  const job = { id: '1', attempts: 1 };
  const accepted = webhookEvents.labels('accepted', '');
  const received = messages.labels('inbound', 'received');
  const sent = messages.labels('outbound', 'accepted');
  const counters = () => {
    accepted.inc();
    received.inc();
    sent.inc();
    graphRequests.labels('POST', 'ok', '').inc();
    graphRequestDuration.labels('POST', 'ok').observe(0.012);
  };

  const rounds = 5;
  const results: Record<string, number[]> = { http: [], job: [], counters: [] };
  for (let r = 0; r < rounds; r++) {
    const httpPlain = await perOp(5000, request(plain));
    const httpHooked = await perOp(5000, request(hooked));
    results.http?.push(httpHooked - httpPlain);
    const jobPlain = await perOp(50_000, () => handler());
    const jobWrapped = await perOp(50_000, () => wrapped(undefined, job));
    results.job?.push(jobWrapped - jobPlain);
    results.counters?.push(await perOp(200_000, counters));
    console.log(
      `round ${r + 1}: http ${httpPlain.toFixed(2)} -> ${httpHooked.toFixed(2)} us/request; job ${jobPlain.toFixed(2)} -> ${jobWrapped.toFixed(2)} us/attempt; counters ${results.counters?.at(-1)?.toFixed(3)} us/message`,
    );
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
  console.log(
    `median added CPU: ${median(results.http ?? []).toFixed(2)} us per HTTP request, ${median(results.job ?? []).toFixed(2)} us per job attempt, ${median(results.counters ?? []).toFixed(3)} us of counters per message`,
  );
  await plain.close();
  await hooked.close();
}

await main();
