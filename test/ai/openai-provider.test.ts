import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { AiProviderError } from '../../src/ai/ai-provider.ts';
import { OpenAiProvider } from '../../src/ai/openai-provider.ts';
import { OpenAiTestServer } from '../support/openai-test-server.ts';

const server = new OpenAiTestServer();
before(() => server.start());
after(() => server.close());

const provider = (o: { timeoutMs?: number; maxRetries?: number } = {}) =>
  new OpenAiProvider({
    baseUrl: server.url,
    apiKey: server.apiKey,
    model: 'test-model-1',
    timeoutMs: o.timeoutMs ?? 5000,
    maxRetries: o.maxRetries ?? 0,
  });

const messages = [
  { role: 'system' as const, content: 'You are a helpful assistant.' },
  { role: 'user' as const, content: '¿Abren el sábado?' },
];

test('a plain completion: the exact request (model, roles, tools, no stream) and the reply, tokens and finish reason', async () => {
  server.requests.length = 0;
  server.script.push({ kind: 'ok', text: 'Sí, de 9 a 13.' });
  const tool = {
    name: 'lookup_order',
    description: 'Find an order',
    parameters: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] },
  };
  const r = await provider().complete({ messages, tools: [tool], maxTokens: 100 });
  assert.equal(r.text, 'Sí, de 9 a 13.');
  assert.equal(r.finishReason, 'stop');
  assert.deepEqual(r.usage, { promptTokens: 42, completionTokens: 7 });
  const seen = server.requests[0];
  assert.equal(seen?.path, '/v1/chat/completions');
  assert.equal(seen?.headers.authorization, `Bearer ${server.apiKey}`);
  assert.equal(seen?.body.model, 'test-model-1');
  assert.deepEqual(seen?.body.messages, messages);
  assert.equal(seen?.body.stream, false);
  assert.equal(seen?.body.max_tokens, 100);
  assert.deepEqual(seen?.body.tools, [{ type: 'function', function: tool }]);
});

test('a tool call comes back as the tool name and its JSON arguments', async () => {
  server.script.push({ kind: 'tool', name: 'lookup_order', arguments: '{"id":"A-1"}' });
  const r = await provider().complete({ messages });
  assert.equal(r.finishReason, 'tool_calls');
  assert.deepEqual(r.toolCalls, [{ id: 'call_1', name: 'lookup_order', arguments: '{"id":"A-1"}' }]);
});

test('streaming: stream true with include_usage, pieces as they come, the whole text and the usage chunk', async () => {
  server.requests.length = 0;
  server.script.push({ kind: 'ok', text: 'Abrimos el sábado de 9:00 a 13:00.' });
  const pieces: string[] = [];
  const r = await provider().complete({ messages, onDelta: (t) => pieces.push(t) });
  assert.equal(server.requests[0]?.body.stream, true);
  assert.deepEqual(server.requests[0]?.body.stream_options, { include_usage: true });
  assert.ok(pieces.length > 2);
  assert.equal(pieces.join(''), 'Abrimos el sábado de 9:00 a 13:00.');
  assert.equal(r.text, pieces.join(''));
  assert.equal(r.finishReason, 'stop');
  assert.deepEqual(r.usage, { promptTokens: 42, completionTokens: 7 });
});

test('a streamed tool call: its id and name from the first piece, the arguments put together', async () => {
  server.script.push({ kind: 'tool', id: 'call_s1', name: 'search_knowledge', arguments: '{"query": "horario sábado"}' });
  const pieces: string[] = [];
  const r = await provider().complete({ messages, onDelta: (t) => pieces.push(t) });
  assert.equal(r.finishReason, 'tool_calls');
  assert.deepEqual(r.toolCalls, [{ id: 'call_s1', name: 'search_knowledge', arguments: '{"query": "horario sábado"}' }]);
  assert.deepEqual(pieces, [], 'no text');
});

test('429 with retry-after is retried after the wait the server asks for; without retries it is rate_limited', async () => {
  server.requests.length = 0;
  server.script.push({ kind: 'status', status: 429, retryAfter: '1' }, { kind: 'ok', text: 'ok now' });
  const started = Date.now();
  const r = await provider({ maxRetries: 1 }).complete({ messages });
  assert.equal(r.text, 'ok now');
  assert.equal(server.requests.length, 2);
  assert.ok(Date.now() - started >= 900, 'waited about the retry-after second');
  server.script.push({ kind: 'status', status: 429, retryAfter: '1' });
  await assert.rejects(provider().complete({ messages }), (e: unknown) => e instanceof AiProviderError && e.kind === 'rate_limited');
});

test('500, a timeout, malformed JSON and a wrong key each fail with their kind', async () => {
  server.script.push({ kind: 'status', status: 500 });
  await assert.rejects(provider().complete({ messages }), (e: unknown) => e instanceof AiProviderError && e.kind === 'server_error');
  server.script.push({ kind: 'hang' });
  await assert.rejects(
    provider({ timeoutMs: 300 }).complete({ messages }),
    (e: unknown) => e instanceof AiProviderError && e.kind === 'timeout',
  );
  server.script.push({ kind: 'malformed' });
  await assert.rejects(provider().complete({ messages }), (e: unknown) => e instanceof AiProviderError && e.kind === 'bad_response');
  const wrongKey = new OpenAiProvider({ baseUrl: server.url, apiKey: 'sk-wrong', model: 'm', timeoutMs: 2000, maxRetries: 0 });
  await assert.rejects(
    wrongKey.complete({ messages }),
    (e: unknown) => e instanceof AiProviderError && e.kind === 'refused' && !e.message.includes('sk-wrong'),
  );
});
