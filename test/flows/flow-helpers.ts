import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { World } from '../support/test-world.ts';

/** A small local HTTP server playing the business's API; records every request. */
export interface BusinessApi {
  url: string;
  requests: Array<{ method: string; path: string; headers: IncomingMessage['headers']; body: string }>;
  close(): Promise<void>;
}

export async function startBusinessApi(): Promise<BusinessApi> {
  const requests: BusinessApi['requests'] = [];
  let n = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      requests.push({ method: req.method ?? 'GET', path, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      const json = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (path.startsWith('/service-requests')) {
        const id = `SR-${1000 + ++n}`;
        return json(201, {
          id,
          url: `https://crm.example.com/requests/${id}`,
          vendor: { name: 'Hidráulicos del Valle', phone: '+14155550199' },
        });
      }
      if (path.startsWith('/slow')) return void setTimeout(() => json(200, { ok: true, data: { n: 7 } }), 1200);
      if (path.startsWith('/fail')) return json(500, { error: 'boom' });
      if (path.startsWith('/hang')) return; // never answers
      json(200, { ok: true, data: { items: [{ name: 'first' }] } });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

/** Creates (or replaces) and publishes a flow through the API; returns the version. */
export async function publish(w: World, doc: Record<string, unknown>): Promise<number> {
  const existing = await w.api('GET', `/api/v1/flows/${String(doc.id)}`);
  const saved =
    existing.status === 200 ? await w.api('PUT', `/api/v1/flows/${String(doc.id)}`, doc) : await w.api('POST', '/api/v1/flows', doc);
  if (saved.status >= 300) throw new Error(`save failed: ${JSON.stringify(saved.body)}`);
  const pub = await w.api('POST', `/api/v1/flows/${String(doc.id)}/publish`);
  if (pub.status !== 200) throw new Error(`publish failed: ${JSON.stringify(pub.body)}`);
  return pub.body.version;
}
