/**
 * The one interface every AI provider implements (issue 18): messages (and, where the provider
 * supports them, tools) in; the reply, token counts and a finish reason out. Providers that
 * stream call `onDelta` with each piece of text as it arrives.
 */
export type AiRole = 'system' | 'user' | 'assistant' | 'tool';

export interface AiMessage {
  role: AiRole;
  content: string;
  /** An assistant message that called tools (its content may be empty). */
  toolCalls?: AiToolCall[];
  /** A `tool` message: the result of the call with this id. */
  toolCallId?: string;
}

/** A tool call the model made: `arguments` is the JSON text the model wrote (not validated by the provider). */
export interface AiToolCall {
  id: string;
  name: string;
  arguments: string;
}

/** A function the model may call, described by a JSON schema (OpenAI's `tools[].function`). */
export interface AiTool {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
}

export interface AiRequest {
  messages: AiMessage[];
  tools?: AiTool[];
  maxTokens?: number;
  /** Stream the reply (where the provider can), calling this with each new piece of text. */
  onDelta?: (text: string) => void;
  signal?: AbortSignal;
}

export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter' | 'no_answer' | 'other';

export interface AiReply {
  text: string;
  finishReason: FinishReason;
  usage: { promptTokens: number; completionTokens: number };
  /** 0..1 where the provider can tell (the offline one); null for language models. */
  confidence: number | null;
  toolCalls: AiToolCall[];
}

export interface AiProvider {
  /** e.g. "offline", "openai" */
  readonly name: string;
  readonly model: string;
  /** Whether `tools` are sent to the model (a provider without them ignores the field). */
  readonly supportsTools: boolean;
  complete(request: AiRequest): Promise<AiReply>;
}

/** A provider call that failed: `kind` says how, for the fallback and the usage record. */
export class AiProviderError extends Error {
  constructor(
    readonly kind: 'timeout' | 'rate_limited' | 'server_error' | 'bad_response' | 'refused',
    message: string,
  ) {
    super(message);
    this.name = 'AiProviderError';
  }
}

/** A rough token count (about four characters a token for English and Spanish), for budgets. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}
