import { Agent, createServer, request, type Server, type ServerResponse } from 'node:http';
import { listenLocally, readSignedWebhook } from './signed-webhook.ts';

/**
 * What the bench's two hand-written bots (reference-server.ts, durable-reference-server.ts) share,
 * so they differ only in what they store: the webhook endpoint, the Graph API sender and the
 * webhook's text messages and statuses.
 */
export interface EchoBotSpec {
  appSecret: string;
  verifyToken: string;
  accessToken: string;
  /** The simulator's Graph API base URL and number: where the echo replies go. */
  graphBaseUrl: string;
  phoneNumberId: string;
}

/**
 * A node:http server answering Meta's subscription handshake and, for each signed, parsed webhook
 * POSTed to /webhooks/whatsapp, calling `accept`, which answers it.
 */
export async function startWebhookServer(
  spec: EchoBotSpec,
  accept: (payload: unknown, res: ServerResponse) => void,
): Promise<{ url: string; close(): Promise<void> }> {
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
    readSignedWebhook(req, res, spec.appSecret, (payload) => accept(payload, res));
  });
  return listenLocally(server);
}

/**
 * Text messages to the Graph API through one keep-alive agent. `onAnswer` gets the reply's wamid
 * (undefined when the answer had none); `inFlight` counts the sends still waiting for an answer.
 */
export function graphSender(spec: EchoBotSpec): {
  send(to: string, text: string, onAnswer?: (wamid: string | undefined) => void): void;
  inFlight(): number;
  close(): void;
} {
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const graph = new URL(spec.graphBaseUrl);
  const path = `${graph.pathname.replace(/\/$/, '')}/v21.0/${spec.phoneNumberId}/messages`;
  const authorization = `Bearer ${spec.accessToken}`;
  let inFlight = 0;
  return {
    send(to, text, onAnswer) {
      const body = JSON.stringify({ messaging_product: 'whatsapp', recipient_type: 'individual', to, type: 'text', text: { body: text } });
      inFlight++;
      const req = request(
        {
          agent,
          host: graph.hostname,
          port: graph.port,
          method: 'POST',
          path,
          headers: { authorization, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          // Read only when someone wants the wamid: the reference drops the answer unparsed.
          const chunks: Buffer[] | undefined = onAnswer ? [] : undefined;
          if (chunks) res.on('data', (c: Buffer) => chunks.push(c));
          else res.resume();
          res.on('end', () => {
            inFlight--;
            if (chunks && onAnswer) onAnswer(wamidOf(Buffer.concat(chunks)));
          });
        },
      );
      req.on('error', () => inFlight--);
      req.end(body);
    },
    inFlight: () => inFlight,
    close: () => agent.destroy(),
  };
}

function wamidOf(answer: Buffer): string | undefined {
  try {
    const id = (JSON.parse(answer.toString('utf8')) as { messages?: { id?: unknown }[] }).messages?.[0]?.id;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}

export interface WebhookChanges {
  messages: { id: string; from: string; text: string }[];
  statuses: { id: string; status: string }[];
}

/** A webhook's text messages and statuses (anything else is ignored). */
export function changesOf(payload: unknown): WebhookChanges {
  const out: WebhookChanges = { messages: [], statuses: [] };
  const entries = (payload as { entry?: unknown })?.entry;
  if (!Array.isArray(entries)) return out;
  for (const entry of entries) {
    const changes = (entry as { changes?: unknown })?.changes;
    if (!Array.isArray(changes)) continue;
    for (const change of changes) {
      const value = (change as { value?: { messages?: unknown; statuses?: unknown } })?.value;
      if (Array.isArray(value?.messages))
        for (const m of value.messages) {
          const { id, from } = m as { id?: unknown; from?: unknown };
          const text = (m as { text?: { body?: unknown } }).text?.body;
          if (typeof id === 'string' && typeof from === 'string' && typeof text === 'string') out.messages.push({ id, from, text });
        }
      if (Array.isArray(value?.statuses))
        for (const s of value.statuses) {
          const { id, status } = s as { id?: unknown; status?: unknown };
          if (typeof id === 'string' && typeof status === 'string') out.statuses.push({ id, status });
        }
    }
  }
  return out;
}
