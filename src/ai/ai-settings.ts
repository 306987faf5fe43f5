import type { AiEndpoint, AiNumberDefaults, AiSettings, Config } from '../config.ts';

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

export const DEFAULT_SYSTEM_PROMPT = "You are the business's WhatsApp assistant. Answer briefly and politely, in the customer's language.";

/** The process-wide AI settings (a Config built in code without `ai`: the offline default, mode off). */
export function aiSettingsOf(deps: { config: Pick<Config, 'ai'> }): AiSettings {
  return deps.config.ai ?? DEFAULT_AI_SETTINGS;
}

type PickSetting = (envKey: string, fileKey: string) => string | undefined;
type Int = (envKey: string, fileKey: string, def: number, min: number, max: number) => number;

/** AI_* environment variables (or the config file's ai* keys): docs/ai.md#settings. */
export function aiSettings(pick: PickSetting, int: Int, problems: string[], file: Record<string, unknown> = {}): AiSettings {
  const d = DEFAULT_AI_SETTINGS;
  const baseUrl = pick('AI_BASE_URL', 'aiBaseUrl')?.replace(/\/+$/, '');
  if (baseUrl !== undefined && !/^https?:\/\//.test(baseUrl)) problems.push(`AI_BASE_URL must be an http(s) URL (got "${baseUrl}")`);
  const mode = pick('AI_MODE', 'aiMode') ?? d.defaultMode;
  if (mode !== 'off' && mode !== 'draft' && mode !== 'auto') problems.push(`AI_MODE must be off, draft or auto (got "${mode}")`);
  const threshold = Number(pick('AI_CONFIDENCE_THRESHOLD', 'aiConfidenceThreshold') ?? d.confidenceThreshold);
  if (!(threshold >= 0 && threshold <= 1)) problems.push('AI_CONFIDENCE_THRESHOLD must be a number from 0 to 1');
  const apiKey = pick('AI_API_KEY', 'aiApiKey');
  const systemPrompt = pick('AI_SYSTEM_PROMPT', 'aiSystemPrompt');
  const tools = pick('AI_TOOLS', 'aiTools') ?? 'false';
  if (tools !== 'true' && tools !== 'false') problems.push(`AI_TOOLS must be true or false (got "${tools}")`);
  // The environment variable is JSON; the config file's `aiEndpoints` is an object, read as it is.
  const endpoints = aiEndpoints(pick('AI_ENDPOINTS', 'aiEndpointsJson'), file.aiEndpoints, problems);
  const numbers = aiNumbers(file.aiNumbers, Object.keys(endpoints ?? {}), problems);
  return {
    ...(endpoints ? { endpoints } : {}),
    ...(numbers ? { numbers } : {}),
    ...(baseUrl !== undefined ? { baseUrl } : {}),
    ...(apiKey !== undefined ? { apiKey } : {}),
    ...(systemPrompt !== undefined ? { systemPrompt } : {}),
    ...(tools === 'true' ? { tools: true } : {}),
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

/** Endpoint names: what a number's settings and a flow block refer to. `default` and `offline` are the built-in ones. */
export const ENDPOINT_NAME = /^[a-z0-9][a-z0-9_-]{0,39}$/;
export const BUILT_IN_ENDPOINTS = ['default', 'offline'] as const;

/** AI_ENDPOINTS (a JSON object) or the config file's `aiEndpoints`: {name: {baseUrl, apiKey?, model?}}. */
function aiEndpoints(env: string | undefined, fromFile: unknown, problems: string[]): Record<string, AiEndpoint> | undefined {
  let raw: unknown = fromFile;
  if (env !== undefined) {
    try {
      raw = JSON.parse(env);
    } catch {
      problems.push('AI_ENDPOINTS must be a JSON object {"name": {"baseUrl": "...", "apiKey": "...", "model": "..."}}');
      return undefined;
    }
  }
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    problems.push('aiEndpoints must be an object of named endpoints {name: {baseUrl, apiKey?, model?}}');
    return undefined;
  }
  const out: Record<string, AiEndpoint> = {};
  for (const [name, v] of Object.entries(raw)) {
    const where = `aiEndpoints.${name}`;
    if (!ENDPOINT_NAME.test(name) || (BUILT_IN_ENDPOINTS as readonly string[]).includes(name)) {
      problems.push(`${where}: a name is 1-40 of a-z 0-9 _ - and not "default" or "offline"`);
      continue;
    }
    const e = typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {};
    const baseUrl = typeof e.baseUrl === 'string' ? e.baseUrl.replace(/\/+$/, '') : '';
    if (!/^https?:\/\//.test(baseUrl)) {
      problems.push(`${where}.baseUrl must be an http(s) URL`);
      continue;
    }
    if (e.apiKey !== undefined && typeof e.apiKey !== 'string') problems.push(`${where}.apiKey must be a string`);
    if (e.model !== undefined && (typeof e.model !== 'string' || e.model === '')) problems.push(`${where}.model must be a model name`);
    if (e.tools !== undefined && typeof e.tools !== 'boolean') problems.push(`${where}.tools must be true or false`);
    out[name] = {
      baseUrl,
      ...(typeof e.apiKey === 'string' && e.apiKey !== '' ? { apiKey: e.apiKey } : {}),
      ...(typeof e.model === 'string' && e.model !== '' ? { model: e.model } : {}),
      ...(typeof e.tools === 'boolean' ? { tools: e.tools } : {}),
    };
  }
  return Object.keys(out).length ? out : undefined;
}

/** The config file's `aiNumbers`: {"<phone number id>": {endpoint?, model?, systemPrompt?}}. */
function aiNumbers(raw: unknown, endpointNames: string[], problems: string[]): Record<string, AiNumberDefaults> | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    problems.push('aiNumbers must be an object {"<phone number id>": {endpoint?, model?, systemPrompt?}}');
    return undefined;
  }
  const known = [...BUILT_IN_ENDPOINTS, ...endpointNames];
  const out: Record<string, AiNumberDefaults> = {};
  for (const [id, v] of Object.entries(raw)) {
    const where = `aiNumbers.${id}`;
    const e = typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {};
    const text = (key: string, max: number): string | undefined => {
      const x = e[key];
      if (x === undefined) return undefined;
      if (typeof x !== 'string' || x === '' || x.length > max) problems.push(`${where}.${key} must be text of 1 to ${max} characters`);
      return typeof x === 'string' && x !== '' ? x.slice(0, max) : undefined;
    };
    const endpoint = text('endpoint', 40);
    if (endpoint !== undefined && !known.includes(endpoint)) problems.push(`${where}.endpoint must be one of ${known.join(', ')}`);
    const model = text('model', 200);
    const systemPrompt = text('systemPrompt', 8000);
    out[id] = {
      ...(endpoint !== undefined ? { endpoint } : {}),
      ...(model !== undefined ? { model } : {}),
      ...(systemPrompt !== undefined ? { systemPrompt } : {}),
    };
  }
  return Object.keys(out).length ? out : undefined;
}
