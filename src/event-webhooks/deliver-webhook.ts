import { performance } from 'node:perf_hooks';
import { Agent, request } from 'undici';
import { guardedLookup, privateHostOf } from './address-guard.ts';
import { signatureHeader } from './sign-webhook.ts';

export const USER_AGENT = 'Switchboard-Webhooks/1.0';

export interface SignedPost {
  url: string;
  /** The raw JSON sent and signed, byte for byte. */
  body: string;
  secret: string;
  /** Extra headers (event id and type, delivery id...). */
  headers: Record<string, string>;
  /** Signature timestamp, epoch ms. */
  now: number;
  timeoutMs: number;
  allowPrivate: boolean;
  responseExcerptBytes: number;
}

export interface PostOutcome {
  ok: boolean;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
  responseExcerpt: string | null;
}

/**
 * One signed POST; success is any 2xx within the timeout. Knows nothing of subscriptions, so
 * flows' outgoing webhooks can send through it too. Never throws: every failure is an outcome.
 * Redirects are not followed (a 3xx is a failure), so a receiver cannot bounce us elsewhere.
 */
export async function postSignedWebhook(p: SignedPost): Promise<PostOutcome> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const fail = (error: string, statusCode: number | null = null, responseExcerpt: string | null = null): PostOutcome => ({
    ok: false,
    statusCode,
    error,
    durationMs: elapsed(),
    responseExcerpt,
  });
  let url: URL;
  try {
    url = new URL(p.url);
  } catch {
    return fail('invalid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return fail(`unsupported URL scheme ${url.protocol}`);
  if (!p.allowPrivate) {
    const host = privateHostOf(url);
    if (host) return fail(`private address ${host} refused; set EVENT_WEBHOOKS_ALLOW_PRIVATE=true to allow it`);
  }
  try {
    const res = await request(url, {
      method: 'POST',
      dispatcher: agentFor(p.allowPrivate),
      headers: {
        'content-type': 'application/json',
        'user-agent': USER_AGENT,
        'switchboard-signature': signatureHeader(p.secret, p.body, Math.floor(p.now / 1000)),
        ...p.headers,
      },
      body: p.body,
      signal: AbortSignal.timeout(p.timeoutMs),
    });
    const excerpt = await readExcerpt(res.body, p.responseExcerptBytes);
    const ok = res.statusCode >= 200 && res.statusCode < 300;
    return { ok, statusCode: res.statusCode, error: ok ? null : `HTTP ${res.statusCode}`, durationMs: elapsed(), responseExcerpt: excerpt };
  } catch (err) {
    return fail(describeError(err, p.timeoutMs));
  }
}

async function readExcerpt(body: AsyncIterable<Buffer> & { destroy(): unknown }, limit: number): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    chunks.push(chunk);
    size += chunk.length;
    if (size >= limit) {
      body.destroy(); // a huge answer must not cost memory or time
      break;
    }
  }
  if (size === 0) return null;
  return Buffer.concat(chunks).subarray(0, limit).toString('utf8');
}

function describeError(err: unknown, timeoutMs: number): string {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) return `timed out after ${timeoutMs} ms`;
  // undici wraps socket errors; the code (ECONNREFUSED, EPRIVATEADDRESS...) is what helps.
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code && !code.startsWith('UND_ERR_')) return `${code}: ${e.message}`;
  }
  return err instanceof Error ? err.message : String(err);
}

// One keep-alive pool per policy for the whole process: a receiver gets reused connections.
const agents = new Map<boolean, Agent>();

function agentFor(allowPrivate: boolean): Agent {
  let agent = agents.get(allowPrivate);
  if (!agent) {
    agent = new Agent({ keepAliveTimeout: 4_000, connections: 64, connect: allowPrivate ? {} : { lookup: guardedLookup } });
    agents.set(allowPrivate, agent);
  }
  return agent;
}
