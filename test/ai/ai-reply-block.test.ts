import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DEFAULT_AI_SETTINGS } from '../../src/ai/ai-settings.ts';
import { publish } from '../flows/flow-helpers.ts';
import { forEachDialect } from '../support/dialects.ts';
import { startWorld, type World } from '../support/test-world.ts';

forEachDialect('AI assistant: the ai_reply flow block takes answered, handoff and unavailable (budget spent)', (dialect) => {
  let w: World;
  const text = (t: string | RegExp) => (m: { text?: string }) => (typeof t === 'string' ? m.text === t : t.test(m.text ?? ''));
  before(async () => {
    // A monthly budget of one token: the first model call spends it, the next finds the assistant off.
    w = await startWorld({ dialect, config: { demoBot: false, ai: { ...DEFAULT_AI_SETTINGS, monthlyTokenBudget: 1 } } });
    await w.api('POST', '/api/v1/knowledge', {
      title: 'Horario de atención',
      body: 'Abrimos de lunes a viernes de 9:00 a 18:00.',
      language: 'es',
    });
    await publish(w, {
      id: 'helper',
      name: 'Helper',
      start: 'ai',
      triggers: [{ type: 'keyword', value: 'pregunta' }],
      blocks: {
        ai: {
          type: 'ai_reply',
          instructions: 'Answer from the knowledge base.',
          variable: 'answer',
          exits: { answered: 'done', handoff: 'human', unavailable: 'off' },
        },
        done: { type: 'end', status: 'succeeded', reason: 'answered' },
        human: { type: 'end', status: 'succeeded', reason: 'handoff', message: 'Te paso con una persona ({{session.ai_error}}).' },
        off: { type: 'end', status: 'failed', reason: 'off', message: 'El asistente no está disponible ({{session.ai_error}}).' },
      },
    });
  });
  after(async () => {
    await w?.stop();
  });

  test('handoff: the customer asks for a person (no model call)', async () => {
    const c = w.sim.customer('5215550002001', 'Luz');
    await c.sendText('pregunta: quiero hablar con una persona');
    await c.waitForMessage(text('Te paso con una persona (customer_asked).'));
  });

  test('answered: the answer is sent and stored in the variable', async () => {
    const c = w.sim.customer('5215550002002', 'Mar');
    await c.sendText('pregunta: ¿cuál es su horario de atención?');
    await c.waitForMessage(text(/lunes a viernes de 9:00 a 18:00/));
    await w.settle();
    const r = (await w.api('GET', '/api/v1/flows/helper/results')).body.data.find((x: any) => x.reason === 'answered');
    assert.ok(r, 'an answered session');
  });

  test('unavailable: the monthly token budget is spent, and the status says so', async () => {
    const c = w.sim.customer('5215550002003', 'Sol');
    await c.sendText('pregunta: ¿cuál es su horario de atención?');
    await c.waitForMessage(text('El asistente no está disponible (budget_spent).'));
    const s = await w.api('GET', '/api/v1/ai/status');
    assert.equal(s.body.available, false);
    assert.equal(s.body.unavailable_reason, 'budget_spent');
  });
});
