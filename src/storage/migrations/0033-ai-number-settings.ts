import type { Kysely } from 'kysely';
import type { DialectName } from '../dialect-name.ts';

/**
 * Per-number AI settings (issue 18, docs/ai.md): which endpoint (a name from the configuration's
 * `aiEndpoints`, `default` or `offline`), which model and which system prompt a number's answers
 * use. A null column follows the process-wide AI_* setting. No key is stored: keys stay in the
 * configuration with the endpoint they belong to.
 */
export function aiNumberSettingsMigration(_dialect: DialectName) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('ai_number_settings')
        .ifNotExists()
        .addColumn('channel_id', 'text', (c) => c.primaryKey())
        .addColumn('endpoint', 'text')
        .addColumn('model', 'text')
        .addColumn('system_prompt', 'text')
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
    },
  };
}
