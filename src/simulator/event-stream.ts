import type { FastifyInstance } from 'fastify';
import type { ServerResponse } from 'node:http';
import type { SimulatorCore } from './simulator-core.ts';
import type { OutboundEntry } from './simulator-state.ts';
import type { SimInbound } from './types.ts';

/**
 * GET /_sim/events: Server-Sent Events for the phone page (and anyone curious). `?wa_id=` limits
 * the stream to one customer so an open page does not receive a benchmark's whole traffic.
 * Events: outbound, inbound, status, business_read, typing.
 */
export function registerEventStream(app: FastifyInstance, core: SimulatorCore): void {
  const open = new Set<ServerResponse>();
  app.addHook('preClose', async () => {
    for (const res of open) res.end();
    open.clear();
  });

  app.get<{ Querystring: { wa_id?: string } }>('/_sim/events', (req, reply) => {
    const only = req.query.wa_id?.replace(/\D/g, '') || undefined;
    const res = reply.raw;
    reply.hijack();
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write(': connected\n\n');
    open.add(res);
    const send = (waId: string, event: string, data: unknown) => {
      if (only !== undefined && only !== waId) return;
      res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    };
    const events = core.state.events;
    const onOutbound = (e: OutboundEntry) => send(e.rec.waId, 'outbound', { direction: 'out', ...e.rec });
    const onStatus = (e: OutboundEntry) =>
      send(e.rec.waId, 'status', { wamid: e.rec.wamid, waId: e.rec.waId, status: e.rec.status, error: e.rec.error });
    const onInbound = (m: SimInbound) => send(m.waId, 'inbound', { direction: 'in', ...m });
    const onRead = (x: { waId: string; wamids: string[] }) => send(x.waId, 'business_read', x);
    const onTyping = (x: { waId: string; typing: boolean }) => send(x.waId, 'typing', x);
    events.on('outbound', onOutbound);
    events.on('status', onStatus);
    events.on('inbound', onInbound);
    events.on('business_read', onRead);
    events.on('typing', onTyping);
    const heartbeat = setInterval(() => res.write(': ping\n\n'), 15_000);
    heartbeat.unref();
    res.on('close', () => {
      clearInterval(heartbeat);
      open.delete(res);
      events.off('outbound', onOutbound);
      events.off('status', onStatus);
      events.off('inbound', onInbound);
      events.off('business_read', onRead);
      events.off('typing', onTyping);
    });
  });
}
