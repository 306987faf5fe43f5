import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The least a correct webhook endpoint does before it may answer: read the raw body, check
 * X-Hub-Signature-256 (HMAC-SHA256, constant-time compare) and JSON.parse it. A bad signature
 * answers 401 and bad JSON 400; a good body goes to `accept`, which answers. Shared by the bench's
 * two no-storage targets (bare-server.ts, reference-server.ts) so they cost the same per webhook.
 */
export function readSignedWebhook(req: IncomingMessage, res: ServerResponse, appSecret: string, accept: (payload: unknown) => void): void {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const raw = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
    const header = req.headers['x-hub-signature-256'];
    const hex = typeof header === 'string' && header.startsWith('sha256=') ? header.slice(7) : '';
    const received = /^[0-9a-f]{64}$/i.test(hex) ? Buffer.from(hex, 'hex') : undefined;
    const expected = createHmac('sha256', appSecret).update(raw).digest();
    if (!received || !timingSafeEqual(expected, received)) {
      res.writeHead(401).end();
      return;
    }
    let payload: unknown;
    try {
      payload = JSON.parse(raw.toString('utf8'));
    } catch {
      res.writeHead(400).end();
      return;
    }
    accept(payload);
  });
}

/** Starts a bench server on loopback (an ephemeral port unless given): its URL and a close that drops open connections. */
export async function listenLocally(server: Server, port = 0, host = '127.0.0.1'): Promise<{ url: string; close(): Promise<void> }> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${bound}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
