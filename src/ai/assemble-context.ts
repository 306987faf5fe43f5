import type { Executor } from '../storage/executor.ts';
import type { AiMessage } from './ai-provider.ts';
import { estimateTokens } from './ai-provider.ts';
import type { PassageHit } from './knowledge-index.ts';

/** What the assistant was given for one answer: stored with it ("why did it say this"). */
export interface AssembledContext {
  messages: AiMessage[];
  passages: Array<{ article_id: string; title: string; heading: string; score: number; coverage: number }>;
  contact: Record<string, unknown> | null;
  linked_record: Record<string, unknown> | null;
  flow_variables: Record<string, unknown> | null;
  history_messages: number;
  tokens: number;
}

export interface ContextInput {
  question: string;
  conversationId: string | null;
  systemPrompt: string;
  instructions?: string;
  flowVariables?: Record<string, unknown>;
  passages: PassageHit[];
  tokenBudget: number;
  /** The question's own message, already in the history: not repeated. */
  questionMessageId?: string;
}

const HISTORY_LIMIT = 40;

/**
 * Builds the provider's messages within a token budget. Instructions and facts (the business's
 * prompt, the flow's instructions, contact fields, the linked record, flow variables, knowledge
 * passages) are system messages; everything the customer wrote is a user message and nothing
 * else, so a customer cannot write instructions. The history is summarised as text (a photo
 * is "[image: caption]") and cut, oldest first, to what the budget leaves.
 */
export async function assembleContext(db: Executor, input: ContextInput): Promise<AssembledContext> {
  const conv = input.conversationId
    ? await db
        .selectFrom('conversations as c')
        .innerJoin('contacts as ct', 'ct.id', 'c.contact_id')
        .select([
          'c.linked_record_type',
          'c.linked_record_id',
          'c.linked_record',
          'ct.name',
          'ct.profile_name',
          'ct.phone_e164',
          'ct.attributes',
          'ct.tags',
        ])
        .where('c.id', '=', input.conversationId)
        .executeTakeFirst()
    : undefined;
  const contact = conv
    ? {
        name: conv.name ?? conv.profile_name,
        phone: conv.phone_e164,
        attributes: parseJson(conv.attributes) ?? {},
        tags: parseJson(conv.tags) ?? [],
      }
    : null;
  const linked =
    conv?.linked_record_type && conv.linked_record_id
      ? {
          type: conv.linked_record_type,
          id: conv.linked_record_id,
          ...((parseJson(conv.linked_record) as Record<string, unknown> | null) ?? {}),
        }
      : null;

  const system: string[] = [input.systemPrompt];
  if (input.instructions) system.push(`Instructions for this step: ${input.instructions}`);
  system.push(
    'Answer only from the facts below and the conversation. If they do not answer the question, say you do not know. ' +
      'Never give a link or phone number that is not in these facts.',
  );
  const facts: string[] = [];
  if (contact) facts.push(`Contact: ${JSON.stringify(contact)}`);
  if (linked) facts.push(`Linked record: ${JSON.stringify(linked)}`);
  if (input.flowVariables && Object.keys(input.flowVariables).length) facts.push(`Flow variables: ${JSON.stringify(input.flowVariables)}`);
  let budget = input.tokenBudget - estimateTokens(system.join('\n')) - estimateTokens(input.question) - 50;
  const passages: PassageHit[] = [];
  for (const p of input.passages) {
    const text = `Knowledge base, "${p.title}" / ${p.heading}:\n${p.text}`;
    // Passages may take at most half of what is left: the history matters too.
    if (estimateTokens(text) > budget / 2) break;
    facts.push(text);
    passages.push(p);
    budget -= estimateTokens(text);
  }
  for (const f of facts.slice(0, facts.length - passages.length)) budget -= estimateTokens(f);

  const history: AiMessage[] = [];
  if (input.conversationId) {
    const rows = await db
      .selectFrom('messages')
      .select(['id', 'direction', 'kind', 'text', 'content'])
      .where('conversation_id', '=', input.conversationId)
      .orderBy('sort_at', 'desc')
      .orderBy('seq', 'desc')
      .limit(HISTORY_LIMIT)
      .execute();
    for (const m of rows) {
      if (m.id === input.questionMessageId) continue;
      const content = summariseMessage(m.kind, m.text, m.content);
      const cost = estimateTokens(content) + 4;
      if (cost > budget) break;
      budget -= cost;
      history.unshift({ role: m.direction === 'in' ? 'user' : 'assistant', content });
    }
  }
  const messages: AiMessage[] = [
    { role: 'system', content: system.join('\n\n') },
    ...(facts.length ? [{ role: 'system' as const, content: facts.join('\n\n') }] : []),
    ...history,
    { role: 'user', content: input.question },
  ];
  return {
    messages,
    passages: passages.map((p) => ({
      article_id: p.articleId,
      title: p.title,
      heading: p.heading,
      score: round(p.score),
      coverage: p.coverage,
    })),
    contact,
    linked_record: linked,
    flow_variables: input.flowVariables ?? null,
    history_messages: history.length,
    tokens: messages.reduce((n, m) => n + estimateTokens(m.content), 0),
  };
}

/** Any message as one line of text: the model reads every kind, not only text. */
export function summariseMessage(kind: string, text: string | null, content: string): string {
  if (kind === 'text' && text) return text;
  const stored = (parseJson(content) as Record<string, unknown> | null) ?? {};
  // A customer's message keeps WhatsApp's shape ({type: "location", location: {latitude, ...}}); ours is flat.
  const inner = stored[kind];
  const c = typeof inner === 'object' && inner !== null ? { ...stored, ...(inner as Record<string, unknown>) } : stored;
  const detail = text ?? str(c.caption) ?? str(c.filename) ?? str(c.name) ?? str(c.title) ?? str(c.emoji) ?? str(c.address) ?? '';
  if (kind === 'location' && typeof c.latitude === 'number')
    return `[location: ${detail ? `${detail}, ` : ''}${c.latitude}, ${c.longitude}]`;
  return `[${kind}${detail ? `: ${detail}` : ''}]`;
}

function str(v: unknown): string | null {
  return typeof v === 'string' && v !== '' ? v : null;
}

function parseJson(s: string | null): unknown {
  if (!s) return null;
  try {
    return JSON.parse(s);
  } catch {
    return null;
  }
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
