import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { HttpError } from '../core/http-error.ts';
import type { Deps } from '../deps.ts';
import { fieldError, Nullable, routeSchema } from '../http/route-schema.ts';
import { aiNumberOf, setAiNumberSettings } from './ai-number-settings-store.ts';
import { aiSettingsOf, BUILT_IN_ENDPOINTS, ENDPOINT_NAME } from './ai-settings.ts';
import { chooseProvider } from './choose-provider.ts';

const tags = ['ai'];

const Endpoint = Type.Object({
  name: Type.String({
    description: 'what a number or an ai_reply block names: default (AI_BASE_URL, else offline), offline, or a configured one',
  }),
  provider: Type.String({ description: 'openai (any OpenAI-compatible server) or offline' }),
  base_url: Nullable(Type.String()),
  model: Type.String({ description: 'the model sent when neither the number nor the flow names one' }),
  api_key_set: Type.Boolean({ description: 'whether a key is configured (the key itself is never shown)' }),
  tools: Type.Boolean({ description: "whether its models are offered the search_knowledge tool (AI_TOOLS, or the endpoint's tools)" }),
});

const Settings = Type.Object(
  {
    channel_id: Type.String(),
    endpoint: Nullable(Type.String({ description: 'null: default' })),
    model: Nullable(Type.String({ description: "null: the endpoint's model, else AI_MODEL" })),
    system_prompt: Nullable(Type.String({ description: 'null: AI_SYSTEM_PROMPT' })),
    config_file: Nullable(
      Type.Object({ endpoint: Nullable(Type.String()), model: Nullable(Type.String()), system_prompt: Nullable(Type.String()) }),
      {
        description: "the number's entry in the config file's aiNumbers (by phone number id), which these settings override field by field",
      },
    ),
    effective: Type.Object(
      {
        endpoint: Type.String(),
        provider: Type.String(),
        model: Type.String({ description: "the model this number's answers ask for (flow blocks may name another)" }),
        system_prompt: Type.String(),
        available: Type.Boolean({
          description: 'false: the endpoint is no longer configured (its answers are unavailable, unknown_endpoint)',
        }),
      },
      { description: 'what the number uses now, settings and AI_* together' },
    ),
  },
  {
    examples: [
      {
        channel_id: 'ch_0mb1x2y3z0001a1b2c3d4e5f6a7b8',
        endpoint: 'ollama',
        model: 'llama3.1:8b',
        system_prompt: 'Eres el asistente de Plomería Rápida. Responde en pocas líneas.',
        config_file: null,
        effective: {
          endpoint: 'ollama',
          provider: 'openai',
          model: 'llama3.1:8b',
          system_prompt: 'Eres el asistente de Plomería Rápida. Responde en pocas líneas.',
          available: true,
        },
      },
    ],
  },
);

/**
 * A number's own endpoint, model and system prompt (docs/ai.md#per-number-and-per-flow-models),
 * admin only. Keys are never part of it: an endpoint is a name from the configuration, which
 * holds its base URL and key, so no key is stored in the database or shown by the API.
 */
export function aiNumberSettingsRoutes(fastify: FastifyInstance, deps: Deps): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const db = deps.storage.db;
  const ChannelParams = Type.Object({ channelId: Type.String({ description: 'the number (channel) id' }) });

  app.get(
    '/api/v1/ai/endpoints',
    routeSchema({
      summary: 'The endpoints a number or an ai_reply block may name (admin; keys never shown)',
      tags,
      response: {
        200: Type.Object(
          { data: Type.Array(Endpoint) },
          {
            examples: [
              {
                data: [
                  { name: 'default', provider: 'offline', base_url: null, model: 'kb-extractive-1', api_key_set: false, tools: false },
                  { name: 'offline', provider: 'offline', base_url: null, model: 'kb-extractive-1', api_key_set: false, tools: false },
                  {
                    name: 'ollama',
                    provider: 'openai',
                    base_url: 'http://127.0.0.1:11434/v1',
                    model: 'llama3.1:8b',
                    api_key_set: false,
                    tools: false,
                  },
                ],
              },
            ],
          },
        ),
      },
    }),
    async () => {
      const s = aiSettingsOf(deps);
      const offline = { provider: 'offline', base_url: null, model: 'kb-extractive-1', api_key_set: false, tools: false };
      return {
        data: [
          s.baseUrl
            ? {
                name: 'default',
                provider: 'openai',
                base_url: s.baseUrl,
                model: s.model,
                api_key_set: Boolean(s.apiKey),
                tools: s.tools ?? false,
              }
            : { name: 'default', ...offline },
          { name: 'offline', ...offline },
          ...Object.entries(s.endpoints ?? {}).map(([name, e]) => ({
            name,
            provider: 'openai',
            base_url: e.baseUrl,
            model: e.model ?? s.model,
            api_key_set: Boolean(e.apiKey),
            tools: e.tools ?? s.tools ?? false,
          })),
        ],
      };
    },
  );

  app.get(
    '/api/v1/ai/settings/numbers/:channelId',
    routeSchema({
      summary: "A number's AI endpoint, model and system prompt, and what it uses now (admin)",
      tags,
      params: ChannelParams,
      response: { 200: Settings },
    }),
    async (req) => view(await mustChannel(req.params.channelId)),
  );

  app.put(
    '/api/v1/ai/settings/numbers/:channelId',
    routeSchema({
      summary:
        "Set a number's AI endpoint, model and system prompt (admin; a field left out or null follows the config file's aiNumbers, else AI_*)",
      description:
        "Replaces the number's settings: `{}` clears them. `endpoint` is `default`, `offline` or a name from the configuration's `aiEndpoints` (GET /api/v1/ai/endpoints); keys are configured there, never sent here.",
      tags,
      params: ChannelParams,
      body: Type.Object(
        {
          endpoint: Type.Optional(
            Nullable(Type.String({ pattern: ENDPOINT_NAME.source }), {
              ...fieldError(
                'unknown_endpoint',
                422,
                '"endpoint" is default, offline or a name from aiEndpoints (GET /api/v1/ai/endpoints).',
              ),
            }),
          ),
          model: Type.Optional(
            Nullable(Type.String({ minLength: 1, maxLength: 200 }), {
              ...fieldError('invalid_model', 422, '"model" is 1 to 200 characters.'),
            }),
          ),
          system_prompt: Type.Optional(
            Nullable(Type.String({ minLength: 1, maxLength: 8000 }), {
              ...fieldError('invalid_system_prompt', 422, '"system_prompt" is 1 to 8,000 characters.'),
            }),
          ),
        },
        {
          additionalProperties: false,
          examples: [
            { endpoint: 'ollama', model: 'llama3.1:8b', system_prompt: 'Eres el asistente de Plomería Rápida.' },
            { model: 'gpt-4o' },
          ],
        },
      ),
      response: { 200: Settings },
    }),
    async (req) => {
      const channelId = await mustChannel(req.params.channelId);
      const endpoint = req.body.endpoint ?? null;
      const known = [...BUILT_IN_ENDPOINTS, ...Object.keys(aiSettingsOf(deps).endpoints ?? {})];
      if (endpoint !== null && !known.includes(endpoint))
        throw new HttpError(
          422,
          'unknown_endpoint',
          `No endpoint "${endpoint}": use one of ${known.join(', ')} (aiEndpoints in the configuration).`,
          {
            field: 'endpoint',
          },
        );
      await setAiNumberSettings(
        db,
        channelId,
        { endpoint, model: req.body.model ?? null, systemPrompt: req.body.system_prompt ?? null },
        deps.clock.now(),
      );
      return view(channelId);
    },
  );

  async function mustChannel(id: string): Promise<string> {
    const ch = await db.selectFrom('channels').select('id').where('id', '=', id).executeTakeFirst();
    if (!ch) throw new HttpError(404, 'channel_not_found', `No number ${id}.`);
    return ch.id;
  }

  async function view(channelId: string) {
    const number = await aiNumberOf(db, channelId);
    const own = number?.own;
    const file = number ? aiSettingsOf(deps).numbers?.[number.accountId] : undefined;
    const chosen = await chooseProvider(db, deps, { channelId });
    return {
      channel_id: channelId,
      endpoint: own?.endpoint ?? null,
      model: own?.model ?? null,
      system_prompt: own?.systemPrompt ?? null,
      config_file: file ? { endpoint: file.endpoint ?? null, model: file.model ?? null, system_prompt: file.systemPrompt ?? null } : null,
      effective: chosen.ok
        ? {
            endpoint: chosen.endpoint,
            provider: chosen.provider.name,
            model: chosen.provider.model,
            system_prompt: chosen.systemPrompt,
            available: true,
          }
        : {
            endpoint: chosen.endpoint,
            provider: 'none',
            model: own?.model ?? '',
            system_prompt: own?.systemPrompt ?? '',
            available: false,
          },
    };
  }
}
