import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { Socket } from 'node:net';

/** Test support: a loopback HTTP server that records requests and answers with scripted replies. */

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** Which TCP connection carried it (1, 2, ...): equal ids mean keep-alive reuse. */
  socketId: number;
}

export type ScriptedReply = { status: number; body?: unknown; headers?: Record<string, string> } | 'hang';

export interface RecordingGraphServer {
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export async function startRecordingGraphServer(reply: (req: RecordedRequest) => ScriptedReply): Promise<RecordingGraphServer> {
  const requests: RecordedRequest[] = [];
  const socketIds = new WeakMap<Socket, number>();
  let nextSocketId = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const recorded: RecordedRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks),
        socketId: socketIds.get(req.socket) ?? -1,
      };
      requests.push(recorded);
      const r = reply(recorded);
      if (r === 'hang') return; // never answer: exercises client timeouts
      const raw =
        r.body === undefined ? '' : Buffer.isBuffer(r.body) ? r.body : typeof r.body === 'string' ? r.body : JSON.stringify(r.body);
      const contentType = typeof r.body === 'object' && !Buffer.isBuffer(r.body) ? 'application/json' : 'text/plain';
      res.writeHead(r.status, { 'content-type': contentType, ...r.headers });
      res.end(raw);
    });
  });
  server.on('connection', (socket) => socketIds.set(socket, ++nextSocketId));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('server has no TCP address');
  return {
    url: `http://127.0.0.1:${address.port}`,
    requests,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
