import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DEFAULT_AI_SETTINGS } from '../../src/ai/ai-settings.ts';
import { agentSession } from '../inbox/agents-http.ts';
import { forEachDialect } from '../support/dialects.ts';
import { startWorld, type World } from '../support/test-world.ts';
import { waitFor } from '../support/wait-for.ts';

const ARTICLES = [
  {
    title: 'Opening hours',
    body: 'We open Monday to Friday from 9:00 to 18:00 and on Saturday from 9:00 to 13:00.',
    language: 'en',
  },
  {
    title: 'Visitas técnicas',
    body: 'La visita de diagnóstico cuesta 350 pesos y se descuenta del total si aceptas la reparación.',
    language: 'es',
  },
];

const SPANISH_HANDOFF = 'Te comunico con una persona de nuestro equipo; en breve te responde.';
const ENGLISH_HANDOFF = 'Let me pass you to someone from our team; they will answer you shortly.';

/**
 * Auto mode's hand-off rules on the offline default (docs/ai.md#modes), each seen by the customer
 * and in the conversation: low confidence, a request for a person in English, the human override
 * (an agent holds it: silent; unassigned: answers again), a draft accepted as is, and the monthly
 * budget spent (the assistant off with its reason, the customer handed to a person, nothing lost).
 */
forEachDialect('AI assistant: hand-off rules, human override, draft accept, budget spent', (dialect) => {
  describe('auto mode on the offline default', () => {
    let w: World;
    before(async () => {
      w = await startWorld({ dialect, config: { demoBot: false, ai: { ...DEFAULT_AI_SETTINGS, defaultMode: 'auto' } } });
      for (const a of ARTICLES) assert.equal((await w.api('POST', '/api/v1/knowledge', a)).status, 201);
    });
    after(async () => {
      await w?.stop();
    });

    const convOf = async (waId: string) =>
      (await w.api('GET', '/api/v1/conversations')).body.data.find((c: any) => c.contact.wa_id === waId);
    const replies = async (id: string) => (await w.api('GET', `/api/v1/conversations/${id}/ai/replies`)).body.data;
    const detail = async (id: string) => (await w.api('GET', `/api/v1/conversations/${id}`)).body;

    test('low confidence: the customer is told a person takes over, the conversation is queued with a summary, the message kept', async () => {
      const c = w.sim.customer('5215550006001', 'Nora');
      await c.sendText('¿Venden refacciones para calentadores solares?');
      await c.waitForMessage((m) => m.text === SPANISH_HANDOFF);
      const conv = await convOf('5215550006001');
      await waitFor(async () => (await detail(conv.id)).bot.reason === 'handoff');
      const [r] = await replies(conv.id);
      assert.deepEqual([r.outcome, r.reason], ['handoff', 'low_confidence']);
      assert.ok(r.confidence < 0.5, `confidence ${r.confidence}`);
      const d = await detail(conv.id);
      assert.ok(d.messages.some((m: any) => m.text === '¿Venden refacciones para calentadores solares?'));
      assert.ok(d.notes.some((n: any) => /^AI summary \(hand-off\): .*calentadores solares/.test(n.text)));
    });

    test('"I want to talk to a person": handed off in English; silent while an agent holds it; unassigned, it answers again', async () => {
      const agent = await agentSession(w, 'olga@ai-handoff.test');
      const c = w.sim.customer('5215550006002', 'Pat');
      await c.sendText('Hi, I want to talk to a person please');
      await c.waitForMessage((m) => m.text === ENGLISH_HANDOFF);
      const conv = await convOf('5215550006002');
      await waitFor(async () => (await replies(conv.id))[0]?.reason === 'customer_asked');
      assert.equal((await w.api('POST', `/api/v1/conversations/${conv.id}/assign`, { user_id: agent.user.id })).status, 200);
      const before = (await replies(conv.id)).length;
      await c.sendText('What time do you open on Saturday?');
      await w.settle();
      assert.equal((await replies(conv.id)).length, before, 'no AI call while a person holds it');
      assert.ok((await detail(conv.id)).messages.some((m: any) => m.text === 'What time do you open on Saturday?'));
      assert.equal((await w.api('POST', `/api/v1/conversations/${conv.id}/unassign`)).status, 200);
      await c.sendText('When do you open on Saturday?');
      const answer = await c.waitForMessage((m) => /Saturday from 9:00 to 13:00/.test(m.text ?? ''));
      assert.ok(answer);
      const [r] = await replies(conv.id);
      assert.deepEqual([r.outcome, r.mode], ['answered', 'auto']);
      assert.ok((await detail(conv.id)).messages.some((m: any) => m.author === 'bot:ai' && m.id === r.message_id));
    });

    test('closing a handed-off conversation releases it: the next question is answered by the AI', async () => {
      const c = w.sim.customer('5215550006005', 'Sara');
      await c.sendText('quiero hablar con un asesor');
      await c.waitForMessage((m) => m.text === SPANISH_HANDOFF);
      const conv = await convOf('5215550006005');
      await waitFor(async () => (await detail(conv.id)).bot.reason === 'handoff');
      assert.equal((await w.api('PATCH', `/api/v1/conversations/${conv.id}`, { status: 'closed' })).status, 200);
      await c.sendText('When do you open on Saturday?');
      await c.waitForMessage((m) => /Saturday from 9:00 to 13:00/.test(m.text ?? ''));
    });

    test('draft accept sends the suggested reply as it is, as the agent', async () => {
      const c = w.sim.customer('5215550006003', 'Quique');
      await c.sendText('hola');
      await c.waitForMessage((m) => m.text === SPANISH_HANDOFF);
      const conv = await convOf('5215550006003');
      assert.equal((await w.api('POST', `/api/v1/conversations/${conv.id}/bot/resume`)).status, 200);
      assert.equal((await w.api('PUT', `/api/v1/conversations/${conv.id}/ai/mode`, { mode: 'draft' })).status, 200);
      await c.sendText('¿Cuánto cuesta la visita de diagnóstico?');
      await waitFor(async () => (await replies(conv.id))[0]?.draft_state === 'pending');
      const draft = (await replies(conv.id))[0];
      assert.match(draft.answer, /350 pesos/);
      const accepted = await w.api('POST', `/api/v1/conversations/${conv.id}/ai/replies/${draft.id}/decide`, { action: 'accept' });
      assert.equal(accepted.status, 200);
      assert.equal(accepted.body.draft_state, 'accepted');
      const sent = await c.waitForMessage((m) => m.text === draft.answer);
      assert.ok(sent);
      const msg = (await detail(conv.id)).messages.find((m: any) => m.id === accepted.body.message_id);
      assert.equal(msg.text, draft.answer);
      assert.notEqual(msg.author, 'bot:ai', 'sent by whoever accepted it');

      // Accepting a draft does not take the conversation: the next message gets a draft too.
      await c.sendText('When do you open on Saturday?');
      await waitFor(async () => (await replies(conv.id))[0]?.question === 'When do you open on Saturday?');
      assert.equal((await replies(conv.id))[0].draft_state, 'pending');
      // An agent who writes holds it (the bot pause): no drafts until it is released.
      const typed = await w.api('POST', `/api/v1/conversations/${conv.id}/messages`, { type: 'text', text: 'Hola, te atiende Olga.' });
      assert.equal(typed.status, 202);
      const count = (await replies(conv.id)).length;
      await c.sendText('¿Y el domingo?');
      await w.settle();
      assert.equal((await replies(conv.id)).length, count, 'no draft while an agent holds the conversation');
    });
  });

  describe('monthly token budget spent in auto mode', () => {
    let w: World;
    before(async () => {
      // One token: the first answer spends it.
      w = await startWorld({
        dialect,
        config: { demoBot: false, ai: { ...DEFAULT_AI_SETTINGS, defaultMode: 'auto', monthlyTokenBudget: 1 } },
      });
      for (const a of ARTICLES) assert.equal((await w.api('POST', '/api/v1/knowledge', a)).status, 201);
    });
    after(async () => {
      await w?.stop();
    });

    test('the assistant turns itself off with the reason; the customer is handed to a person and the message kept', async () => {
      const c = w.sim.customer('5215550006004', 'Rita');
      await c.sendText('When do you open on Saturday?');
      await c.waitForMessage((m) => /Saturday from 9:00 to 13:00/.test(m.text ?? ''));
      const status = (await w.api('GET', '/api/v1/ai/status')).body;
      assert.deepEqual([status.available, status.unavailable_reason], [false, 'budget_spent']);
      assert.ok(status.tokens_this_month >= 1);

      await c.sendText('¿Cuánto cuesta la visita?');
      await c.waitForMessage((m) => m.text === SPANISH_HANDOFF);
      const conv = (await w.api('GET', '/api/v1/conversations')).body.data.find((x: any) => x.contact.wa_id === '5215550006004');
      await waitFor(async () => (await w.api('GET', `/api/v1/conversations/${conv.id}`)).body.bot.reason === 'handoff');
      const [r] = (await w.api('GET', `/api/v1/conversations/${conv.id}/ai/replies`)).body.data;
      assert.deepEqual([r.outcome, r.reason], ['unavailable', 'budget_spent']);
      const d = (await w.api('GET', `/api/v1/conversations/${conv.id}`)).body;
      assert.ok(d.messages.some((m: any) => m.text === '¿Cuánto cuesta la visita?'));
      assert.ok(d.notes.some((n: any) => /^AI summary \(hand-off\)/.test(n.text)));
      const usage = (await w.api('GET', '/api/v1/ai/usage')).body.data;
      assert.equal(
        usage.reduce((n: number, u: any) => n + u.calls, 0),
        1,
        'no provider call once the budget is spent',
      );
    });
  });
});
