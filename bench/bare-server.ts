import { createServer, type Server } from 'node:http';
import { listenLocally, readSignedWebhook } from './signed-webhook.ts';

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
    readSignedWebhook(req, res, opts.appSecret, () => res.writeHead(200).end());
  });
  return listenLocally(server, opts.port, opts.host);
}
