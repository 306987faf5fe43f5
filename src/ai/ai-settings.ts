import type { AiSettings } from '../config.ts';

export const DEFAULT_AI_SETTINGS: AiSettings = {
  model: 'gpt-4o-mini',
  timeoutMs: 20_000,
  requestsPerMinute: 60,
  monthlyTokenBudget: 0,
  defaultMode: 'off',
  confidenceThreshold: 0.5,
  maxTurns: 5,
  contextTokens: 3000,
};

type Pick = (envKey: string, fileKey: string) => string | undefined;
type Int = (envKey: string, fileKey: string, def: number, min: number, max: number) => number;

/** AI_* environment variables (or the config file's ai* keys): docs/ai.md#settings. */
export function aiSettings(pick: Pick, int: Int, problems: string[]): AiSettings {
  const d = DEFAULT_AI_SETTINGS;
  const baseUrl = pick('AI_BASE_URL', 'aiBaseUrl')?.replace(/\/+$/, '');
  if (baseUrl !== undefined && !/^https?:\/\//.test(baseUrl)) problems.push(`AI_BASE_URL must be an http(s) URL (got "${baseUrl}")`);
  const mode = pick('AI_MODE', 'aiMode') ?? d.defaultMode;
  if (mode !== 'off' && mode !== 'draft' && mode !== 'auto') problems.push(`AI_MODE must be off, draft or auto (got "${mode}")`);
  const threshold = Number(pick('AI_CONFIDENCE_THRESHOLD', 'aiConfidenceThreshold') ?? d.confidenceThreshold);
  if (!(threshold >= 0 && threshold <= 1)) problems.push('AI_CONFIDENCE_THRESHOLD must be a number from 0 to 1');
  const apiKey = pick('AI_API_KEY', 'aiApiKey');
  const systemPrompt = pick('AI_SYSTEM_PROMPT', 'aiSystemPrompt');
  return {
    ...(baseUrl !== undefined ? { baseUrl } : {}),
    ...(apiKey !== undefined ? { apiKey } : {}),
    ...(systemPrompt !== undefined ? { systemPrompt } : {}),
    model: pick('AI_MODEL', 'aiModel') ?? d.model,
    timeoutMs: int('AI_TIMEOUT_MS', 'aiTimeoutMs', d.timeoutMs, 100, 600_000),
    requestsPerMinute: int('AI_REQUESTS_PER_MINUTE', 'aiRequestsPerMinute', d.requestsPerMinute, 0, 100_000),
    monthlyTokenBudget: int('AI_MONTHLY_TOKEN_BUDGET', 'aiMonthlyTokenBudget', d.monthlyTokenBudget, 0, 1e12),
    defaultMode: mode === 'draft' || mode === 'auto' ? mode : 'off',
    confidenceThreshold: threshold >= 0 && threshold <= 1 ? threshold : d.confidenceThreshold,
    maxTurns: int('AI_MAX_TURNS', 'aiMaxTurns', d.maxTurns, 1, 1000),
    contextTokens: int('AI_CONTEXT_TOKENS', 'aiContextTokens', d.contextTokens, 200, 200_000),
  };
}
