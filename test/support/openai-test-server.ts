import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local OpenAI-compatible Chat Completions server on loopback, for the AI provider's tests. It
 * keeps every request (headers and JSON body) so a test can check exactly what was sent, and
 * answers with the shapes of https://platform.openai.com/docs/api-reference/chat/object and
 * .../chat/streaming (chat.completion.chunk server-sent events ending in `data: [DONE]`, usage in
 * a last chunk with empty `choices` when `stream_options.include_usage` is set). Each request
 * takes the next scripted behaviour; with none left it answers `ok` with `reply`.
 */
export type Behaviour =
  | { kind: 'ok'; text?: string; finish?: string }
  | { kind: 'tool'; name: string; arguments: string; id?: string }
  | { kind: 'status'; status: 429 | 500 | 401 | 400; retryAfter?: string }
  | { kind: 'hang' }
  | { kind: 'malformed' };

export interface SeenRequest {
  path: string;
  headers: IncomingMessage['headers'];
  body: any;
}

export class OpenAiTestServer {
  readonly requests: SeenRequest[] = [];
  readonly script: Behaviour[] = [];
  reply = 'Hello from the test model.';
  url = '';
  private server: Server | undefined;
  private readonly hanging = new Set<ServerResponse>();

  constructor(readonly apiKey = 'sk-test-key') {}

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => this.handle(req, res, Buffer.concat(chunks).toString('utf8')));
    });
    await new Promise<void>((r) => this.server?.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1`;
  }

  async close(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  private handle(req: IncomingMessage, res: ServerResponse, raw: string): void {
    let body: any = null;
    try {
      body = JSON.parse(raw);
    } catch {
      // kept as null: the test sees it
    }
    this.requests.push({ path: req.url ?? '', headers: req.headers, body });
    if (req.method !== 'POST' || req.url !== '/v1/chat/completions')
      return json(res, 404, { error: { message: 'not found', type: 'invalid_request_error' } });
    if (req.headers.authorization !== `Bearer ${this.apiKey}`)
      return json(res, 401, { error: { message: 'Incorrect API key provided.', type: 'invalid_request_error', code: 'invalid_api_key' } });
    if (!body || typeof body.model !== 'string' || !Array.isArray(body.messages))
      return json(res, 400, { error: { message: 'model and messages are required', type: 'invalid_request_error' } });
    const invalid = toolProblem(body);
    if (invalid) return json(res, 400, { error: { message: invalid, type: 'invalid_request_error' } });
    const b = this.script.shift() ?? { kind: 'ok' };
    const id = `chatcmpl-${this.requests.length}`;
    const created = Math.floor(Date.now() / 1000);
    const usage = { prompt_tokens: 42, completion_tokens: 7, total_tokens: 49 };
    switch (b.kind) {
      case 'status': {
        const headers: Record<string, string> = b.retryAfter ? { 'retry-after': b.retryAfter } : {};
        const error =
          b.status === 429
            ? { message: 'Rate limit reached for requests', type: 'requests', code: 'rate_limit_exceeded' }
            : { message: 'The server had an error while processing your request.', type: 'server_error' };
        return json(res, b.status, { error }, headers);
      }
      case 'hang':
        this.hanging.add(res);
        return;
      case 'malformed':
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"id": "chatcmpl-x", "choices": [');
        return;
      case 'tool': {
        const call = { id: b.id ?? 'call_1', type: 'function', function: { name: b.name, arguments: b.arguments } };
        if (body.stream === true) {
          // As OpenAI streams a call: id, type and name in the first delta, the arguments in pieces after.
          res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
          const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) =>
            res.write(
              `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: body.model, choices, ...extra })}\n\n`,
            );
          const first = { index: 0, id: call.id, type: 'function', function: { name: b.name, arguments: '' } };
          chunk([{ index: 0, delta: { role: 'assistant', content: null, tool_calls: [first] }, logprobs: null, finish_reason: null }]);
          for (const piece of b.arguments.match(/.{1,5}/gsu) ?? [])
            chunk([
              { index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: piece } }] }, logprobs: null, finish_reason: null },
            ]);
          chunk([{ index: 0, delta: {}, logprobs: null, finish_reason: 'tool_calls' }]);
          if (body.stream_options?.include_usage) chunk([], { usage });
          res.end('data: [DONE]\n\n');
          return;
        }
        return json(res, 200, {
          id,
          object: 'chat.completion',
          created,
          model: body.model,
          choices: [
            {
              index: 0,
              message: { role: 'assistant', content: null, tool_calls: [call], refusal: null },
              logprobs: null,
              finish_reason: 'tool_calls',
            },
          ],
          usage,
        });
      }
      case 'ok': {
        const text = b.text ?? this.reply;
        const finish = b.finish ?? 'stop';
        if (body.stream === true) {
          res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
          const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) =>
            res.write(
              `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: body.model, system_fingerprint: null, choices, ...extra })}\n\n`,
            );
          chunk([{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }]);
          for (const piece of text.match(/.{1,8}/gsu) ?? [])
            chunk([{ index: 0, delta: { content: piece }, logprobs: null, finish_reason: null }]);
          chunk([{ index: 0, delta: {}, logprobs: null, finish_reason: finish }]);
          if (body.stream_options?.include_usage) chunk([], { usage });
          res.end('data: [DONE]\n\n');
          return;
        }
        return json(res, 200, {
          id,
          object: 'chat.completion',
          created,
          model: body.model,
          choices: [{ index: 0, message: { role: 'assistant', content: text, refusal: null }, logprobs: null, finish_reason: finish }],
          usage,
          system_fingerprint: 'fp_test',
        });
      }
    }
  }
}

/**
 * What OpenAI refuses (400) about tools: a tool that is not `{type: "function", function: {name,
 * parameters}}`, and a `tool` message that does not answer a call of the assistant message before it.
 */
function toolProblem(body: any): string | null {
  for (const t of body.tools ?? [])
    if (t?.type !== 'function' || typeof t.function?.name !== 'string' || typeof t.function?.parameters !== 'object')
      return "each tool is {type: 'function', function: {name, description, parameters}}";
  let open = new Set<string>();
  for (const m of body.messages) {
    if (m.role === 'tool') {
      if (!open.has(m.tool_call_id))
        return `messages with role 'tool' must be a response to a preceding message with 'tool_calls' (${m.tool_call_id})`;
      open.delete(m.tool_call_id);
    } else if (open.size)
      return `an assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'`;
    if (m.role === 'assistant' && Array.isArray(m.tool_calls)) open = new Set(m.tool_calls.map((c: any) => c.id));
  }
  return null;
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
}
