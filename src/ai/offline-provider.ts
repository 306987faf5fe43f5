import type { AiProvider, AiReply, AiRequest } from './ai-provider.ts';
import { estimateTokens } from './ai-provider.ts';
import { extractAnswer, guessLanguage } from './extract-answer.ts';
import type { KnowledgeIndex } from './knowledge-index.ts';

export const DONT_KNOW = {
  en: "I'm not sure about that. Let me pass you to someone from our team.",
  es: 'No estoy seguro de eso. Te paso con alguien de nuestro equipo.',
} as const;

/**
 * The embedded default: no model, no network. It answers the last user message with the best
 * knowledge-base passage (MiniSearch, BM25+), quoting the sentences that match, and says how
 * sure it is: the share of the question's meaningful words that passage contains. Below the
 * threshold it says it does not know (finish reason `no_answer`), which the assistant turns into
 * a hand-off. It never writes anything that is not in the knowledge base.
 */
export class OfflineProvider implements AiProvider {
  readonly name = 'offline';
  readonly model = 'kb-extractive-1';
  /** It searches the knowledge base itself: no model to call tools. */
  readonly supportsTools = false;

  constructor(
    private readonly index: KnowledgeIndex,
    private readonly threshold = 0.5,
  ) {}

  async complete(request: AiRequest): Promise<AiReply> {
    const question = [...request.messages].reverse().find((m) => m.role === 'user')?.content ?? '';
    const promptTokens = request.messages.reduce((n, m) => n + estimateTokens(m.content), 0);
    const [best] = await this.index.search(question, { limit: 1 });
    const confidence = best ? Math.round(best.coverage * 100) / 100 : 0;
    let text: string;
    let finishReason: AiReply['finishReason'];
    if (!best || confidence < this.threshold) {
      text = DONT_KNOW[guessLanguage(question)];
      finishReason = 'no_answer';
    } else {
      text = extractAnswer(question, best.text);
      finishReason = 'stop';
    }
    request.onDelta?.(text);
    return { text, finishReason, confidence, toolCalls: [], usage: { promptTokens, completionTokens: estimateTokens(text) } };
  }
}
