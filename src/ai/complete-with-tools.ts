import type { AiMessage, AiProvider, AiReply, AiRequest, AiTool, AiToolCall } from './ai-provider.ts';
import type { KnowledgeIndex } from './knowledge-index.ts';

/**
 * The one tool the assistant offers a model (where the endpoint takes tools: AI_TOOLS): a search
 * of the knowledge base in the model's own words. The context already holds the passages found
 * with the customer's words; a question worded unlike the articles ("¿a qué hora abren?" against
 * "Horario de atención") finds them with the model's rewording.
 */
export const SEARCH_KNOWLEDGE_TOOL: AiTool = {
  name: 'search_knowledge',
  description:
    "Search the business's knowledge base (articles in Spanish and English). Use it when the facts you were given do not answer the customer's question; search with other words than the customer's.",
  parameters: {
    type: 'object',
    properties: { query: { type: 'string', description: 'what to look for, in a few words, e.g. "horario sábado" or "shipping time"' } },
    required: ['query'],
    additionalProperties: false,
  },
};

/** Rounds of tool calls before the model must answer (the last call is sent without tools). */
export const MAX_TOOL_ROUNDS = 2;
const PASSAGES_PER_SEARCH = 3;

export interface ToolUse {
  name: string;
  arguments: string;
  /** The passages a search returned (title / heading), or why the call was refused. */
  passages?: Array<{ title: string; heading: string }>;
  error?: string;
}

/**
 * Calls the provider; while the model calls tools (at most MAX_TOOL_ROUNDS rounds), runs them and
 * calls it again with the calls and their results appended (an assistant message with
 * `toolCalls`, one `tool` message per call). `afterCall` sees every provider call (usage).
 */
export async function completeWithTools(
  provider: AiProvider,
  request: AiRequest,
  index: KnowledgeIndex,
  afterCall: (reply: AiReply) => Promise<void>,
): Promise<{ reply: AiReply; messages: AiMessage[]; toolUses: ToolUse[] }> {
  const tools = provider.supportsTools ? [SEARCH_KNOWLEDGE_TOOL] : [];
  let messages = request.messages;
  const toolUses: ToolUse[] = [];
  for (let round = 0; ; round++) {
    const offer = round < MAX_TOOL_ROUNDS && tools.length > 0;
    const reply = await provider.complete({ ...request, messages, ...(offer ? { tools } : {}) });
    await afterCall(reply);
    if (!offer || reply.toolCalls.length === 0) return { reply, messages, toolUses };
    const results: AiMessage[] = [];
    for (const call of reply.toolCalls) {
      const { content, use } = await runTool(index, call);
      toolUses.push(use);
      results.push({ role: 'tool', toolCallId: call.id, content });
    }
    messages = [...messages, { role: 'assistant', content: reply.text, toolCalls: reply.toolCalls }, ...results];
  }
}

/** One tool call: its result as the JSON text the model reads, and what is kept for "why did it say this". */
async function runTool(index: KnowledgeIndex, call: AiToolCall): Promise<{ content: string; use: ToolUse }> {
  const use: ToolUse = { name: call.name, arguments: call.arguments.slice(0, 1000) };
  const refuse = (error: string) => ({ content: JSON.stringify({ error }), use: { ...use, error } });
  if (call.name !== SEARCH_KNOWLEDGE_TOOL.name) return refuse(`unknown tool "${call.name.slice(0, 100)}"`);
  let query: unknown;
  try {
    query = (JSON.parse(call.arguments) as { query?: unknown } | null)?.query;
  } catch {
    return refuse('arguments must be JSON: {"query": "..."}');
  }
  if (typeof query !== 'string' || query.trim() === '') return refuse('"query" must be a non-empty string');
  const hits = await index.search(query.slice(0, 500), { limit: PASSAGES_PER_SEARCH });
  return {
    content: JSON.stringify({ passages: hits.map((h) => ({ title: h.title, heading: h.heading, text: h.text })) }),
    use: { ...use, passages: hits.map((h) => ({ title: h.title, heading: h.heading })) },
  };
}
