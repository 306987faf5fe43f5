import OpenAI, { APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import type { AiMessage, AiProvider, AiReply, AiRequest, FinishReason } from './ai-provider.ts';
import { AiProviderError } from './ai-provider.ts';

export interface OpenAiProviderOptions {
  baseUrl: string;
  apiKey?: string;
  model: string;
  timeoutMs: number;
  /** Retries of 429 and 5xx answers (the SDK waits as `retry-after` says); default 2. */
  maxRetries?: number;
  /** Send tools to this endpoint's models (AI_TOOLS / an endpoint's `tools`); default true. Some local models refuse them. */
  tools?: boolean;
}

/**
 * Any OpenAI-compatible Chat Completions endpoint (OpenAI, Azure-style gateways, Ollama, vLLM,
 * llama.cpp's server), through the official `openai` package pointed at AI_BASE_URL. Request and
 * answer shapes: https://platform.openai.com/docs/api-reference/chat/create ; streaming sends
 * `chat.completion.chunk` server-sent events, and `stream_options.include_usage` asks for the
 * token counts in a last chunk. Every failure becomes an AiProviderError saying which kind.
 */
export class OpenAiProvider implements AiProvider {
  readonly name = 'openai';
  readonly model: string;
  readonly supportsTools: boolean;
  private readonly client: OpenAI;

  constructor(opts: OpenAiProviderOptions, client?: OpenAI) {
    this.model = opts.model;
    this.supportsTools = opts.tools ?? true;
    this.client =
      client ??
      new OpenAI({
        baseURL: opts.baseUrl,
        // Local servers (Ollama, llama.cpp) take any key; the SDK refuses to start without one.
        apiKey: opts.apiKey || 'none',
        timeout: opts.timeoutMs,
        maxRetries: opts.maxRetries ?? 2,
      });
  }

  /** The same endpoint (client, key, connection pool) asking for another model. */
  withModel(model: string): OpenAiProvider {
    // The client holds the base URL, key and timeout; the options are not kept (nor the key with them).
    return model === this.model ? this : new OpenAiProvider({ baseUrl: '', model, timeoutMs: 0, tools: this.supportsTools }, this.client);
  }

  async complete(request: AiRequest): Promise<AiReply> {
    const tools = request.tools?.map((t) => ({
      type: 'function' as const,
      function: { name: t.name, description: t.description, parameters: t.parameters },
    }));
    const body = {
      model: this.model,
      messages: request.messages.map(chatMessage),
      ...(tools?.length ? { tools } : {}),
      ...(request.maxTokens ? { max_tokens: request.maxTokens } : {}),
    };
    try {
      if (request.onDelta) return await this.streamed(body, request.onDelta, request.signal);
      const res = await this.client.chat.completions.create({ ...body, stream: false }, { signal: request.signal });
      const choice = res.choices?.[0];
      if (!choice || typeof choice.message !== 'object' || choice.message === null)
        throw new AiProviderError('bad_response', 'the answer has no choices[0].message');
      const toolCalls = (choice.message.tool_calls ?? []).flatMap((c) =>
        c.type === 'function' ? [{ id: c.id, name: c.function.name, arguments: c.function.arguments }] : [],
      );
      const text = choice.message.content ?? '';
      if (typeof text !== 'string' || (text === '' && toolCalls.length === 0))
        throw new AiProviderError('bad_response', 'the answer has no text and no tool call');
      return {
        text,
        finishReason: finishReason(choice.finish_reason),
        usage: { promptTokens: res.usage?.prompt_tokens ?? 0, completionTokens: res.usage?.completion_tokens ?? 0 },
        confidence: null,
        toolCalls,
      };
    } catch (err) {
      throw providerError(err);
    }
  }

  private async streamed(
    body: Record<string, unknown> & { model: string; messages: never[] | unknown[] },
    onDelta: (t: string) => void,
    signal?: AbortSignal,
  ): Promise<AiReply> {
    const stream = await this.client.chat.completions.create(
      { ...(body as OpenAI.Chat.ChatCompletionCreateParamsNonStreaming), stream: true, stream_options: { include_usage: true } },
      { signal },
    );
    let text = '';
    let finish: FinishReason = 'other';
    let usage = { promptTokens: 0, completionTokens: 0 };
    const calls = new Map<number, { id: string; name: string; arguments: string }>();
    for await (const chunk of stream) {
      if (chunk.usage) usage = { promptTokens: chunk.usage.prompt_tokens, completionTokens: chunk.usage.completion_tokens };
      const choice = chunk.choices?.[0];
      if (!choice) continue;
      const piece = choice.delta?.content;
      if (piece) {
        text += piece;
        onDelta(piece);
      }
      for (const c of choice.delta?.tool_calls ?? []) {
        const call = calls.get(c.index) ?? { id: '', name: '', arguments: '' };
        call.id += c.id ?? '';
        call.name += c.function?.name ?? '';
        call.arguments += c.function?.arguments ?? '';
        calls.set(c.index, call);
      }
      if (choice.finish_reason) finish = finishReason(choice.finish_reason);
    }
    if (text === '' && calls.size === 0) throw new AiProviderError('bad_response', 'the stream ended with no text and no tool call');
    return { text, finishReason: finish, usage, confidence: null, toolCalls: [...calls.values()] };
  }
}

/** Chat Completions' message shapes: an assistant's tool calls, and each call's result as a `tool` message with its id. */
function chatMessage(m: AiMessage): OpenAI.Chat.ChatCompletionMessageParam {
  if (m.role === 'tool') return { role: 'tool', tool_call_id: m.toolCallId ?? '', content: m.content };
  if (m.role === 'assistant' && m.toolCalls?.length)
    return {
      role: 'assistant',
      content: m.content === '' ? null : m.content,
      tool_calls: m.toolCalls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } })),
    };
  return { role: m.role, content: m.content };
}

function finishReason(r: string | null | undefined): FinishReason {
  return r === 'stop' || r === 'length' || r === 'tool_calls' || r === 'content_filter' ? r : 'other';
}

/** What went wrong, in the assistant's words; never the request (it holds the key in headers). */
function providerError(err: unknown): AiProviderError {
  if (err instanceof AiProviderError) return err;
  if (err instanceof APIConnectionTimeoutError || err instanceof APIUserAbortError)
    return new AiProviderError('timeout', 'the AI provider did not answer in time');
  if (err instanceof APIError) {
    const status = err.status;
    if (status === 429) return new AiProviderError('rate_limited', 'the AI provider refused: too many requests (429)');
    if (typeof status === 'number' && status >= 500) return new AiProviderError('server_error', `the AI provider failed (${status})`);
    if (typeof status === 'number') return new AiProviderError('refused', `the AI provider refused the request (${status})`);
    return new AiProviderError('server_error', 'the AI provider could not be reached');
  }
  // A body that is not JSON, or not the shape the SDK expects.
  return new AiProviderError('bad_response', `the AI provider's answer could not be read (${err instanceof Error ? err.name : 'error'})`);
}
