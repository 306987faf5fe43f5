import type { Deps } from '../deps.ts';
import type { Executor } from '../storage/executor.ts';
import { aiSettingsOf } from './ai-settings.ts';

export type AiMode = 'off' | 'draft' | 'auto';
export const AI_MODES: readonly AiMode[] = ['off', 'draft', 'auto'];

/** The mode for one conversation: its own (API), else its number's (API), else AI_MODE. */
export async function aiModeOf(
  db: Executor,
  deps: Pick<Deps, 'config'>,
  conv: { id: string; channelId: string },
): Promise<{ mode: AiMode; from: 'conversation' | 'number' | 'default' }> {
  const rows = await db
    .selectFrom('ai_modes')
    .select(['scope', 'mode'])
    .where('scope', 'in', [`conversation:${conv.id}`, `channel:${conv.channelId}`])
    .execute();
  const own = rows.find((r) => r.scope.startsWith('conversation:'));
  const number = rows.find((r) => r.scope.startsWith('channel:'));
  return aiModeFrom(deps, own?.mode ?? null, number?.mode ?? null);
}

/** The same rule from the two scopes' rows already read (the inbound claim reads them with the message). */
export function aiModeFrom(
  deps: Pick<Deps, 'config'>,
  conversationMode: string | null,
  numberMode: string | null,
): { mode: AiMode; from: 'conversation' | 'number' | 'default' } {
  if (conversationMode !== null) return { mode: conversationMode as AiMode, from: 'conversation' };
  if (numberMode !== null) return { mode: numberMode as AiMode, from: 'number' };
  return { mode: aiSettingsOf(deps).defaultMode, from: 'default' };
}

/** Sets (mode) or clears (null: follow the number / AI_MODE again) a scope's mode. */
export async function setAiMode(db: Executor, scope: string, mode: AiMode | null, now: number): Promise<void> {
  if (mode === null) {
    await db.deleteFrom('ai_modes').where('scope', '=', scope).execute();
    return;
  }
  await db
    .insertInto('ai_modes')
    .values({ scope, mode, updated_at: now })
    .onConflict((oc) => oc.column('scope').doUpdateSet({ mode, updated_at: now }))
    .execute();
}
