import { Agent, request } from 'undici';
import { guardedLookup, privateHostOf } from '../event-webhooks/address-guard.ts';
import type { HttpOutcome, HttpRequestSpec } from './step-session.ts';

const MAX_BODY_BYTES = 1024 * 1024;
const agents = new Map<boolean, Agent>();

function agentFor(allowPrivate: boolean): Agent {
  let agent = agents.get(allowPrivate);
  if (!agent) {
    // Resolved addresses are checked at connect time too, so DNS cannot smuggle in an internal host.
    agent = new Agent({ keepAliveTimeout: 4_000, connections: 32, connect: allowPrivate ? {} : { lookup: guardedLookup } });
    agents.set(allowPrivate, agent);
  }
  return agent;
}

/**
 * Performs the HTTP block's request: 2xx is success, another status or a refused / failed
 * connection is error, no answer within the timeout is timeout. Network errors, timeouts and
 * 5xx are retried `retries` times. Never throws.
 */
export async function performHttp(
  spec: HttpRequestSpec,
  opts: { allowPrivate: boolean; sleep?: (ms: number) => Promise<void> },
): Promise<HttpOutcome> {
  let url: URL;
  try {
    url = new URL(spec.url);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http');
  } catch {
    return { kind: 'error', status: null, message: `not an http(s) URL: ${spec.url.slice(0, 200)}` };
  }
  if (!opts.allowPrivate && privateHostOf(url)) {
    return {
      kind: 'error',
      status: null,
      message: `${url.hostname} is a private or loopback address; set FLOW_HTTP_ALLOW_PRIVATE=true to allow it`,
    };
  }
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let last: HttpOutcome = { kind: 'timeout' };
  for (let attempt = 0; attempt <= spec.retries; attempt++) {
    if (attempt > 0) await sleep(Math.min(200 * 2 ** (attempt - 1), 2000));
    last = await once(url, spec, opts.allowPrivate);
    const retryable = last.kind === 'timeout' || (last.kind === 'error' && (last.status === null || last.status >= 500));
    if (!retryable || (last.kind === 'error' && /private/.test(last.message))) return last;
  }
  return last;
}

async function once(url: URL, spec: HttpRequestSpec, allowPrivate: boolean): Promise<HttpOutcome> {
  const headers: Record<string, string> = { 'user-agent': 'Switchboard-Flows/1', accept: 'application/json, */*', ...spec.headers };
  let body: string | undefined;
  if (spec.body?.kind === 'json') {
    body = JSON.stringify(spec.body.value);
    headers['content-type'] ??= 'application/json';
  } else if (spec.body?.kind === 'form') {
    body = new URLSearchParams(spec.body.value).toString();
    headers['content-type'] ??= 'application/x-www-form-urlencoded';
  }
  const signal = AbortSignal.timeout(spec.timeoutMs);
  try {
    const res = await request(url, { method: spec.method, headers, body, signal, dispatcher: agentFor(allowPrivate) });
    const text = await readLimited(res.body);
    const parsed = parseBody(text, String(res.headers['content-type'] ?? ''));
    if (res.statusCode >= 200 && res.statusCode < 300) return { kind: 'success', status: res.statusCode, body: parsed };
    return { kind: 'error', status: res.statusCode, message: `HTTP ${res.statusCode}` };
  } catch (err) {
    if (signal.aborted) return { kind: 'timeout' };
    const e = err instanceof Error ? err : new Error(String(err));
    const code = 'code' in e && typeof e.code === 'string' ? e.code : undefined;
    const cause = e.cause instanceof Error ? e.cause : undefined;
    const causeCode = cause && 'code' in cause && typeof cause.code === 'string' ? cause.code : undefined;
    if (code === 'EPRIVATEADDRESS' || causeCode === 'EPRIVATEADDRESS') {
      return {
        kind: 'error',
        status: null,
        message: `${url.hostname} resolves to a private address; set FLOW_HTTP_ALLOW_PRIVATE=true to allow it`,
      };
    }
    return { kind: 'error', status: null, message: `${causeCode ?? code ?? 'network_error'}: ${(cause ?? e).message}`.slice(0, 300) };
  }
}

async function readLimited(body: AsyncIterable<Buffer | Uint8Array>): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of body) {
    size += c.length;
    if (size > MAX_BODY_BYTES) break; // the rest is not mapped; a truncated JSON reads as text
    chunks.push(Buffer.from(c));
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseBody(text: string, contentType: string): unknown {
  if (text === '') return null;
  if (/json/i.test(contentType) || /^\s*[[{]/.test(text)) {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}
