import { DEFAULT_AI_SETTINGS } from '../../src/ai/ai-settings.ts';
import type { AiSettings } from '../../src/config.ts';
import type { TestDialect } from './dialects.ts';
import type { OpenAiTestServer } from './openai-test-server.ts';
import { startWorld, type World } from './test-world.ts';

/**
 * A world whose AI assistant answers every conversation (auto mode, no demo bot) through `model`,
 * an OpenAI-compatible test server started here, with one knowledge article. `ai` sets the rest
 * (the model's name, time-outs, tools...); a function is called once the server is up, for
 * settings that name its URL (another endpoint on the same server).
 */
export async function startAiWorld(
  dialect: TestDialect,
  model: OpenAiTestServer,
  ai: Partial<AiSettings> | (() => Partial<AiSettings>),
  article: { title: string; body: string; language: string },
): Promise<World> {
  await model.start();
  const w = await startWorld({
    dialect,
    config: {
      demoBot: false,
      ai: {
        ...DEFAULT_AI_SETTINGS,
        baseUrl: model.url,
        apiKey: model.apiKey,
        defaultMode: 'auto',
        ...(typeof ai === 'function' ? ai() : ai),
      },
    },
  });
  await w.api('POST', '/api/v1/knowledge', article);
  return w;
}

/** The conversation with the customer of this wa_id, as GET /api/v1/conversations lists it. */
export async function conversationOf(w: World, waId: string): Promise<any> {
  return (await w.api('GET', '/api/v1/conversations')).body.data.find((c: any) => c.contact.wa_id === waId);
}
