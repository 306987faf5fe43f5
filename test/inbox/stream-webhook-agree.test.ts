import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { EVENT_TYPES } from '../../src/event-webhooks/event-types.ts';
import { forEachDialect } from '../support/dialects.ts';
import { ADMIN_TOKEN, startWorld, type World } from '../support/test-world.ts';
import { waitFor } from '../support/wait-for.ts';
import { agentSession, call } from './agents-http.ts';
import { SseClient } from './sse-client.ts';

/** Which stream event tells the inbox what each webhook event tells an integrator. */
const STREAM_TWIN: Record<string, string> = {
  'message.received': 'message.new',
  'message.status': 'message.status',
  'conversation.created': 'conversation.updated',
  'conversation.updated': 'conversation.updated',
  'conversation.assigned': 'conversation.assigned',
  'conversation.closed': 'conversation.updated',
  'conversation.bot_paused': 'conversation.bot_paused',
  'conversation.bot_resumed': 'conversation.bot_resumed',
};

forEachDialect('events: the inbox stream and the event webhooks agree', (dialect) => {
  let w: World;
  let server: Server;
  const hooks: any[] = [];
  let url = '';
  before(async () => {
    w = await startWorld({ dialect, config: { eventWebhooks: { allowPrivate: true } } });
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        hooks.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  });
  after(async () => {
    await w?.stop();
    server?.closeAllConnections();
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  });

  test('a webhook subscribed to every event type and the stream see the same actions; conversation.assigned carries the same reason', async () => {
    const sub = await w.api('POST', '/api/v1/webhooks', { url, events: [...EVENT_TYPES] });
    assert.equal(sub.status, 201, JSON.stringify(sub.body));
    const ana = await agentSession(w, 'ana@agree.test', { availability: 'online' });
    const stream = await SseClient.open(`${w.app.url}/api/v1/stream`, { authorization: `Bearer ${ADMIN_TOKEN}` });
    try {
      const waId = '15557100001';
      await w.sim.customer(waId, 'Vera').sendText('hola');
      await w.settle();
      const conv = (await w.api('GET', '/api/v1/conversations')).body.data.find((c: any) => c.contact.wa_id === waId).id;
      assert.equal((await w.api('POST', `/api/v1/conversations/${conv}/messages`, { text: 'Le ayudo' })).status, 202);
      await w.settle();
      assert.equal((await call(w, 'admin', 'POST', `/api/v1/conversations/${conv}/assign`, { user_id: ana.user.id })).status, 200);
      assert.equal((await call(w, 'admin', 'POST', `/api/v1/conversations/${conv}/assign`, { user_id: null })).status, 200);
      assert.equal((await w.api('PATCH', `/api/v1/conversations/${conv}`, { status: 'archived' })).status, 200);
      assert.equal((await w.api('PATCH', `/api/v1/conversations/${conv}`, { status: 'closed' })).status, 200);
      await w.settle();

      const mine = () => hooks.filter((h) => (h.data.conversation?.id ?? h.data.message?.conversation_id) === conv);
      const expected = [
        'message.received',
        'conversation.created',
        'message.status',
        'conversation.bot_paused',
        'conversation.assigned',
        'conversation.bot_resumed',
        'conversation.updated',
        'conversation.closed',
      ];
      await waitFor(() => expected.every((t) => mine().some((h) => h.type === t)), 10000, `webhooks ${expected.join(', ')}`);
      await waitFor(() => mine().filter((h) => h.type === 'conversation.assigned').length === 2, 10000, 'two assignment webhooks');
      await waitFor(
        () => stream.of('conversation.assigned', conv).length === 2 && stream.of('conversation.bot_resumed', conv).length === 1,
        10000,
        'stream assignment events',
      );

      // Every webhook event about the conversation has its stream twin.
      for (const h of mine()) {
        const twin = STREAM_TWIN[h.type];
        assert.ok(twin, `${h.type} has a stream twin`);
        assert.ok(stream.of(twin, conv).length > 0, `${h.type} -> stream ${twin}`);
      }
      // The assignment events say the same thing, in the same order.
      const fromHooks = mine()
        .filter((h) => h.type === 'conversation.assigned')
        .sort((a, b) => a.created_at.localeCompare(b.created_at) || a.id.localeCompare(b.id))
        .map((h) => ({
          reason: h.data.reason,
          by: h.data.by,
          assignee_id: h.data.assignee_id,
          team_id: h.data.team_id,
          previous: h.data.previous,
        }));
      const fromStream = stream.of('conversation.assigned', conv).map((e) => ({
        reason: e.data.reason,
        by: e.data.by,
        assignee_id: e.data.assignee_id,
        team_id: e.data.team_id,
        previous: e.data.previous,
      }));
      assert.deepEqual(fromStream, fromHooks);
      assert.deepEqual(
        fromStream.map((a) => a.reason),
        ['manual', 'unassigned'],
      );
      assert.equal(fromStream[0]!.assignee_id, ana.user.id);
      assert.deepEqual(fromStream[1]!.previous, { assignee_id: ana.user.id, team_id: null });

      // A replay (Last-Event-ID) carries the same reason as the live event.
      const firstId = stream.events.find((e) => e.event === 'message.new' && e.data.conversation_id === conv)?.id;
      assert.ok(firstId);
      const replay = await SseClient.open(`${w.app.url}/api/v1/stream`, {
        authorization: `Bearer ${ADMIN_TOKEN}`,
        'last-event-id': firstId,
      });
      try {
        await waitFor(() => replay.of('conversation.assigned', conv).length === 2, 10000, 'replayed assignments');
        assert.deepEqual(
          replay.of('conversation.assigned', conv).map((e) => e.data.reason),
          ['manual', 'unassigned'],
        );
      } finally {
        await replay.close();
      }
    } finally {
      await stream.close();
    }
  });

  test('docs/event-webhooks.md lists exactly the event types delivered, none of them "reserved"', () => {
    const doc = readFileSync(new URL('../../docs/event-webhooks.md', import.meta.url), 'utf8');
    const section = doc.slice(doc.indexOf('## Events'), doc.indexOf('`message` and `conversation` have exactly'));
    const rows = [...section.matchAll(/^\| `([a-z_.]+)` \| ([^|]*)\|/gm)].map((m) => ({ type: m[1]!, when: m[2]! }));
    const listed = rows.map((r) => r.type).filter((t) => t !== 'ping');
    assert.deepEqual([...listed].sort(), [...EVENT_TYPES].sort());
    for (const r of rows) assert.doesNotMatch(r.when, /reserved/i, `${r.type} is delivered, not reserved`);
  });
});
