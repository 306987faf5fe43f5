import { createServer, type Server } from 'node:http';

/** A service request as the demo's business API stores it (in memory). */
/** The vendor the demo assigns: open the phone page as +1 415 555 0100 to see its notices. */
export const DEMO_VENDOR = { name: 'Hidráulicos del Valle', phone: '+14155550100' };

export interface DemoServiceRequest {
  id: string;
  url: string;
  created_at: string;
  [field: string]: unknown;
}

export interface DemoBusinessApi {
  url: string;
  requests: DemoServiceRequest[];
  close(): Promise<void>;
}

const MAX_BODY = 64 * 1024;
const MAX_KEPT = 1000;

/**
 * The tiny "business API" `npm start` runs beside the demo so the seed scenario works with no
 * other server: POST /service-requests -> 201 {id: "SR-1001", url, ...}, GET /service-requests
 * lists them (newest first), GET /service-requests/:id shows one. In memory, loopback only.
 * It tries `preferredPort` first (so the flow's URL, and so its published version, stays the same
 * across restarts) and falls back to any free port.
 */
export async function startDemoBusinessApi(opts: { host?: string; preferredPort?: number } = {}): Promise<DemoBusinessApi> {
  const host = opts.host ?? '127.0.0.1';
  const requests: DemoServiceRequest[] = [];
  let next = 1001;
  let base = '';
  const server: Server = createServer((req, res) => {
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY) chunks.push(c);
    });
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      if (req.method === 'POST' && path === '/service-requests') {
        if (size > MAX_BODY) return json(413, { error: 'body too large' });
        let body: unknown;
        try {
          body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
        } catch {
          return json(400, { error: 'the body must be JSON' });
        }
        const id = `SR-${next++}`;
        const fields = typeof body === 'object' && body !== null && !Array.isArray(body) ? body : {};
        // Every request goes to the demo's one vendor, whose phone is a number on the simulator's phone page.
        const created: DemoServiceRequest = {
          ...fields,
          id,
          url: `${base}/service-requests/${id}`,
          vendor: DEMO_VENDOR,
          created_at: new Date().toISOString(),
        };
        requests.unshift(created);
        requests.length = Math.min(requests.length, MAX_KEPT);
        return json(201, created);
      }
      if (req.method === 'GET' && path === '/service-requests') return json(200, { data: requests });
      const one = /^\/service-requests\/([\w-]+)$/.exec(path);
      if (req.method === 'GET' && one) {
        const found = requests.find((r) => r.id === one[1]);
        return found ? json(200, found) : json(404, { error: `no service request ${one[1]}` });
      }
      json(404, { error: 'try POST /service-requests or GET /service-requests' });
    });
  });
  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  try {
    await listen(opts.preferredPort ?? 0);
  } catch (err) {
    const inUse = err instanceof Error && 'code' in err && err.code === 'EADDRINUSE';
    if (!opts.preferredPort || !inUse) throw err;
    await listen(0);
  }
  const address = server.address();
  base = `http://${host}:${typeof address === 'object' && address ? address.port : 0}`;
  return {
    url: base,
    requests,
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
