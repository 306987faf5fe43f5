import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import type { AddressInfo } from 'node:net';
import { createLogger } from '../../src/core/logger.ts';
import { installRequestObservability, requestIdOptions } from '../../src/http/request-observability.ts';
import { forEachDialect } from '../support/dialects.ts';
import { FaultGraph } from '../support/fault-graph.ts';
import { ADMIN_TOKEN, startWorld, type World } from '../support/test-world.ts';
import { waitFor } from '../support/wait-for.ts';

/** Switchboard's log as JSON lines, kept in memory. */
class LogSink extends Writable {
  readonly lines: Array<Record<string, unknown>> = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    for (const line of chunk.toString('utf8').split('\n')) if (line.trim() !== '') this.lines.push(JSON.parse(line));
    done();
  }
}

test("a handler's own log lines carry the request id, also after a body was read in several chunks", async () => {
  const log = new LogSink();
  const logger = createLogger('info', log);
  // Typed as the app's own logger (deps.logger), which is what installRequestObservability is given.
  const app = Fastify({ loggerInstance: logger as FastifyBaseLogger, ...requestIdOptions });
  installRequestObservability(app);
  app.post('/echo', async (req) => {
    await new Promise((r) => setTimeout(r, 5)); // a later turn of the event loop, as a database call would be
    logger.info({ bytes: JSON.stringify(req.body).length }, 'handled');
    return { ok: true };
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  try {
    const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/echo`;
    // A body trickled in pieces: parsing completes in the socket's callbacks, not the request's.
    const body = new ReadableStream<Uint8Array>({
      async start(controller) {
        for (const part of ['{"text": "', 'x'.repeat(70_000), '"}']) {
          controller.enqueue(new TextEncoder().encode(part));
          await new Promise((r) => setTimeout(r, 20));
        }
        controller.close();
      },
    });
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body, duplex: 'half' } as RequestInit);
    assert.equal(res.status, 200);
    const id = res.headers.get('x-request-id');
    const line = log.lines.find((l) => l.msg === 'handled');
    assert.equal(line?.request_id, id);
  } finally {
    await app.close();
  }
});

forEachDialect('operations: request ids in answers, error bodies and log lines; job ids in job log lines', (dialect) => {
  let w: World;
  let graph: FaultGraph;
  const log = new LogSink();
  const get = (path: string, headers: Record<string, string> = {}) =>
    fetch(`${w.app.url}${path}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...headers } });

  before(async () => {
    graph = new FaultGraph('http://127.0.0.1:1');
    await graph.start();
    w = await startWorld({
      dialect,
      config: { templateSyncIntervalMs: 0 },
      number: { graphUrl: graph.url },
      logger: createLogger('debug', log),
    });
    graph.upstream = w.sim.graphBaseUrl;
  });
  after(async () => {
    await w?.stop();
    await graph?.close();
  });

  test('every answer has X-Request-Id; error bodies carry the same id as error.request_id', async () => {
    const ok = await get('/api/v1/conversations');
    assert.equal(ok.status, 200);
    const okId = ok.headers.get('x-request-id');
    assert.match(okId ?? '', /^[0-9a-f]{8}-[0-9a-z]+$/);
    const cases: Array<[string, number, string]> = [
      ['/api/v1/conversations/conv_missing', 404, 'conversation_not_found'], // a route's own HttpError
      ['/api/v1/no-such-route', 404, 'not_found'], // the not-found handler
      [`/api/v1/conversations/${'x'.repeat(150)}`, 414, 'param_too_long'], // refused before routing
      ['/api/v1/conversations?limit=nope', 400, 'invalid_limit'], // schema validation
    ];
    const ids = new Set<string>([okId ?? '']);
    for (const [path, status, code] of cases) {
      const res = await get(path);
      const body = (await res.json()) as { error: { code: string; message: string; request_id?: string } };
      assert.equal(res.status, status, `${path}: ${JSON.stringify(body)}`);
      assert.equal(body.error.code, code, path);
      const id = res.headers.get('x-request-id');
      assert.ok(id, `${path}: X-Request-Id`);
      assert.equal(body.error.request_id, id, `${path}: the body's id is the header's`);
      ids.add(id);
    }
    assert.equal(ids.size, cases.length + 1, 'each request has its own id');
    const unauthenticated = await fetch(`${w.app.url}/api/v1/conversations`);
    assert.equal(unauthenticated.status, 401);
    assert.equal(
      ((await unauthenticated.json()) as { error: { request_id: string } }).error.request_id,
      unauthenticated.headers.get('x-request-id'),
    );
  });

  test("a proxy's X-Request-Id is kept when plain, replaced when not", async () => {
    const kept = await get('/api/v1/conversations', { 'x-request-id': 'lb-7f3a.42:1' });
    assert.equal(kept.headers.get('x-request-id'), 'lb-7f3a.42:1');
    for (const bad of ['has spaces in it', 'x'.repeat(65), 'quote"s']) {
      const res = await get('/api/v1/conversations', { 'x-request-id': bad });
      assert.notEqual(res.headers.get('x-request-id'), bad);
      assert.match(res.headers.get('x-request-id') ?? '', /^[0-9a-f]{8}-[0-9a-z]+$/);
    }
  });

  test("a request's log lines carry its id", async () => {
    const res = await get('/api/v1/conversations/conv_missing_too');
    const id = res.headers.get('x-request-id');
    await waitFor(() => log.lines.some((l) => l.request_id === id));
    const mine = log.lines.filter((l) => l.request_id === id);
    assert.ok(
      mine.some((l) => l.msg === 'request' && l.status === 404 && l.route === '/api/v1/conversations/:id'),
      JSON.stringify(mine),
    );
  });

  test("a job's log lines carry its job id and name", async () => {
    const customer = w.sim.customer('15557780001', 'Ines');
    await customer.sendText('hi');
    await customer.waitForMessage((m) => m.type === 'text');
    await w.settle();
    const list = await w.api('GET', '/api/v1/conversations');
    const conv = list.body.data.find((c: any) => c.contact.wa_id === '15557780001');
    // A retryable Graph error: the send job logs that it will retry, then succeeds.
    graph.fault = { kind: 'error', status: 500, code: 131000 };
    const sent = await w.api('POST', `/api/v1/conversations/${conv.id}/messages`, { text: 'retried once' });
    assert.equal(sent.status, 202);
    await waitFor(() => log.lines.some((l) => l.msg === 'outbound send will be retried' && l.message === sent.body.id));
    graph.fault = { kind: 'pass' };
    const line = log.lines.find((l) => l.msg === 'outbound send will be retried' && l.message === sent.body.id);
    assert.equal(line?.job, 'message.send');
    assert.equal(typeof line?.job_id, 'string');
    assert.ok(String(line?.job_id ?? '').length > 0);
    assert.equal(line?.request_id, undefined, 'a job runs outside the request that queued it');
    // No secret reaches the log.
    const text = JSON.stringify(log.lines);
    assert.ok(!text.includes(ADMIN_TOKEN), 'the admin token is not logged');
  });
});
