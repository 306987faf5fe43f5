import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the fake Graph API does with a send (POST .../messages): pass it to the simulator, answer an error, or hold it unanswered. */
export type GraphFault =
  | { kind: 'pass' }
  | { kind: 'error'; status: number; code?: number; retryAfterS?: number }
  | { kind: 'hold' }
  | { kind: 'drop' }
  | { kind: 'answer-late' };

/**
 * A fake Graph API on loopback for fault injection: a pass-through to the simulator's Graph API
 * whose sends (POST .../messages) can be answered with an error (429 with Retry-After, a 500
 * with 131000...), held without an answer (the request reached "Meta", the answer never comes),
 * dropped (`drop`: the connection is cut once the request is read: the sender cannot know whether
 * it arrived), passed on with the simulator's answer kept until `releaseAnswers()` (`answer-late`:
 * Meta has the message and its status callbacks may come before the answer), or refused
 * altogether (`down()`: the port stops listening, connections are refused).
 * Everything else (templates, media) always passes.
 */
export class FaultGraph {
  fault: GraphFault = { kind: 'pass' };
  /** Sends that reached this server, by what was done with them. */
  readonly calls = { passed: 0, failed: 0, held: 0, dropped: 0 };
  private server: Server | undefined;
  private port = 0;
  private readonly held: ServerResponse[] = [];
  private readonly lateAnswers: (() => void)[] = [];

  /** The simulator's Graph API (set once it is known). */
  constructor(public upstream: string) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get sends(): number {
    return this.calls.passed + this.calls.failed + this.calls.held + this.calls.dropped;
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((r) => this.server!.listen(this.port, '127.0.0.1', r));
    this.port = (this.server.address() as AddressInfo).port;
  }

  /** Connection refused from now on: the port stops listening, open connections are closed. */
  async down(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }

  /** Listening again on the same port. */
  async up(): Promise<void> {
    if (!this.server) await this.start();
  }

  /** Sends the answers `answer-late` kept, in the order they came. */
  releaseAnswers(): number {
    const answers = this.lateAnswers.splice(0);
    for (const answer of answers) answer();
    return answers.length;
  }

  /** How many answers `answer-late` keeps now. */
  get answersKept(): number {
    return this.lateAnswers.length;
  }

  async close(): Promise<void> {
    for (const res of this.held.splice(0)) res.destroy();
    await this.down();
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const isSend = req.method === 'POST' && /\/messages$/.test(req.url ?? '') && !body.toString('utf8').includes('"status":"read"');
      const fault = isSend ? this.fault : { kind: 'pass' as const };
      if (fault.kind === 'hold') {
        this.calls.held++;
        this.held.push(res);
        return;
      }
      if (fault.kind === 'drop') {
        this.calls.dropped++;
        req.socket.destroy();
        return;
      }
      if (fault.kind === 'error') {
        this.calls.failed++;
        const code = fault.code ?? (fault.status === 429 ? 130429 : 131000);
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (fault.retryAfterS !== undefined) headers['retry-after'] = String(fault.retryAfterS);
        res
          .writeHead(fault.status, headers)
          .end(JSON.stringify({ error: { message: `(#${code}) injected fault`, type: 'OAuthException', code, fbtrace_id: 'fault' } }));
        return;
      }
      if (isSend) this.calls.passed++;
      const target = new URL(req.url ?? '/', this.upstream);
      const up = request(target, { method: req.method, headers: { ...req.headers, host: target.host } }, (upRes) => {
        if (isSend && fault.kind === 'answer-late') {
          const answer: Buffer[] = [];
          upRes.on('data', (c: Buffer) => answer.push(c));
          upRes.on('end', () =>
            this.lateAnswers.push(() => res.writeHead(upRes.statusCode ?? 502, upRes.headers).end(Buffer.concat(answer))),
          );
          return;
        }
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        upRes.pipe(res);
      });
      up.on('error', () => res.writeHead(502).end());
      up.end(body);
    });
  }
}
