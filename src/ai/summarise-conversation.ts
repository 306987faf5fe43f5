import { addNote } from '../conversations/note-store.ts';
import type { Deps } from '../deps.ts';
import type { Executor } from '../storage/executor.ts';
import { summariseMessage } from './assemble-context.ts';
import { recordUsage } from './ai-usage-store.ts';
import { chooseProvider } from './choose-provider.ts';

/**
 * A summary of a conversation. With a language model it is asked for one (the history as user
 * and assistant messages); the offline default composes one line from the facts: how many
 * messages, the linked record, what the customer asked first and last. A failing model falls
 * back to the offline line, so a hand-off always carries one.
 */
export async function summariseConversation(
  db: Executor,
  deps: Pick<Deps, 'config' | 'storage' | 'clock'>,
  conversationId: string,
  opts: { offlineOnly?: boolean } = {},
): Promise<{ text: string; provider: string }> {
  const rows = await db
    .selectFrom('messages')
    .select(['direction', 'kind', 'text', 'content'])
    .where('conversation_id', '=', conversationId)
    .orderBy('sort_at', 'desc')
    .orderBy('seq', 'desc')
    .limit(30)
    .execute();
  rows.reverse();
  const conv = await db
    .selectFrom('conversations')
    .select(['linked_record_type', 'linked_record_id', 'channel_id'])
    .where('id', '=', conversationId)
    .executeTakeFirst();
  const customer = rows.filter((r) => r.direction === 'in').map((r) => summariseMessage(r.kind, r.text, r.content));
  const record = conv?.linked_record_type ? ` about ${conv.linked_record_type} ${conv.linked_record_id}` : '';
  const first = customer[0];
  const last = customer.at(-1);
  const offline =
    customer.length === 0
      ? `No customer messages yet${record}.`
      : `${rows.length} messages${record}; the customer first wrote "${clip(first ?? '')}"${customer.length > 1 ? ` and last "${clip(last ?? '')}"` : ''}.`;
  if (opts.offlineOnly) return { text: offline, provider: 'offline' };
  // The number's own endpoint and model (docs/ai.md#per-number-and-per-flow-models).
  const chosen = await chooseProvider(db, deps, { channelId: conv?.channel_id ?? null });
  if (!chosen.ok || chosen.provider.name === 'offline') return { text: offline, provider: 'offline' };
  const provider = chosen.provider;
  const started = performance.now();
  try {
    const reply = await provider.complete({
      messages: [
        { role: 'system', content: 'Summarise this customer conversation in one line of at most 30 words for the agent taking it over.' },
        ...rows.map((r) => ({
          role: r.direction === 'in' ? ('user' as const) : ('assistant' as const),
          content: summariseMessage(r.kind, r.text, r.content),
        })),
      ],
      maxTokens: 80,
      signal: AbortSignal.timeout(deps.config.ai?.timeoutMs ?? 20_000),
    });
    await recordUsage(
      db,
      {
        provider: provider.name,
        model: provider.model,
        channelId: conv?.channel_id ?? null,
        mode: 'summary',
        promptTokens: reply.usage.promptTokens,
        completionTokens: reply.usage.completionTokens,
        latencyMs: performance.now() - started,
        ok: true,
        error: null,
      },
      deps.clock.now(),
    );
    return { text: reply.text.trim().split('\n')[0] ?? offline, provider: provider.name };
  } catch {
    await recordUsage(
      db,
      {
        provider: provider.name,
        model: provider.model,
        channelId: conv?.channel_id ?? null,
        mode: 'summary',
        promptTokens: 0,
        completionTokens: 0,
        latencyMs: performance.now() - started,
        ok: false,
        error: 'failed',
      },
      deps.clock.now(),
    );
    return { text: offline, provider: 'offline' };
  }
}

/** The one-line summary as an internal note (author `ai`) when the conversation is handed off or closed. */
export async function attachSummary(
  db: Executor,
  deps: Pick<Deps, 'config' | 'storage' | 'clock'>,
  conversationId: string,
  why: 'handoff' | 'closed',
): Promise<string> {
  // Offline wording inside a transaction: a model call must not hold it open.
  const { text } = await summariseConversation(db, deps, conversationId, { offlineOnly: true });
  const line = `AI summary (${why === 'handoff' ? 'hand-off' : 'closed'}): ${text}`;
  await addNote(db, { conversationId, authorId: null, author: 'ai', text: line, now: deps.clock.now() });
  return line;
}

function clip(s: string): string {
  return s.length > 80 ? `${s.slice(0, 79)}…` : s;
}
