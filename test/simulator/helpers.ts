import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../src/simulator/index.ts';

export const TOKEN = 'test-token';
export const SECRET = 'test-app-secret';
export const VERIFY = 'test-verify-token';

export interface ReceivedWebhook {
  raw: string;
  signature: string | undefined;
  signatureOk: boolean;
  json: any;
  at: number;
}

export interface Receiver {
  url: string;
  received: ReceivedWebhook[];
  verifications: Array<{ mode: string | null; challenge: string | null; token: string | null }>;
  /** Decide the answer to POST number n (0-based). Default: 200 at once. */
  respond: (n: number) => { status?: number; delayMs?: number };
  /** Every messages[] item received, in arrival order. */
  messages(): any[];
  /** Every statuses[] item received. */
  statuses(): any[];
  waitFor<T>(pick: () => T | undefined, timeoutMs?: number, what?: string): Promise<T>;
  close(): Promise<void>;
}

export function verifySignature(raw: string, header: string | undefined, secret = SECRET): boolean {
  if (!header) return false;
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(raw, 'utf8').digest('hex')}`);
  const got = Buffer.from(header);
  return expected.length === got.length && timingSafeEqual(expected, got);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** A real webhook receiver on loopback that checks signatures and answers the handshake. */
export async function startReceiver(verifyToken = VERIFY): Promise<Receiver> {
  let posts = 0;
  const waiters = new Set<() => void>();
  const r: Receiver = {
    url: '',
    received: [],
    verifications: [],
    respond: () => ({}),
    messages: () => r.received.flatMap((w) => w.json.entry.flatMap((e: any) => e.changes.flatMap((c: any) => c.value.messages ?? []))),
    statuses: () => r.received.flatMap((w) => w.json.entry.flatMap((e: any) => e.changes.flatMap((c: any) => c.value.statuses ?? []))),
    waitFor: (pick, timeoutMs = 3000, what = 'condition') =>
      new Promise((resolve, reject) => {
        const check = () => {
          const v = pick();
          if (v === undefined || v === false) return false;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(v as never);
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`receiver: timed out after ${timeoutMs} ms waiting for ${what} (${r.received.length} webhooks so far)`));
        }, timeoutMs);
        if (!check()) waiters.add(check);
      }),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (req.method === 'GET') {
      const v = {
        mode: url.searchParams.get('hub.mode'),
        challenge: url.searchParams.get('hub.challenge'),
        token: url.searchParams.get('hub.verify_token'),
      };
      r.verifications.push(v);
      if (v.mode === 'subscribe' && v.token === verifyToken) {
        res.writeHead(200, { 'content-type': 'text/plain' }).end(v.challenge ?? '');
      } else res.writeHead(403).end('forbidden');
      return;
    }
    const raw = await readBody(req);
    const n = posts++;
    const answer = r.respond(n);
    if (answer.delayMs) await new Promise((d) => setTimeout(d, answer.delayMs));
    const status = answer.status ?? 200;
    if (status === 200) {
      const signature = req.headers['x-hub-signature-256'] as string | undefined;
      r.received.push({ raw, signature, signatureOk: verifySignature(raw, signature), json: JSON.parse(raw), at: Date.now() });
      for (const w of [...waiters]) w();
    }
    if (!res.destroyed) res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'EVENT_RECEIVED' : 'nope');
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  r.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/whatsapp`;
  return r;
}

/** Simulator with fast, test-friendly defaults. */
export function testSimulator(extra: Partial<SimulatorOptions> = {}): Promise<Simulator> {
  return startSimulator({
    accessToken: TOKEN,
    appSecret: SECRET,
    verifyToken: VERIFY,
    templateReviewDelayMs: 0,
    // Gaps of 20 ms keep each message's statuses in order at the receiver even on a busy machine.
    statusDelaysMs: { sent: 5, delivered: 25, read: 45 },
    webhookRetry: { initialDelayMs: 20, maxDelayMs: 200, timeoutMs: 2000 },
    ...extra,
  });
}

export interface GraphResponse {
  status: number;
  json: any;
}

/** Call the simulator's Graph API with the bearer token (or another one). */
export async function graph(
  sim: Simulator,
  method: 'GET' | 'POST' | 'DELETE',
  path: string,
  body?: unknown,
  token: string | null = TOKEN,
): Promise<GraphResponse> {
  const headers: Record<string, string> = {};
  if (token !== null) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await request(`${sim.graphBaseUrl}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.body.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.statusCode, json };
}

/** POST a message to /v21.0/{phone-number-id}/messages. */
export function send(sim: Simulator, body: Record<string, unknown>, token: string | null = TOKEN): Promise<GraphResponse> {
  return graph(sim, 'POST', `/v21.0/${sim.phoneNumberId}/messages`, { messaging_product: 'whatsapp', ...body }, token);
}

/** The /_sim test API, with the simulator's test token. */
export async function simApi(sim: Simulator, method: 'GET' | 'POST', path: string, body?: unknown): Promise<GraphResponse> {
  const res = await request(`${sim.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${sim.testToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.body.text();
  return { status: res.statusCode, json: text ? JSON.parse(text) : undefined };
}
