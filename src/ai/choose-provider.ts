import type { Deps } from '../deps.ts';
import type { Executor } from '../storage/executor.ts';
import type { AiProvider } from './ai-provider.ts';
import { aiNumberOf } from './ai-number-settings-store.ts';
import { aiSettingsOf, DEFAULT_SYSTEM_PROMPT } from './ai-settings.ts';
import { knowledgeIndexFor } from './knowledge-index.ts';
import { OfflineProvider } from './offline-provider.ts';
import { OpenAiProvider } from './openai-provider.ts';

/** What a flow block asks for (docs/ai.md#per-number-and-per-flow-models). */
export interface ProviderOverride {
  endpoint?: string;
  model?: string;
}

export type ChosenProvider =
  | { ok: true; provider: AiProvider; endpoint: string; systemPrompt: string }
  | { ok: false; reason: 'unknown_endpoint'; endpoint: string };

const offlineByDb = new WeakMap<object, OfflineProvider>();
/** One OpenAI client per base URL, key, timeout and tools setting: its connections are reused by every number and flow that use it. */
const clients = new Map<string, OpenAiProvider>();

/**
 * The provider of one call: the flow block's endpoint and model, else the number's (API), else
 * the number's in the config file (`aiNumbers`), else AI_BASE_URL / AI_MODEL. An endpoint chosen
 * at one level takes its model from that level (or the endpoint's own `model`, or AI_MODEL): a
 * model name belongs to its endpoint. A model named alone keeps the endpoint of the level below.
 * The offline provider has one model and ignores the name. The system prompt: the number's (API,
 * then config file), else AI_SYSTEM_PROMPT.
 */
export async function chooseProvider(
  db: Executor,
  deps: Pick<Deps, 'config' | 'storage'>,
  call: { channelId: string | null; flow?: ProviderOverride },
): Promise<ChosenProvider> {
  const s = aiSettingsOf(deps);
  const number = call.channelId ? await aiNumberOf(db, call.channelId) : null;
  const fromFile = number ? s.numbers?.[number.accountId] : undefined;
  const own = number?.own;
  let endpoint = 'default';
  let model: string | undefined;
  const levels: ProviderOverride[] = [
    fromFile ?? {},
    { ...(own?.endpoint ? { endpoint: own.endpoint } : {}), ...(own?.model ? { model: own.model } : {}) },
    call.flow ?? {},
  ];
  for (const level of levels) {
    if (level.endpoint !== undefined) {
      endpoint = level.endpoint;
      model = level.model;
    } else if (level.model !== undefined) model = level.model;
  }
  const systemPrompt = own?.systemPrompt ?? fromFile?.systemPrompt ?? s.systemPrompt ?? DEFAULT_SYSTEM_PROMPT;
  const provider = providerAt(deps, endpoint, model);
  return provider ? { ok: true, provider, endpoint, systemPrompt } : { ok: false, reason: 'unknown_endpoint', endpoint };
}

/** AI_BASE_URL set: the OpenAI-compatible provider; otherwise the offline default (what /ai/status shows). */
export function providerFor(deps: Pick<Deps, 'config' | 'storage'>): AiProvider {
  return providerAt(deps, 'default', undefined) ?? offline(deps);
}

/** A named endpoint's provider asking for `model` (undefined: the endpoint's model, else AI_MODEL); null: no such endpoint. */
export function providerAt(deps: Pick<Deps, 'config' | 'storage'>, endpoint: string, model: string | undefined): AiProvider | null {
  const s = aiSettingsOf(deps);
  if (endpoint === 'offline' || (endpoint === 'default' && !s.baseUrl)) return offline(deps);
  const e =
    endpoint === 'default' ? { baseUrl: s.baseUrl ?? '', apiKey: s.apiKey, model: s.model, tools: s.tools } : s.endpoints?.[endpoint];
  if (!e) return null;
  const tools = e.tools ?? s.tools ?? false;
  const key = JSON.stringify([e.baseUrl, e.apiKey ?? '', s.timeoutMs, tools]);
  let base = clients.get(key);
  if (!base) {
    base = new OpenAiProvider({
      baseUrl: e.baseUrl,
      ...(e.apiKey ? { apiKey: e.apiKey } : {}),
      model: s.model,
      timeoutMs: s.timeoutMs,
      tools,
    });
    clients.set(key, base);
  }
  return base.withModel(model ?? e.model ?? s.model);
}

function offline(deps: Pick<Deps, 'config' | 'storage'>): OfflineProvider {
  let p = offlineByDb.get(deps.storage.db);
  if (!p) {
    p = new OfflineProvider(knowledgeIndexFor(deps.storage.db), aiSettingsOf(deps).confidenceThreshold);
    offlineByDb.set(deps.storage.db, p);
  }
  return p;
}
