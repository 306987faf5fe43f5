import autocannon from 'autocannon';
import { performance } from 'node:perf_hooks';
import { round, Samples, summarize, type LatencySummary } from './stats.ts';
import type { SignedBody } from './webhook-bodies.ts';

export interface WebhookLoadResult {
  /** 2xx answers per second over the measured window (the warm-up excluded). */
  requestsPerSec: number;
  /** Acknowledgement latency of 2xx answers, ms, measured per request (sub-ms resolution). */
  latency: LatencySummary;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  seconds: number;
}

interface Round {
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  seconds: number;
  latencies: Float64Array;
}

/** One autocannon run; every request gets a fresh body and signature from `next`. */
function blast(url: string, next: () => SignedBody, connections: number, seconds: number): Promise<Round> {
  const samples = new Samples(2_000_000);
  let non2xx = 0;
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const instance = autocannon(
      {
        url: `${url}/webhooks/whatsapp`,
        connections,
        duration: seconds,
        timeout: 10,
        requests: [
          {
            method: 'POST',
            path: '/webhooks/whatsapp',
            setupRequest: (req) => {
              const { body, signature } = next();
              return { ...req, method: 'POST', body, headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature } };
            },
          },
        ],
      },
      (err, result) => {
        if (err) return reject(err instanceof Error ? err : new Error(String(err)));
        resolve({
          ok: result['2xx'],
          non2xx: result.non2xx,
          errors: result.errors,
          timeouts: result.timeouts,
          seconds: result.duration || (performance.now() - started) / 1000,
          latencies: samples.values(),
        });
      },
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      if (statusCode >= 200 && statusCode < 300) samples.add(responseTime);
      else if (non2xx++ === 0) process.stderr.write(`  first non-2xx answer: HTTP ${statusCode}\n`);
    });
  });
}

/**
 * Signed-webhook load against `${url}/webhooks/whatsapp`: a warm-up round (discarded), then the
 * measured round, both closed-loop with `connections` keep-alive connections.
 */
export async function runWebhookLoad(opts: {
  url: string;
  next: () => SignedBody;
  connections: number;
  warmupSeconds: number;
  durationSeconds: number;
  /** Called between the warm-up and the measured round (e.g. to snapshot CPU use). */
  beforeMeasure?: () => Promise<void>;
}): Promise<WebhookLoadResult> {
  if (opts.warmupSeconds > 0) await blast(opts.url, opts.next, opts.connections, opts.warmupSeconds);
  await opts.beforeMeasure?.();
  const r = await blast(opts.url, opts.next, opts.connections, opts.durationSeconds);
  return {
    requestsPerSec: round(r.ok / r.seconds, 0),
    latency: summarize(r.latencies),
    ok: r.ok,
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    seconds: r.seconds,
  };
}
