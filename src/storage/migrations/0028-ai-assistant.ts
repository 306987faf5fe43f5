import type { Kysely } from 'kysely';
import type { DialectName } from '../dialect-name.ts';

/**
 * The AI assistant (issue 18, src/ai):
 * - `knowledge_articles`: the knowledge base (title, Markdown body, tags, language). Chunks and
 *   the full-text index are built from these rows in memory (src/ai/knowledge-index.ts).
 * - `ai_replies`: one row per answer the assistant produced (auto, draft, flow or preview), with
 *   the context it was given, so an agent can see why it said what it said, and a draft's fate.
 * - `ai_usage`: one row per provider call (provider, model, tokens, latency), summed by
 *   GET /api/v1/ai/usage and by the monthly token budget.
 * - `ai_modes`: the assistant's mode (off | draft | auto) set through the API for a number
 *   (`channel:<id>`) or one conversation (`conversation:<id>`).
 */
export function aiAssistantMigration(_dialect: DialectName) {
  const time = 'bigint' as const;
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('knowledge_articles')
        .ifNotExists()
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('tags', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('language', 'text')
        .addColumn('source', 'text')
        .addColumn('created_at', time, (c) => c.notNull())
        .addColumn('updated_at', time, (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('ai_replies')
        .ifNotExists()
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('conversation_id', 'text')
        .addColumn('channel_id', 'text')
        .addColumn('mode', 'text', (c) => c.notNull()) // auto | draft | flow | preview
        .addColumn('outcome', 'text', (c) => c.notNull()) // answered | handoff | unavailable
        .addColumn('reason', 'text')
        .addColumn('question', 'text')
        .addColumn('answer', 'text')
        .addColumn('confidence', 'real')
        .addColumn('context', 'text', (c) => c.notNull()) // JSON: what the provider was given
        .addColumn('provider', 'text', (c) => c.notNull())
        .addColumn('model', 'text', (c) => c.notNull())
        .addColumn('draft_state', 'text') // pending | accepted | edited | discarded (draft mode)
        .addColumn('message_id', 'text') // the message it became, when sent
        .addColumn('created_at', time, (c) => c.notNull())
        .addColumn('decided_at', time)
        .execute();
      await db.schema
        .createIndex('ai_replies_conversation')
        .ifNotExists()
        .on('ai_replies')
        .columns(['conversation_id', 'created_at'])
        .execute();
      await db.schema
        .createTable('ai_usage')
        .ifNotExists()
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('at', time, (c) => c.notNull())
        .addColumn('day', 'text', (c) => c.notNull()) // YYYY-MM-DD, UTC
        .addColumn('provider', 'text', (c) => c.notNull())
        .addColumn('model', 'text', (c) => c.notNull())
        .addColumn('channel_id', 'text')
        .addColumn('mode', 'text', (c) => c.notNull())
        .addColumn('prompt_tokens', 'integer', (c) => c.notNull())
        .addColumn('completion_tokens', 'integer', (c) => c.notNull())
        .addColumn('latency_ms', 'integer', (c) => c.notNull())
        .addColumn('ok', 'integer', (c) => c.notNull()) // 1 | 0 (error or timeout)
        .addColumn('error', 'text')
        .execute();
      await db.schema.createIndex('ai_usage_at').ifNotExists().on('ai_usage').column('at').execute();
      await db.schema
        .createTable('ai_modes')
        .ifNotExists()
        .addColumn('scope', 'text', (c) => c.primaryKey()) // channel:<id> | conversation:<id>
        .addColumn('mode', 'text', (c) => c.notNull()) // off | draft | auto
        .addColumn('updated_at', time, (c) => c.notNull())
        .execute();
    },
  };
}
