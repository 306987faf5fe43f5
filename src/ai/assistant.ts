import type { AiSettings } from '../config.ts';
import { foldText } from '../core/fold-text.ts';
import type { Deps } from '../deps.ts';
import { AiProviderError } from './ai-provider.ts';
import { aiRepliesOf, insertAiReply } from './ai-replies-store.ts';
import { aiSettingsOf } from './ai-settings.ts';
import { callsSince, recordUsage, tokensThisMonth } from './ai-usage-store.ts';
import { assembleContext } from './assemble-context.ts';
import { chooseProvider, type ProviderOverride } from './choose-provider.ts';
import { completeWithTools } from './complete-with-tools.ts';
import { asksForHuman } from './human-request.ts';
import { knowledgeIndexFor } from './knowledge-index.ts';
import { scrubAnswer } from './scrub-answer.ts';

export type AskMode = 'auto' | 'draft' | 'flow' | 'preview';

export interface AskInput {
  question: string;
  conversationId: string | null;
  channelId: string | null;
  mode: AskMode;
  questionMessageId?: string;
  instructions?: string;
  flowVariables?: Record<string, unknown>;
  /** An ai_reply block's endpoint and model (docs/ai.md#per-number-and-per-flow-models). */
  override?: ProviderOverride;
  onDelta?: (text: string) => void;
}

export type AskResult =
  | { outcome: 'answered'; text: string; confidence: number | null; replyId: string }
  | { outcome: 'handoff'; reason: HandoffReason; text: string | null; confidence: number | null; replyId: string }
  | { outcome: 'unavailable'; reason: string; replyId: string };

export type HandoffReason = 'customer_asked' | 'low_confidence' | 'repeated_question' | 'turn_limit' | 'provider_error';

/** Calls in the last minute per database handle (this process): the per-minute request limit. */
const recentCallsByDb = new WeakMap<object, number[]>();
function recentCallsOf(db: object): number[] {
  let calls = recentCallsByDb.get(db);
  if (!calls) {
    calls = [];
    recentCallsByDb.set(db, calls);
  }
  return calls;
}

/** Why the assistant cannot answer at all right now (null: it can). Shown by GET /api/v1/ai/status. */
export async function unavailableReason(deps: Pick<Deps, 'config' | 'storage' | 'clock'>): Promise<string | null> {
  const s = aiSettingsOf(deps);
  const now = deps.clock.now();
  if (s.monthlyTokenBudget > 0 && (await tokensThisMonth(deps.storage.db, now)) >= s.monthlyTokenBudget) return 'budget_spent';
  if (s.requestsPerMinute <= 0) return null;
  const recentCalls = recentCallsOf(deps.storage.db);
  while (recentCalls.length && (recentCalls[0] ?? 0) <= now - 60_000) recentCalls.shift();
  if (recentCalls.length >= s.requestsPerMinute) return 'rate_limited';
  // Every process's finished calls (the usage rows): the limit holds for several processes on one
  // PostgreSQL database; this process's calls still in flight are counted above.
  if ((await callsSince(deps.storage.db, now - 60_000)) >= s.requestsPerMinute) return 'rate_limited';
  return null;
}

/**
 * One answer of the assistant to a customer's question: the whole decision (issue 18). It
 * hands off, without calling the model, when the customer asks for a person, asks the same
 * question again, or (auto mode) after AI_MAX_TURNS answers; it calls the provider with the
 * assembled context, hands off when the provider fails or times out or is not confident enough,
 * and removes links and phone numbers the context did not hold. Every call is recorded (usage)
 * and every outcome is stored with its context (ai_replies).
 */
export async function askAssistant(deps: Pick<Deps, 'config' | 'storage' | 'clock' | 'logger'>, input: AskInput): Promise<AskResult> {
  const s = aiSettingsOf(deps);
  const db = deps.storage.db;
  const chosen = await chooseProvider(db, deps, { channelId: input.channelId, ...(input.override ? { flow: input.override } : {}) });
  const now = deps.clock.now();
  const base = {
    conversation_id: input.conversationId,
    channel_id: input.channelId,
    mode: input.mode,
    question: input.question.slice(0, 4000),
    provider: chosen.ok ? chosen.provider.name : 'none',
    model: chosen.ok ? chosen.provider.model : `endpoint:${chosen.endpoint}`,
    draft_state: null,
    message_id: null,
    created_at: now,
    decided_at: null,
  };
  // A number or flow naming an endpoint the configuration no longer has: off, and says why.
  const blocked = chosen.ok ? await unavailableReason(deps) : chosen.reason;
  if (blocked || !chosen.ok) {
    const row = await insertAiReply(db, {
      ...base,
      outcome: 'unavailable',
      reason: blocked ?? 'unknown_endpoint',
      answer: null,
      confidence: null,
      context: '{}',
    });
    return { outcome: 'unavailable', reason: blocked ?? 'unknown_endpoint', replyId: row.id };
  }
  const handoffEarly = await earlyHandoff(deps, input, s);
  if (handoffEarly) {
    const row = await insertAiReply(db, {
      ...base,
      outcome: 'handoff',
      reason: handoffEarly,
      answer: null,
      confidence: null,
      context: '{}',
    });
    return { outcome: 'handoff', reason: handoffEarly, text: null, confidence: null, replyId: row.id };
  }
  const provider = chosen.provider;

  const index = knowledgeIndexFor(db);
  const passages = await index.search(input.question, { limit: 3 });
  const context = await assembleContext(db, {
    question: input.question,
    conversationId: input.conversationId,
    systemPrompt: chosen.systemPrompt,
    ...(input.instructions ? { instructions: input.instructions } : {}),
    ...(input.flowVariables ? { flowVariables: input.flowVariables } : {}),
    ...(input.questionMessageId ? { questionMessageId: input.questionMessageId } : {}),
    passages,
    tokenBudget: s.contextTokens,
  });
  let contextJson = JSON.stringify(context);
  recentCallsOf(db).push(now);
  let started = performance.now();
  let calls = 0;
  try {
    // One limit for the whole answer, tool rounds included.
    const { reply, messages, toolUses } = await completeWithTools(
      provider,
      { messages: context.messages, signal: AbortSignal.timeout(s.timeoutMs), ...(input.onDelta ? { onDelta: input.onDelta } : {}) },
      index,
      async (r) => {
        // Every provider call is recorded and counts toward the per-minute limit.
        if (calls++ > 0) recentCallsOf(db).push(deps.clock.now());
        await recordUsage(
          db,
          {
            provider: provider.name,
            model: provider.model,
            channelId: input.channelId,
            mode: input.mode,
            promptTokens: r.usage.promptTokens,
            completionTokens: r.usage.completionTokens,
            latencyMs: performance.now() - started,
            ok: true,
            error: null,
          },
          deps.clock.now(),
        );
        started = performance.now();
      },
    );
    if (toolUses.length) contextJson = JSON.stringify({ ...context, messages, tool_calls: toolUses });
    const confident = reply.finishReason !== 'no_answer' && (reply.confidence === null || reply.confidence >= s.confidenceThreshold);
    // Tool results are context too: a link a searched article holds may be sent.
    const { text, removed } = scrubAnswer(reply.text, messages.map((m) => m.content).join('\n'));
    if (removed.length)
      deps.logger.warn(
        { conversationId: input.conversationId, removed: removed.length },
        'AI answer: links or phone numbers not in the context removed',
      );
    if (!confident || text.trim() === '') {
      const row = await insertAiReply(db, {
        ...base,
        outcome: 'handoff',
        reason: 'low_confidence',
        answer: text,
        confidence: reply.confidence,
        context: contextJson,
      });
      return { outcome: 'handoff', reason: 'low_confidence', text, confidence: reply.confidence, replyId: row.id };
    }
    const row = await insertAiReply(db, {
      ...base,
      outcome: 'answered',
      reason: null,
      answer: text,
      confidence: reply.confidence,
      context: contextJson,
      draft_state: input.mode === 'draft' ? 'pending' : null,
    });
    return { outcome: 'answered', text, confidence: reply.confidence, replyId: row.id };
  } catch (err) {
    const kind = err instanceof AiProviderError ? err.kind : 'bad_response';
    const message = err instanceof Error ? err.message : String(err);
    deps.logger.warn({ conversationId: input.conversationId, kind }, `AI provider call failed: ${message}`);
    await recordUsage(
      db,
      {
        provider: provider.name,
        model: provider.model,
        channelId: input.channelId,
        mode: input.mode,
        promptTokens: 0,
        completionTokens: 0,
        latencyMs: performance.now() - started,
        ok: false,
        error: kind,
      },
      deps.clock.now(),
    );
    const row = await insertAiReply(db, {
      ...base,
      outcome: 'handoff',
      reason: `provider_error:${kind}`,
      answer: null,
      confidence: null,
      context: contextJson,
    });
    return { outcome: 'handoff', reason: 'provider_error', text: null, confidence: null, replyId: row.id };
  }
}

/** The hand-off rules that need no model: a person asked for, a repeated question, too many AI turns. */
async function earlyHandoff(deps: Pick<Deps, 'storage'>, input: AskInput, s: AiSettings): Promise<HandoffReason | null> {
  if (asksForHuman(input.question)) return 'customer_asked';
  if (!input.conversationId || input.mode === 'preview') return null;
  const recent = await aiRepliesOf(deps.storage.db, input.conversationId, s.maxTurns + 1);
  const asked = normalise(input.question);
  // The same question right after it was answered: the answer did not help.
  if (recent[0]?.outcome === 'answered' && recent[0].question !== null && normalise(recent[0].question) === asked)
    return 'repeated_question';
  if (input.mode === 'auto') {
    let turns = 0;
    for (const r of recent) {
      if (r.mode !== 'auto' || r.outcome !== 'answered') break;
      turns++;
    }
    if (turns >= s.maxTurns) return 'turn_limit';
  }
  return null;
}

function normalise(q: string): string {
  return foldText(q)
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}
