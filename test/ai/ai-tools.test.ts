import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { forEachDialect } from '../support/dialects.ts';
import { OpenAiTestServer } from '../support/openai-test-server.ts';
import { conversationOf, startAiWorld } from '../support/ai-world.ts';
import type { World } from '../support/test-world.ts';

/** The exact tool a model is offered (docs/ai.md#tools): written out here, not imported, so a change shows. */
const SEARCH_KNOWLEDGE = {
  type: 'function',
  function: {
    name: 'search_knowledge',
    description:
      "Search the business's knowledge base (articles in Spanish and English). Use it when the facts you were given do not answer the customer's question; search with other words than the customer's.",
    parameters: {
      type: 'object',
      properties: { query: { type: 'string', description: 'what to look for, in a few words, e.g. "horario sábado" or "shipping time"' } },
      required: ['query'],
      additionalProperties: false,
    },
  },
};

forEachDialect('AI assistant: the search_knowledge tool over an OpenAI-compatible server (AI_TOOLS)', (dialect) => {
  let w: World;
  const model = new OpenAiTestServer();
  before(async () => {
    // A function: the endpoint names the server's URL, known once startAiWorld has started it.
    const ai = () => ({
      model: 'gpt-tools',
      maxTurns: 100,
      timeoutMs: 3000,
      tools: true,
      // The same server as an endpoint whose models take no tools (some local ones refuse them).
      endpoints: { plain: { baseUrl: model.url, apiKey: model.apiKey, model: 'gpt-plain', tools: false } },
    });
    w = await startAiWorld(dialect, model, ai, {
      title: 'Horario de atención',
      body: 'Atendemos de lunes a viernes de 9:00 a 18:00 y los sábados de 9:00 a 13:00. Reservas: https://citas.example.com/reservar',
      language: 'es',
    });
  });
  after(async () => {
    await w?.stop();
    await model.close();
  });

  const convOf = (waId: string) => conversationOf(w, waId);

  test('the model searches (a bad call is answered with an error it can read), then answers; the third call has no tools', async () => {
    const c = w.sim.customer('5215550005001', 'Lola');
    model.requests.length = 0;
    model.script.push(
      { kind: 'tool', id: 'call_a', name: 'search_knowledge', arguments: '{"q": 1}' },
      { kind: 'tool', id: 'call_b', name: 'search_knowledge', arguments: '{"query": "horario sábado"}' },
      { kind: 'ok', text: 'El sábado abrimos de 9:00 a 13:00; reserva en https://citas.example.com/reservar' },
    );
    await c.sendText('¿Puedo pasar al local el fin de semana?');
    const sent = await c.waitForMessage((m) => /sábado abrimos/.test(m.text ?? ''));
    assert.match(sent.text ?? '', /https:\/\/citas\.example\.com\/reservar/, 'a link from a searched article is context: kept');
    assert.equal(model.requests.length, 3);
    const [first, second, third] = model.requests.map((r) => r.body);
    assert.deepEqual(first.tools, [SEARCH_KNOWLEDGE]);
    assert.deepEqual(second.tools, [SEARCH_KNOWLEDGE]);
    assert.equal(third.tools, undefined, 'after two rounds the model must answer');
    // The first round trip: the assistant's call and the error it gets back.
    assert.deepEqual(second.messages.slice(-2), [
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'call_a', type: 'function', function: { name: 'search_knowledge', arguments: '{"q": 1}' } }],
      },
      { role: 'tool', tool_call_id: 'call_a', content: '{"error":"\\"query\\" must be a non-empty string"}' },
    ]);
    const [call, result] = third.messages.slice(-2);
    assert.deepEqual(call.tool_calls, [
      { id: 'call_b', type: 'function', function: { name: 'search_knowledge', arguments: '{"query": "horario sábado"}' } },
    ]);
    assert.equal(result.role, 'tool');
    assert.equal(result.tool_call_id, 'call_b');
    const passages = JSON.parse(result.content).passages;
    assert.equal(passages[0].title, 'Horario de atención');
    assert.match(passages[0].text, /sábados de 9:00 a 13:00/);

    // "Why did it say this": the calls and what each found; usage has all three calls.
    const conv = await convOf('5215550005001');
    const reply = (await w.api('GET', `/api/v1/conversations/${conv.id}/ai/replies`)).body.data[0];
    assert.equal(reply.outcome, 'answered');
    const why = (await w.api('GET', `/api/v1/ai/replies/${reply.id}`)).body.context;
    assert.deepEqual(
      why.tool_calls.map((t: any) => [t.name, t.error ?? null, t.passages?.[0]?.title ?? null]),
      [
        ['search_knowledge', '"query" must be a non-empty string', null],
        ['search_knowledge', null, 'Horario de atención'],
      ],
    );
    assert.equal(why.messages.filter((m: any) => m.role === 'tool').length, 2);
    const usage = (await w.api('GET', '/api/v1/ai/usage')).body.data.find((u: any) => u.mode === 'auto' && u.model === 'gpt-tools');
    assert.equal(usage.calls, 3);
  });

  test('an endpoint with tools: false is sent none; the endpoints list says which take them', async () => {
    const c = w.sim.customer('5215550005002', 'Memo');
    await c.sendText('hola');
    await c.waitForMessage(() => true);
    const conv = await convOf('5215550005002');
    assert.equal((await w.api('PUT', `/api/v1/ai/settings/numbers/${conv.channel_id}`, { endpoint: 'plain' })).status, 200);
    model.requests.length = 0;
    model.script.push({ kind: 'ok', text: 'Con gusto.' });
    await c.sendText('¿Tienen estacionamiento?');
    await c.waitForMessage((m) => m.text === 'Con gusto.');
    assert.equal(model.requests[0]?.body.model, 'gpt-plain');
    assert.equal(model.requests[0]?.body.tools, undefined);
    const endpoints = (await w.api('GET', '/api/v1/ai/endpoints')).body.data;
    assert.deepEqual(
      endpoints.map((e: any) => [e.name, e.tools]),
      [
        ['default', true],
        ['offline', false],
        ['plain', false],
      ],
    );
    assert.equal((await w.api('PUT', `/api/v1/ai/settings/numbers/${conv.channel_id}`, {})).status, 200);
  });
});
