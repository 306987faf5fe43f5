import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import type { DialectName } from './dialect-name.ts';
import { coreMigration } from './migrations/0001-core.ts';
import { agentsMigration } from './migrations/0002-agents.ts';
import { eventWebhooksMigration } from './migrations/0003-event-webhooks.ts';
import { inboxMigration } from './migrations/0004-inbox.ts';
import { routingContactsMigration } from './migrations/0005-routing-contacts.ts';
import { templatesMigration } from './migrations/0006-templates.ts';
import { flowsMigration } from './migrations/0007-flows.ts';
import { conversationSearchMigration } from './migrations/0008-conversation-search.ts';
import { botPauseMigration } from './migrations/0009-bot-pause.ts';
import { contactsSearchFoldMigration } from './migrations/0010-contacts-search-fold.ts';
import { authLoginThrottleMigration } from './migrations/0011-auth-login-throttle.ts';
import { messageOrderMigration } from './migrations/0012-message-order.ts';

/** Append-only list: never edit a shipped migration, add a new one. */
function migrationsFor(dialect: DialectName): Record<string, Migration> {
  return {
    '0001-core': coreMigration(dialect),
    '0002-agents': agentsMigration(dialect),
    '0003-event-webhooks': eventWebhooksMigration(dialect),
    '0004-inbox': inboxMigration(dialect),
    '0005-routing-contacts': routingContactsMigration(dialect),
    '0006-templates': templatesMigration(dialect),
    '0007-flows': flowsMigration(dialect),
    '0008-conversation-search': conversationSearchMigration(dialect),
    '0009-bot-pause': botPauseMigration(dialect),
    '0010-contacts-search-fold': contactsSearchFoldMigration(dialect),
    '0011-auth-login-throttle': authLoginThrottleMigration(dialect),
    '0012-message-order': messageOrderMigration(dialect),
  };
}

/** Runs pending migrations; safe to run twice and from several processes (Kysely takes a lock). */
export async function migrateToLatest(db: Kysely<unknown>, dialect: DialectName): Promise<string[]> {
  const provider: MigrationProvider = { getMigrations: async () => migrationsFor(dialect) };
  const migrator = new Migrator({ db, provider });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
