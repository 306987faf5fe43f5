import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { loadConfig } from '../../src/load-config.ts';
import { releaseIdlePauses } from '../../src/bot/release-idle-pauses.ts';
import { dueSessions } from '../../src/flows/flow-store.ts';
import { publish } from '../flows/flow-helpers.ts';
import { approvedTemplate, body } from '../templates/helpers.ts';
import { forEachDialect } from '../support/dialects.ts';
import { ADMIN_TOKEN, startWorld, type World } from '../support/test-world.ts';
import { waitFor } from '../support/wait-for.ts';
import { agentSession, call } from './agents-http.ts';
import { SseClient } from './sse-client.ts';

const IDLE_MS = 30 * 60_000;

/** An integrator's endpoint on loopback: keeps every event body it receives. */
class EventSink {
  readonly events: any[] = [];
  private server: Server | undefined;
  url = '';
  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.events.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/events`;
  }
  of(type: string, conversationId: string): any[] {
    return this.events.filter((e) => e.type === type && e.data.conversation.id === conversationId);
  }
  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}

test('BOT_PAUSE_IDLE_TIMEOUT_MS: off (0) by default, a whole number of milliseconds otherwise', () => {
  const base = { WHATSAPP_ACCESS_TOKEN: undefined };
  const off = loadConfig(base, '/tmp');
  assert.ok(off.ok);
  assert.equal(off.config.botPauseIdleTimeoutMs, 0);
  const on = loadConfig({ ...base, BOT_PAUSE_IDLE_TIMEOUT_MS: '900000' }, '/tmp');
  assert.ok(on.ok);
  assert.equal(on.config.botPauseIdleTimeoutMs, 900_000);
  const bad = loadConfig({ ...base, BOT_PAUSE_IDLE_TIMEOUT_MS: '15m' }, '/tmp');
  assert.ok(!bad.ok);
  assert.ok(bad.problems.some((p) => p.startsWith('BOT_PAUSE_IDLE_TIMEOUT_MS must be a whole number')));
});

forEachDialect('bot pause: a human takes the conversation, every automated responder stops until released', (dialect) => {
  let w: World;
  const sink = new EventSink();
  let stream: SseClient;
  const echo = (t: string) => (m: { text?: string }) => m.text === `You said: ${t}`;

  const conversationOf = async (waId: string) =>
    (
      await w.app.deps.storage.db
        .selectFrom('conversations as c')
        .innerJoin('contacts as ct', 'ct.id', 'c.contact_id')
        .select('c.id')
        .where('ct.external_id', '=', waId)
        .orderBy('c.created_at', 'desc')
        .executeTakeFirstOrThrow()
    ).id;
  const botOf = async (conversationId: string) => {
    const res = await w.api('GET', `/api/v1/conversations/${conversationId}`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.bot;
  };
  /** The customer writes and the message is fully handled: any bot answer has been sent by now. */
  const writeAndSettle = async (c: ReturnType<World['sim']['customer']>, text: string) => {
    await c.sendText(text);
    await waitFor(
      async () => {
        const id = await conversationOf(c.waId).catch(() => null);
        if (!id) return false;
        const detail = await w.api('GET', `/api/v1/conversations/${id}`);
        return detail.body.messages.some((m: any) => m.direction === 'in' && m.text === text && m.status === 'processed');
      },
      5000,
      `"${text}" processed`,
    );
    await w.settle();
  };
  /** No automated message answered `text`: nothing after it in the conversation, nothing on the phone. */
  const assertSilent = async (c: ReturnType<World['sim']['customer']>, text: string) => {
    const detail = await w.api('GET', `/api/v1/conversations/${await conversationOf(c.waId)}`);
    const messages: any[] = detail.body.messages;
    const at = messages.map((m) => m.direction === 'in' && m.text === text).lastIndexOf(true);
    assert.ok(at >= 0);
    assert.deepEqual(
      messages.slice(at + 1).filter((m) => m.direction === 'out'),
      [],
      `no reply after "${text}"`,
    );
    assert.equal(c.received().some(echo(text)), false);
  };

  before(async () => {
    w = await startWorld({
      dialect,
      config: { botPauseIdleTimeoutMs: IDLE_MS, eventWebhooks: { allowPrivate: true, retryBaseMs: 50, maxAttempts: 3, timeoutMs: 1_000 } },
    });
    await sink.start();
    const sub = await w.api('POST', '/api/v1/webhooks', { url: sink.url, events: ['conversation.bot_paused', 'conversation.bot_resumed'] });
    assert.equal(sub.status, 201, JSON.stringify(sub.body));
    stream = await SseClient.open(`${w.app.url}/api/v1/stream`, { authorization: `Bearer ${ADMIN_TOKEN}` });
  });
  after(async () => {
    await stream?.close();
    await w?.stop();
    await sink.close();
  });

  test('an assignment pauses (by the assigner, reason assigned); unassigning gives the customer back to the bot', async () => {
    const agent = await agentSession(w, 'ann@pause.test');
    const c = w.sim.customer('14155550301', 'Lia');
    await c.sendText('first question');
    await c.waitForMessage(echo('first question'));
    const id = await conversationOf(c.waId);
    assert.equal((await botOf(id)).paused, false, "the bot's own replies never pause it");

    assert.equal((await w.api('POST', `/api/v1/conversations/${id}/assign`, { user_id: agent.user.id })).status, 200);
    const bot = await botOf(id);
    assert.deepEqual(
      { paused: bot.paused, paused_by: bot.paused_by, reason: bot.reason, resumes_at: bot.resumes_at },
      {
        paused: true,
        paused_by: 'admin_token',
        reason: 'assigned',
        resumes_at: new Date(Date.parse(bot.paused_at) + IDLE_MS).toISOString(),
      },
    );
    const listed = (await w.api('GET', '/api/v1/conversations?limit=200')).body.data.find((r: any) => r.id === id);
    assert.equal(listed.bot.paused, true, 'the list row shows the pause too');
    await writeAndSettle(c, 'are you a bot?');
    await assertSilent(c, 'are you a bot?');

    assert.equal((await w.api('POST', `/api/v1/conversations/${id}/unassign`)).status, 200);
    assert.deepEqual(await botOf(id), {
      paused: false,
      paused_by: null,
      reason: null,
      paused_at: null,
      last_activity_at: null,
      resumes_at: null,
    });
    await c.sendText('still there?');
    await c.waitForMessage(echo('still there?'));

    await waitFor(() => sink.of('conversation.bot_resumed', id).length === 1, 5000, 'bot_resumed delivered');
    const paused = sink.of('conversation.bot_paused', id);
    assert.equal(paused.length, 1);
    assert.deepEqual([paused[0].data.by, paused[0].data.reason, paused[0].data.conversation.bot.paused], ['admin_token', 'assigned', true]);
    const resumed = sink.of('conversation.bot_resumed', id)[0].data;
    assert.deepEqual(
      [resumed.by, resumed.reason, resumed.pause.reason, resumed.pause.paused_by, resumed.conversation.bot.paused],
      ['admin_token', 'unassigned', 'assigned', 'admin_token', false],
    );
    await stream.next((e) => e.event === 'conversation.bot_paused' && e.data.conversation_id === id, 5000, 'stream: bot_paused');
    const streamed = await stream.next(
      (e) => e.event === 'conversation.bot_resumed' && e.data.conversation_id === id,
      5000,
      'stream: bot_resumed',
    );
    assert.equal(streamed.data.conversation.bot.paused, false);
  });

  test("routing's assignment after POST /handoff pauses; closing the conversation releases it", async () => {
    const c = w.sim.customer('14155550302', 'Mo');
    await c.sendText('hello there');
    await c.waitForMessage((m) => m.text?.startsWith('Hello Mo') === true);
    const id = await conversationOf(c.waId);
    const handed = await w.api('POST', `/api/v1/conversations/${id}/handoff`, {});
    assert.equal(handed.status, 200, JSON.stringify(handed.body));
    let bot = await botOf(id);
    assert.deepEqual(
      [bot.paused, bot.paused_by, bot.reason],
      [true, 'admin_token', 'handoff'],
      'waiting in the queue, nobody assigned yet: already silent',
    );
    await writeAndSettle(c, 'Thanks are you a bot?');
    await assertSilent(c, 'Thanks are you a bot?');

    // An agent comes online: routing assigns the waiting conversation; the first pause (who, why) stands.
    const agent = await agentSession(w, 'bo@pause.test', { availability: 'online' });
    await waitFor(
      async () => (await w.api('GET', `/api/v1/conversations/${id}`)).body.assignee?.id === agent.user.id,
      5000,
      'routed to the agent',
    );
    bot = await botOf(id);
    assert.deepEqual([bot.paused, bot.paused_by, bot.reason], [true, 'admin_token', 'handoff']);
    await writeAndSettle(c, 'hello?');
    await assertSilent(c, 'hello?');

    // The agent goes offline: the conversation goes back to the queue for another human, still paused.
    assert.equal((await call(w, 'admin', 'PATCH', `/api/v1/users/${agent.user.id}`, { availability: 'offline' })).status, 200);
    await waitFor(async () => (await w.api('GET', `/api/v1/conversations/${id}`)).body.assignee === null, 5000, 'requeued');
    assert.equal((await botOf(id)).paused, true);

    assert.equal((await w.api('PATCH', `/api/v1/conversations/${id}`, { status: 'closed' })).status, 200);
    assert.equal((await botOf(id)).paused, false);
    await waitFor(() => sink.of('conversation.bot_resumed', id).length === 1, 5000, 'bot_resumed delivered');
    assert.deepEqual(
      [sink.of('conversation.bot_resumed', id)[0].data.reason, sink.of('conversation.bot_resumed', id)[0].data.by],
      ['closed', 'admin_token'],
    );
    assert.equal(sink.of('conversation.bot_paused', id).length, 1, 'one pause: the assignment after the hand-off only kept it');
    await c.sendText('new topic');
    await c.waitForMessage(echo('new topic'));
  });

  test("an agent's reply pauses (by the agent, reason agent_message); POST /bot/resume gives it back", async () => {
    const agent = await agentSession(w, 'cy@pause.test');
    const c = w.sim.customer('14155550303', 'Ned');
    await c.sendText('need help');
    await c.waitForMessage(echo('need help'));
    const id = await conversationOf(c.waId);
    const sent = await call(w, { cookie: agent.cookie }, 'POST', `/api/v1/conversations/${id}/messages`, {
      type: 'text',
      text: 'Hi Ned, Cy here.',
    });
    assert.equal(sent.status, 202, JSON.stringify(sent.body));
    const bot = await botOf(id);
    assert.deepEqual([bot.paused, bot.paused_by, bot.reason], [true, agent.user.id, 'agent_message']);
    await writeAndSettle(c, 'Thanks are you a bot?');
    await assertSilent(c, 'Thanks are you a bot?');

    const resumed = await call(w, { cookie: agent.cookie }, 'POST', `/api/v1/conversations/${id}/bot/resume`);
    assert.equal(resumed.status, 200, JSON.stringify(resumed.body));
    assert.deepEqual([resumed.body.conversation_id, resumed.body.changed, resumed.body.bot.paused], [id, true, false]);
    const again = await w.api('POST', `/api/v1/conversations/${id}/bot/resume`);
    assert.deepEqual([again.status, again.body.changed], [200, false], 'resuming a bot that is not paused changes nothing');
    await c.sendText('ok bot');
    await c.waitForMessage(echo('ok bot'));
    await waitFor(() => sink.of('conversation.bot_resumed', id).length === 1, 5000, 'bot_resumed delivered');
    assert.deepEqual(
      [sink.of('conversation.bot_resumed', id)[0].data.reason, sink.of('conversation.bot_resumed', id)[0].data.by],
      ['resumed', agent.user.id],
    );

    // An integration's free-form message counts as a human speaking too.
    assert.equal((await w.api('POST', `/api/v1/conversations/${id}/messages`, { type: 'text', text: 'From the CRM' })).status, 202);
    assert.deepEqual([(await botOf(id)).paused_by, (await botOf(id)).reason], ['admin_token', 'agent_message']);
  });

  test('a text that starts a conversation pauses; a template pauses only when a signed-in user sends it', async () => {
    await approvedTemplate(w, {
      name: 'pause_check',
      language: 'en_US',
      category: 'UTILITY',
      components: [body('Hi {{1}}, we are on it.', ['Ana'])],
    });
    const c = w.sim.customer('14155550308', 'Sol');
    await c.sendText('first words');
    await c.waitForMessage(echo('first words'));
    const id = await conversationOf(c.waId);
    const viaToken = await w.api('POST', `/api/v1/conversations/${id}/templates`, {
      template: 'pause_check',
      language: 'en_US',
      parameters: { body: ['Sol'] },
    });
    assert.equal(viaToken.status, 202, JSON.stringify(viaToken.body));
    assert.equal((await botOf(id)).paused, false, "an integration's template is a notification: the bot stays");

    const agent = await agentSession(w, 'eve@pause.test');
    const viaAgent = await call(w, { cookie: agent.cookie }, 'POST', `/api/v1/conversations/${id}/templates`, {
      template: 'pause_check',
      language: 'en_US',
      parameters: { body: ['Sol'] },
    });
    assert.equal(viaAgent.status, 202, JSON.stringify(viaAgent.body));
    let bot = await botOf(id);
    assert.deepEqual([bot.paused, bot.paused_by, bot.reason], [true, agent.user.id, 'agent_message']);
    assert.equal((await w.api('PATCH', `/api/v1/conversations/${id}`, { status: 'closed' })).status, 200);

    // The customer's window is still open: a text from the API starts their next conversation, paused.
    const started = await w.api('POST', '/api/v1/conversations', { phone: '+14155550308', text: 'We saw your message.' });
    assert.equal(started.status, 202, JSON.stringify(started.body));
    assert.deepEqual(
      [started.body.conversation.bot.paused, started.body.conversation.bot.paused_by, started.body.conversation.bot.reason],
      [true, 'admin_token', 'agent_message'],
    );
    bot = await botOf(started.body.conversation.id);
    assert.equal(bot.paused, true);
    await writeAndSettle(c, 'thanks, human');
    await assertSilent(c, 'thanks, human');
  });

  test("a flow's hand-off block pauses every responder (by flow:<id>); the flow's own messages never do", async () => {
    await publish(w, {
      id: 'to-human',
      name: 'To a human',
      start: 'h',
      triggers: [{ type: 'exact', value: 'human please' }],
      blocks: { h: { type: 'handoff', message: 'Connecting you.' } },
    });
    const c = w.sim.customer('14155550304', 'Oli');
    await c.sendText('human please');
    await c.waitForMessage((m) => m.text === 'Connecting you.');
    await w.settle();
    const id = await conversationOf(c.waId);
    const bot = await botOf(id);
    assert.deepEqual([bot.paused, bot.paused_by, bot.reason], [true, 'flow:to-human', 'handoff']);
    await writeAndSettle(c, 'human please');
    await assertSilent(c, 'human please');
    await writeAndSettle(c, 'anyone?');
    await assertSilent(c, 'anyone?');
    assert.equal((await w.api('POST', `/api/v1/conversations/${id}/bot/resume`)).status, 200);
    await c.sendText('back to you, bot');
    await c.waitForMessage(echo('back to you, bot'));
  });

  test('the idle timeout: a customer message after it finds the bot back; agent activity restarts it; the sweep lifts idle pauses', async () => {
    const c = w.sim.customer('14155550305', 'Pia');
    await c.sendText('question one');
    await c.waitForMessage(echo('question one'));
    const id = await conversationOf(c.waId);
    const paused = await w.api('POST', `/api/v1/conversations/${id}/bot/pause`);
    assert.equal(paused.status, 200, JSON.stringify(paused.body));
    assert.deepEqual(
      [paused.body.changed, paused.body.bot.paused, paused.body.bot.paused_by, paused.body.bot.reason],
      [true, true, 'admin_token', 'manual'],
    );
    const firstDeadline = Date.parse(paused.body.bot.resumes_at);

    w.clock.advance(IDLE_MS / 2);
    // Agent activity half-way: the pause stays as it was, its deadline moves on.
    const touched = await w.api('POST', `/api/v1/conversations/${id}/bot/pause`);
    assert.deepEqual(
      [touched.body.changed, touched.body.bot.reason, touched.body.bot.paused_at],
      [false, 'manual', paused.body.bot.paused_at],
    );
    assert.ok(Date.parse(touched.body.bot.resumes_at) >= firstDeadline + IDLE_MS / 2);
    w.clock.advance(IDLE_MS / 2 + 60_000); // past the first deadline, not the second
    await writeAndSettle(c, 'question two');
    await assertSilent(c, 'question two');

    w.clock.advance(IDLE_MS);
    await c.sendText('question three');
    await c.waitForMessage(echo('question three'));
    assert.equal((await botOf(id)).paused, false);
    await waitFor(() => sink.of('conversation.bot_resumed', id).length === 1, 5000, 'bot_resumed delivered');
    assert.deepEqual(
      [sink.of('conversation.bot_resumed', id)[0].data.reason, sink.of('conversation.bot_resumed', id)[0].data.by],
      ['idle_timeout', 'system'],
    );

    // Nobody writes: the sweep lifts it.
    assert.equal((await w.api('POST', `/api/v1/conversations/${id}/bot/pause`)).body.changed, true);
    await releaseIdlePauses(w.app.deps);
    assert.equal((await botOf(id)).paused, true, 'not idle yet');
    w.clock.advance(IDLE_MS + 1);
    assert.ok((await releaseIdlePauses(w.app.deps)) >= 1);
    assert.equal((await botOf(id)).paused, false);
    await waitFor(() => sink.of('conversation.bot_resumed', id).length === 2, 5000, 'second bot_resumed delivered');
  });

  test("a paused bot keeps a flow's timer still; it fires once the pause lifts", async () => {
    await publish(w, {
      id: 'nudge',
      name: 'Nudge',
      start: 'w',
      triggers: [{ type: 'exact', value: 'nudge me' }],
      blocks: { w: { type: 'wait', seconds: 60, exits: { next: 'n' } }, n: { type: 'end', status: 'succeeded', message: 'Still there?' } },
    });
    const c = w.sim.customer('14155550306', 'Quin');
    await writeAndSettle(c, 'nudge me');
    const id = await conversationOf(c.waId);
    assert.equal((await w.api('POST', `/api/v1/conversations/${id}/bot/pause`)).status, 200);
    w.clock.advance(120_000);
    await w.settle();
    assert.equal(
      c.received().some((m) => m.text === 'Still there?'),
      false,
    );
    assert.deepEqual(
      (await dueSessions(w.app.deps.storage.db, w.clock.now(), 500)).filter((s) => s.conversation_id === id),
      [],
      'the sweep skips it',
    );
    assert.equal((await w.api('POST', `/api/v1/conversations/${id}/bot/resume`)).status, 200);
    await c.waitForMessage((m) => m.text === 'Still there?');
  });

  test('the pause and resume routes: 404 for a conversation one may not see, 403 without conversations:write, 409 when closed, 4xx for bad bodies', async () => {
    const c = w.sim.customer('14155550307', 'Rae');
    await writeAndSettle(c, 'hi routes');
    const id = await conversationOf(c.waId);
    const hidden = await agentSession(w, 'dee@pause.test', { visibility: 'assigned_and_team' });
    for (const action of ['pause', 'resume']) {
      const r = await call(w, { cookie: hidden.cookie }, 'POST', `/api/v1/conversations/${id}/bot/${action}`);
      assert.deepEqual([r.status, r.body.error.code], [404, 'conversation_not_found']);
      const missing = await w.api('POST', `/api/v1/conversations/conv_nope/bot/${action}`);
      assert.deepEqual([missing.status, missing.body.error.code], [404, 'conversation_not_found']);
    }
    const reader = (await w.api('POST', '/api/v1/tokens', { name: 'reader', scopes: ['conversations:read'] })).body.token;
    assert.equal((await call(w, { bearer: reader }, 'POST', `/api/v1/conversations/${id}/bot/pause`)).status, 403);
    assert.equal((await botOf(id)).paused, false);

    const notObject = await call(w, 'admin', 'POST', `/api/v1/conversations/${id}/bot/pause`, ['x']);
    assert.deepEqual([notObject.status, notObject.body.error.code], [400, 'invalid_body']);
    const unknown = await call(w, 'admin', 'POST', `/api/v1/conversations/${id}/bot/resume`, { reason: 'x' });
    assert.ok(unknown.status >= 400 && unknown.status < 500, String(unknown.status));
    assert.equal(unknown.body.error.code, 'unknown_field');
    assert.equal((await call(w, 'admin', 'POST', `/api/v1/conversations/${id}/bot/pause`, {})).status, 200);

    assert.equal((await w.api('PATCH', `/api/v1/conversations/${id}`, { status: 'closed' })).status, 200);
    const closed = await w.api('POST', `/api/v1/conversations/${id}/bot/pause`);
    assert.deepEqual([closed.status, closed.body.error.code], [409, 'conversation_closed']);

    const doc = (await w.api('GET', '/openapi.json')).body;
    assert.ok(doc.paths['/api/v1/conversations/{id}/bot/pause']?.post, 'documented in the OpenAPI');
    assert.ok(doc.paths['/api/v1/conversations/{id}/bot/resume']?.post);
  });
});
