import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../load-config.ts';

test('named AI endpoints from the config file or AI_ENDPOINTS (JSON); bad ones are problems', () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-ai-config-'));
  writeFileSync(
    join(dir, 'switchboard.config.yaml'),
    'aiModel: gpt-4o-mini\naiEndpoints:\n  ollama:\n    baseUrl: http://127.0.0.1:11434/v1/\n    model: llama3.1:8b\n  gateway:\n    baseUrl: https://gw.example.com/v1\n    apiKey: sk-gw\n',
  );
  const r = loadConfig({}, dir);
  assert.ok(r.ok);
  assert.deepEqual(r.config.ai?.endpoints, {
    ollama: { baseUrl: 'http://127.0.0.1:11434/v1', model: 'llama3.1:8b' },
    gateway: { baseUrl: 'https://gw.example.com/v1', apiKey: 'sk-gw' },
  });
  // The environment wins over the file, as for every setting.
  const env = loadConfig({ AI_ENDPOINTS: '{"vllm": {"baseUrl": "http://10.0.0.5:8000/v1"}}' }, dir);
  assert.ok(env.ok);
  assert.deepEqual(env.config.ai?.endpoints, { vllm: { baseUrl: 'http://10.0.0.5:8000/v1' } });
  const empty = mkdtempSync(join(tmpdir(), 'switchboard-ai-config-'));
  const none = loadConfig({}, empty);
  assert.ok(none.ok);
  assert.equal(none.config.ai?.endpoints, undefined);

  const bad = loadConfig({ AI_ENDPOINTS: '{"default": {"baseUrl": "http://x/v1"}, "ok": {"baseUrl": "ftp://x"}}' }, empty);
  assert.equal(bad.ok, false);
  if (!bad.ok)
    assert.deepEqual(bad.problems, [
      'aiEndpoints.default: a name is 1-40 of a-z 0-9 _ - and not "default" or "offline"',
      'aiEndpoints.ok.baseUrl must be an http(s) URL',
    ]);
  const notJson = loadConfig({ AI_ENDPOINTS: 'ollama=http://x' }, empty);
  assert.equal(notJson.ok, false);
});

test('AI_TOOLS: off by default, true offers the search tool, anything else is a problem', () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-ai-config-'));
  const off = loadConfig({}, dir);
  assert.ok(off.ok);
  assert.equal(off.config.ai?.tools, undefined);
  const on = loadConfig({ AI_TOOLS: 'true' }, dir);
  assert.ok(on.ok);
  assert.equal(on.config.ai?.tools, true);
  const bad = loadConfig({ AI_TOOLS: 'yes' }, dir);
  assert.equal(bad.ok, false);
  if (!bad.ok) assert.deepEqual(bad.problems, ['AI_TOOLS must be true or false (got "yes")']);
});

test("a number's AI settings in the config file (aiNumbers, by phone number id); an unknown endpoint is a problem", () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-ai-config-'));
  writeFileSync(
    join(dir, 'switchboard.config.json'),
    JSON.stringify({
      aiEndpoints: { ollama: { baseUrl: 'http://127.0.0.1:11434/v1' } },
      aiNumbers: { '106540352242922': { endpoint: 'ollama', model: 'llama3.1:8b', systemPrompt: 'Eres el asistente.' } },
    }),
  );
  const r = loadConfig({}, dir);
  assert.ok(r.ok);
  assert.deepEqual(r.config.ai?.numbers, {
    '106540352242922': { endpoint: 'ollama', model: 'llama3.1:8b', systemPrompt: 'Eres el asistente.' },
  });
  const bad = mkdtempSync(join(tmpdir(), 'switchboard-ai-config-'));
  writeFileSync(join(bad, 'switchboard.config.json'), JSON.stringify({ aiNumbers: { '1': { endpoint: 'gone', model: '' } } }));
  const rb = loadConfig({}, bad);
  assert.equal(rb.ok, false);
  if (!rb.ok)
    assert.deepEqual(rb.problems, [
      'aiNumbers.1.endpoint must be one of default, offline',
      'aiNumbers.1.model must be text of 1 to 200 characters',
    ]);
});
