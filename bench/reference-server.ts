import { Agent, createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readSignedWebhook } from './signed-webhook.ts';

export interface ReferenceServerSpec {
  appSecret: string;
  verifyToken: string;
  accessToken: string;
  /** The simulator's Graph API base URL and number: where the echo replies go. */
  graphBaseUrl: string;
  phoneNumberId: string;
}

/**
 * Issue #16's reference target: what a webhook bot costs with no storage at all. A node:http
 * server that answers Meta's subscription handshake, checks X-Hub-Signature-256, JSON.parses each
 * webhook and, for every text message in it, at once POSTs the same echo the demo bot sends
 * ("You said: <text>") to the Graph API through one keep-alive agent. Status webhooks are verified
 * and parsed like any other and then dropped. No durability, dedupe or order: whatever Switchboard
 * costs beyond this is the price of its guarantees (and its overhead).
 */
export async function startReferenceServer(
  spec: ReferenceServerSpec,
): Promise<{ url: string; inFlight(): number; close(): Promise<void> }> {
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const graph = new URL(spec.graphBaseUrl);
  const sendPath = `${graph.pathname.replace(/\/$/, '')}/v21.0/${spec.phoneNumberId}/messages`;
  const auth = `Bearer ${spec.accessToken}`;
  let inFlight = 0;

  const send = (to: string, text: string) => {
    const body = JSON.stringify({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to,
      type: 'text',
      text: { body: `You said: ${text}` },
    });
    inFlight++;
    const req = request(
      {
        agent,
        host: graph.hostname,
        port: graph.port,
        method: 'POST',
        path: sendPath,
        headers: { authorization: auth, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        res.resume();
        res.on('end', () => inFlight--);
      },
    );
    req.on('error', () => inFlight--);
    req.end(body);
  };

  const server: Server = createServer((req, res) => {
    const url = req.url ?? '';
    if (req.method === 'GET' && url.startsWith('/webhooks/whatsapp')) {
      const q = new URL(url, 'http://x').searchParams;
      if (q.get('hub.mode') === 'subscribe' && q.get('hub.verify_token') === spec.verifyToken)
        res.writeHead(200).end(q.get('hub.challenge') ?? '');
      else res.writeHead(403).end();
      return;
    }
    if (req.method !== 'POST' || url !== '/webhooks/whatsapp') {
      res.writeHead(404).end();
      return;
    }
    readSignedWebhook(req, res, spec.appSecret, (payload) => {
      res.writeHead(200).end();
      for (const m of textMessages(payload)) send(m.from, m.text);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    inFlight: () => inFlight,
    close: () =>
      new Promise<void>((resolve) => {
        agent.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function* textMessages(payload: unknown): Generator<{ from: string; text: string }> {
  const entries = (payload as { entry?: unknown })?.entry;
  if (!Array.isArray(entries)) return;
  for (const entry of entries) {
    const changes = (entry as { changes?: unknown })?.changes;
    if (!Array.isArray(changes)) continue;
    for (const change of changes) {
      const messages = (change as { value?: { messages?: unknown } })?.value?.messages;
      if (!Array.isArray(messages)) continue;
      for (const m of messages) {
        const from = (m as { from?: unknown }).from;
        const text = (m as { text?: { body?: unknown } }).text?.body;
        if (typeof from === 'string' && typeof text === 'string') yield { from, text };
      }
    }
  }
}
