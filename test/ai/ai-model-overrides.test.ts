import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import { DEFAULT_AI_SETTINGS } from '../../src/ai/ai-settings.ts';
import { createLogger } from '../../src/core/logger.ts';
import { publish } from '../flows/flow-helpers.ts';
import { agentSession, call } from '../inbox/agents-http.ts';
import { forEachDialect } from '../support/dialects.ts';
import { OpenAiTestServer } from '../support/openai-test-server.ts';
import { startWorld, type World } from '../support/test-world.ts';
import { waitFor } from '../support/wait-for.ts';

/**
 * Per-number and per-flow models (docs/ai.md#per-number-and-per-flow-models): two local
 * OpenAI-compatible servers with different keys, the default endpoint (AI_BASE_URL) and a named
 * one ("second"); each test checks the exact model, key and system prompt each call sent.
 */
const PHONE_NUMBER_ID = '106540352242922';

forEachDialect('AI assistant: per-number and per-flow endpoint, model and system prompt', (dialect) => {
  let w: World;
  let channelId: string;
  const main = new OpenAiTestServer('sk-main-key-123456');
  const second = new OpenAiTestServer('sk-second-key-654321');
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      logs.push(String(chunk));
      done();
    },
  });

  before(async () => {
    await main.start();
    await second.start();
    w = await startWorld({
      dialect,
      logger: createLogger('debug', sink),
      sim: { phoneNumberId: PHONE_NUMBER_ID },
      config: {
        demoBot: false,
        ai: {
          ...DEFAULT_AI_SETTINGS,
          baseUrl: main.url,
          apiKey: main.apiKey,
          model: 'gpt-default',
          defaultMode: 'auto',
          maxTurns: 100,
          timeoutMs: 3000,
          systemPrompt: 'Default prompt of Plomería Rápida.',
          endpoints: { second: { baseUrl: second.url, apiKey: second.apiKey, model: 'second-default' } },
          // The config file's aiNumbers: this number's model and prompt, under the API's settings.
          numbers: { [PHONE_NUMBER_ID]: { model: 'gpt-file', systemPrompt: 'File prompt of the number.' } },
        },
      },
    });
    await publish(w, {
      id: 'ai-models',
      name: 'AI models',
      start: 'plan',
      triggers: [{ type: 'keyword', value: 'modelo' }],
      blocks: {
        plan: { type: 'set', values: { 'session.plan': 'Plan Hogar Plus' }, exits: { next: 'ai' } },
        ai: { type: 'ai_reply', model: 'gpt-flow', variable: 'answer', exits: { answered: 'done', handoff: 'done', unavailable: 'off' } },
        done: { type: 'end', status: 'succeeded', reason: 'answered' },
        off: { type: 'end', status: 'failed', reason: 'off', message: 'off: {{session.ai_error}}' },
      },
    });
    await publish(w, {
      id: 'ai-endpoint',
      name: 'AI endpoint',
      start: 'ai',
      triggers: [{ type: 'keyword', value: 'segundo' }],
      blocks: {
        ai: { type: 'ai_reply', endpoint: 'second', exits: { answered: 'done', handoff: 'done', unavailable: 'off' } },
        done: { type: 'end', status: 'succeeded', reason: 'answered' },
        off: { type: 'end', status: 'failed', reason: 'off', message: 'off: {{session.ai_error}}' },
      },
    });
    await publish(w, {
      id: 'ai-gone',
      name: 'AI gone',
      start: 'ai',
      triggers: [{ type: 'keyword', value: 'perdido' }],
      blocks: {
        ai: { type: 'ai_reply', endpoint: 'removed', exits: { answered: 'done', unavailable: 'off' } },
        done: { type: 'end', status: 'succeeded', reason: 'answered' },
        off: { type: 'end', status: 'failed', reason: 'off', message: 'off: {{session.ai_error}}' },
      },
    });
  });
  after(async () => {
    await w?.stop();
    await main.close();
    await second.close();
  });

  const convOf = async (waId: string) => (await w.api('GET', '/api/v1/conversations')).body.data.find((c: any) => c.contact.wa_id === waId);
  const systemOf = (body: any) =>
    body.messages
      .filter((m: any) => m.role === 'system')
      .map((m: any) => m.content)
      .join('\n');

  /** The customer writes; the answer arrives; returns the one request the given server received for it. */
  async function askVia(server: OpenAiTestServer, customer: ReturnType<World['sim']['customer']>, text: string, reply: string) {
    main.requests.length = 0;
    second.requests.length = 0;
    server.script.push({ kind: 'ok', text: reply });
    await customer.sendText(text);
    await customer.waitForMessage((m) => m.text === reply);
    assert.equal(server.requests.length, 1, 'one call');
    assert.equal((server === main ? second : main).requests.length, 0, 'none to the other endpoint');
    return server.requests[0] as NonNullable<(typeof server.requests)[0]>;
  }

  test('the endpoints are listed without their keys', async () => {
    const r = await w.api('GET', '/api/v1/ai/endpoints');
    assert.equal(r.status, 200);
    assert.deepEqual(
      r.body.data.map((e: any) => [e.name, e.provider, e.model, e.api_key_set]),
      [
        ['default', 'openai', 'gpt-default', true],
        ['offline', 'offline', 'kb-extractive-1', false],
        ['second', 'openai', 'second-default', true],
      ],
    );
    assert.doesNotMatch(JSON.stringify(r.body), /sk-main|sk-second/);
  });

  test("a number answers with its config-file model, then its own model, then its own endpoint (with that endpoint's key) and system prompt; cleared, the config file again", async () => {
    // No number: AI_MODEL and AI_SYSTEM_PROMPT.
    main.requests.length = 0;
    main.script.push({ kind: 'ok', text: 'Sí.' });
    assert.equal((await w.api('POST', '/api/v1/ai/ask', { question: '¿abren hoy?' })).body.outcome, 'answered');
    assert.equal(main.requests[0]?.body.model, 'gpt-default');
    assert.match(systemOf(main.requests[0]?.body), /Default prompt of Plomería Rápida/);

    const waId = '5215550004001';
    const c = w.sim.customer(waId, 'Irma');
    let seen = await askVia(main, c, 'hola', 'Hola, ¿en qué te ayudo?');
    assert.equal(seen.body.model, 'gpt-file');
    assert.match(systemOf(seen.body), /File prompt of the number\./);
    assert.doesNotMatch(systemOf(seen.body), /Default prompt/);
    channelId = (await convOf(waId)).channel_id;
    const initial = await w.api('GET', `/api/v1/ai/settings/numbers/${channelId}`);
    assert.deepEqual(initial.body.config_file, { endpoint: null, model: 'gpt-file', system_prompt: 'File prompt of the number.' });
    assert.equal(initial.body.model, null);

    const set = await w.api('PUT', `/api/v1/ai/settings/numbers/${channelId}`, { model: 'gpt-number' });
    assert.equal(set.status, 200);
    assert.deepEqual(set.body.effective, {
      endpoint: 'default',
      provider: 'openai',
      model: 'gpt-number',
      system_prompt: 'File prompt of the number.',
      available: true,
    });
    seen = await askVia(main, c, '¿abren el domingo?', 'No, solo de lunes a sábado.');
    assert.equal(seen.body.model, 'gpt-number');
    assert.equal(seen.headers.authorization, `Bearer ${main.apiKey}`);

    const moved = await w.api('PUT', `/api/v1/ai/settings/numbers/${channelId}`, {
      endpoint: 'second',
      system_prompt: 'Prompt of the second number.',
    });
    assert.equal(moved.status, 200);
    assert.equal(moved.body.effective.model, 'second-default', "the endpoint's own model: the number named none");
    seen = await askVia(second, c, '¿cuánto cuesta la visita?', 'La visita cuesta 350 pesos.');
    assert.equal(seen.body.model, 'second-default');
    assert.equal(seen.headers.authorization, `Bearer ${second.apiKey}`);
    assert.match(systemOf(seen.body), /Prompt of the second number\./);
    assert.doesNotMatch(systemOf(seen.body), /Default prompt|File prompt/);

    // The usage and the stored answer name the model each call used.
    const usage = (await w.api('GET', `/api/v1/ai/usage?channel_id=${channelId}`)).body.data.filter((u: any) => u.mode === 'auto');
    assert.deepEqual(usage.map((u: any) => [u.model, u.calls]).sort(), [
      ['gpt-file', 1],
      ['gpt-number', 1],
      ['second-default', 1],
    ]);
    const conv = await convOf(waId);
    assert.equal((await w.api('GET', `/api/v1/conversations/${conv.id}/ai/replies`)).body.data[0].model, 'second-default');

    assert.equal((await w.api('PUT', `/api/v1/ai/settings/numbers/${channelId}`, {})).status, 200);
    const cleared = await w.api('GET', `/api/v1/ai/settings/numbers/${channelId}`);
    assert.deepEqual([cleared.body.endpoint, cleared.body.model, cleared.body.system_prompt], [null, null, null]);
    seen = await askVia(main, c, '¿tienen garantía?', 'Sí, un año.');
    assert.equal(seen.body.model, 'gpt-file');
  });

  test('bad settings are refused: an unknown endpoint, a key, an unknown number', async () => {
    const unknown = await w.api('PUT', `/api/v1/ai/settings/numbers/${channelId}`, { endpoint: 'nope' });
    assert.equal(unknown.status, 422);
    assert.equal(unknown.body.error.code, 'unknown_endpoint');
    const badName = await w.api('PUT', `/api/v1/ai/settings/numbers/${channelId}`, { endpoint: 'Not A Name' });
    assert.equal(badName.status, 422);
    assert.equal(badName.body.error.code, 'unknown_endpoint');
    const key = await w.api('PUT', `/api/v1/ai/settings/numbers/${channelId}`, { api_key: 'sk-sent-by-mistake' });
    assert.equal(key.status, 400);
    assert.equal(key.body.error.code, 'unknown_field');
    assert.doesNotMatch(JSON.stringify(key.body), /sk-sent-by-mistake/);
    assert.equal((await w.api('PUT', '/api/v1/ai/settings/numbers/ch_missing', { model: 'x' })).status, 404);
    assert.equal((await w.api('PUT', `/api/v1/ai/settings/numbers/${channelId}`, { model: '' })).body.error.code, 'invalid_model');
    // Admin only: an agent may not read or change them.
    const agent = { cookie: (await agentSession(w, 'tina@ai-models.test')).cookie };
    assert.equal((await call(w, agent, 'GET', '/api/v1/ai/endpoints')).status, 403);
    assert.equal((await call(w, agent, 'GET', `/api/v1/ai/settings/numbers/${channelId}`)).status, 403);
    assert.equal((await call(w, agent, 'PUT', `/api/v1/ai/settings/numbers/${channelId}`, { model: 'x' })).status, 403);
  });

  test("an ai_reply block's model goes to the number's endpoint; its endpoint takes that endpoint's model; a removed endpoint is unavailable", async () => {
    const c = w.sim.customer('5215550004002', 'Jaime');
    assert.equal((await w.api('PUT', `/api/v1/ai/settings/numbers/${channelId}`, { model: 'gpt-number' })).status, 200);
    let seen = await askVia(main, c, 'modelo: ¿qué horario tienen?', 'De 9 a 18.');
    assert.equal(seen.body.model, 'gpt-flow', "the block's model wins over the number's");
    assert.match(systemOf(seen.body), /Flow variables: .*Plan Hogar Plus/);

    seen = await askVia(second, c, 'segundo: ¿dónde están?', 'En el centro.');
    assert.equal(seen.body.model, 'second-default', "the block's endpoint with that endpoint's model, not the number's");
    assert.equal(seen.headers.authorization, `Bearer ${second.apiKey}`);

    main.requests.length = 0;
    second.requests.length = 0;
    await c.sendText('perdido: ¿hola?');
    await c.waitForMessage((m) => m.text === 'off: unknown_endpoint');
    assert.equal(main.requests.length + second.requests.length, 0, 'no call');
    assert.equal((await w.api('PUT', `/api/v1/ai/settings/numbers/${channelId}`, {})).status, 200);
  });

  test('the keys never reach the logs', async () => {
    // A failing call logs its error; the SDK's message must not carry the key.
    second.script.push({ kind: 'status', status: 400 });
    assert.equal((await w.api('PUT', `/api/v1/ai/settings/numbers/${channelId}`, { endpoint: 'second' })).status, 200);
    const c = w.sim.customer('5215550004003', 'Karla');
    await c.sendText('¿me ayudan?');
    await waitFor(async () => logs.some((l) => /AI provider call failed/.test(l)), 10_000);
    assert.equal((await w.api('PUT', `/api/v1/ai/settings/numbers/${channelId}`, {})).status, 200);
    const all = logs.join('');
    assert.ok(all.length > 1000, 'the logger was writing');
    assert.doesNotMatch(all, /sk-main-key|sk-second-key/);
  });
});
