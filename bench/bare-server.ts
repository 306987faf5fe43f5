import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The ceiling: the least a correct webhook endpoint can do. Reads the raw body, checks
 * X-Hub-Signature-256 (HMAC-SHA256, constant-time compare), JSON.parses it, answers 200.
 * No framework, no storage: whatever Switchboard does beyond this is its overhead.
 */
export async function startBareServer(opts: {
  appSecret: string;
  host?: string;
  port?: number;
}): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    if (req.method !== 'POST' || req.url !== '/webhooks/whatsapp') {
      res.writeHead(404).end();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
      const header = req.headers['x-hub-signature-256'];
      const hex = typeof header === 'string' && header.startsWith('sha256=') ? header.slice(7) : '';
      const received = /^[0-9a-f]{64}$/i.test(hex) ? Buffer.from(hex, 'hex') : undefined;
      const expected = createHmac('sha256', opts.appSecret).update(raw).digest();
      if (!received || !timingSafeEqual(expected, received)) {
        res.writeHead(401).end();
        return;
      }
      try {
        JSON.parse(raw.toString('utf8'));
      } catch {
        res.writeHead(400).end();
        return;
      }
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
