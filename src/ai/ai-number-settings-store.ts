import type { Executor } from '../storage/executor.ts';

/** A number's own AI settings (API); a null field follows the AI_* setting. */
export interface AiNumberSettings {
  endpoint: string | null;
  model: string | null;
  systemPrompt: string | null;
}

/** A number's own settings (null: none) and its account id (phone number id, bot id: the config file's key); null: no such number. */
export async function aiNumberOf(db: Executor, channelId: string): Promise<{ accountId: string; own: AiNumberSettings | null } | null> {
  const row = await db
    .selectFrom('channels as ch')
    .leftJoin('ai_number_settings as s', 's.channel_id', 'ch.id')
    .select(['ch.account_id', 's.channel_id as set', 's.endpoint', 's.model', 's.system_prompt'])
    .where('ch.id', '=', channelId)
    .executeTakeFirst();
  if (!row) return null;
  return {
    accountId: row.account_id,
    own: row.set === null ? null : { endpoint: row.endpoint, model: row.model, systemPrompt: row.system_prompt },
  };
}

export async function aiNumberSettingsOf(db: Executor, channelId: string): Promise<AiNumberSettings | null> {
  const row = await db
    .selectFrom('ai_number_settings')
    .select(['endpoint', 'model', 'system_prompt'])
    .where('channel_id', '=', channelId)
    .executeTakeFirst();
  return row ? { endpoint: row.endpoint, model: row.model, systemPrompt: row.system_prompt } : null;
}

/** Replaces a number's settings; all null deletes the row (the number follows AI_* again). */
export async function setAiNumberSettings(db: Executor, channelId: string, s: AiNumberSettings, now: number): Promise<void> {
  if (s.endpoint === null && s.model === null && s.systemPrompt === null) {
    await db.deleteFrom('ai_number_settings').where('channel_id', '=', channelId).execute();
    return;
  }
  const values = { endpoint: s.endpoint, model: s.model, system_prompt: s.systemPrompt, updated_at: now };
  await db
    .insertInto('ai_number_settings')
    .values({ channel_id: channelId, ...values })
    .onConflict((oc) => oc.column('channel_id').doUpdateSet(values))
    .execute();
}
