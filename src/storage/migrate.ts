import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import type pg from 'pg';
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
import { workerHeartbeatMigration } from './migrations/0013-worker-heartbeat.ts';
import { sendPolicyMigration } from './migrations/0014-send-policy.ts';
import { contactsBsuidMigration } from './migrations/0015-contacts-bsuid.ts';
import { customerMediaMigration } from './migrations/0016-customer-media.ts';
import { routeReadsAutoAssignMigration } from './migrations/0017-route-reads-auto-assign.ts';
import { syncChangeSeqMigration } from './migrations/0018-sync-change-seq.ts';
import { sendsStreamEventDetailMigration } from './migrations/0019-sends-stream-event-detail.ts';
import { contactsIdentitySearchMigration } from './migrations/0020-contacts-identity-search.ts';
import { teamAutoAssignMigration } from './migrations/0021-team-auto-assign.ts';
import { usersLanguageMigration } from './migrations/0022-users-language.ts';
import { telegramMigration } from './migrations/0031-telegram.ts';
import { contactTelegramIdentityMigration } from './migrations/0032-contact-telegram-identity.ts';
import { broadcastsMigration } from './migrations/0023-broadcasts.ts';
import { hotPathWritesMigration } from './migrations/0024-hot-path-writes.ts';
import { aiAssistantMigration } from './migrations/0028-ai-assistant.ts';
import { reportsMigration } from './migrations/0029-reports.ts';
import { broadcastResultsMigration } from './migrations/0027-broadcast-results.ts';
import { broadcastRecipientOrderMigration } from './migrations/0026-broadcast-recipient-order.ts';
import { operationsMigration } from './migrations/0030-operations.ts';
import { aiNumberSettingsMigration } from './migrations/0033-ai-number-settings.ts';
import { reportSpeedMigration } from './migrations/0035-report-speed.ts';
import { channelUploadsMigration } from './migrations/0036-channel-uploads.ts';
import { reportTimeBlocksMigration } from './migrations/0037-report-time-blocks.ts';
import { reportTeamTimeBlocksMigration } from './migrations/0039-report-team-time-blocks.ts';
import { reportAgentOpenMigration } from './migrations/0040-report-agent-open.ts';
import { reportWeekBlocksMigration } from './migrations/0041-report-week-blocks.ts';
import { hotPathIndexesMigration } from './migrations/0042-hot-path-indexes.ts';
import { conversationSyncTableMigration } from './migrations/0043-conversation-sync-table.ts';
import { fastSearchFoldMigration } from './migrations/0044-fast-search-fold.ts';

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
    '0013-worker-heartbeat': workerHeartbeatMigration(dialect),
    '0014-send-policy': sendPolicyMigration(dialect),
    '0015-contacts-bsuid': contactsBsuidMigration(dialect),
    '0016-customer-media': customerMediaMigration(dialect),
    '0017-route-reads-auto-assign': routeReadsAutoAssignMigration(dialect),
    '0018-sync-change-seq': syncChangeSeqMigration(dialect),
    '0019-sends-stream-event-detail': sendsStreamEventDetailMigration(dialect),
    '0020-contacts-identity-search': contactsIdentitySearchMigration(dialect),
    '0021-team-auto-assign': teamAutoAssignMigration(dialect),
    '0022-users-language': usersLanguageMigration(dialect),
    '0031-telegram': telegramMigration(dialect),
    '0032-contact-telegram-identity': contactTelegramIdentityMigration(dialect),
    '0023-broadcasts': broadcastsMigration(dialect),
    '0024-hot-path-writes': hotPathWritesMigration(dialect),
    '0029-reports': reportsMigration(dialect),
    '0027-broadcast-results': broadcastResultsMigration(dialect),
    '0026-broadcast-recipient-order': broadcastRecipientOrderMigration(),
    '0030-operations': operationsMigration(dialect),
    '0028-ai-assistant': aiAssistantMigration(dialect),
    '0033-ai-number-settings': aiNumberSettingsMigration(dialect),
    '0035-report-speed': reportSpeedMigration(dialect),
    '0036-channel-uploads': channelUploadsMigration(dialect),
    '0037-report-time-blocks': reportTimeBlocksMigration(dialect),
    '0039-report-team-time-blocks': reportTeamTimeBlocksMigration(dialect),
    '0040-report-agent-open': reportAgentOpenMigration(dialect),
    '0041-report-week-blocks': reportWeekBlocksMigration(dialect),
    '0042-hot-path-indexes': hotPathIndexesMigration(dialect),
    '0043-conversation-sync-table': conversationSyncTableMigration(dialect),
    '0044-fast-search-fold': fastSearchFoldMigration(dialect),
  };
}

/** Runs the migrations up to and including `name` only: for tests of a later migration on an older schema. */
export async function migrateTo(db: Kysely<unknown>, dialect: DialectName, name: string): Promise<void> {
  const provider: MigrationProvider = { getMigrations: async () => migrationsFor(dialect) };
  const { error } = await new Migrator({ db, provider }).migrateTo(name);
  if (error) throw error instanceof Error ? error : new Error(String(error));
}

/**
 * Runs pending migrations; safe to run twice. From several processes at once on PostgreSQL, run
 * it inside withStartupLock (openStorage does): Kysely's own lock covers only the migrations, not
 * the creation of its bookkeeping tables nor what a start does after them.
 */
export async function migrateToLatest(db: Kysely<unknown>, dialect: DialectName): Promise<string[]> {
  const provider: MigrationProvider = { getMigrations: async () => migrationsFor(dialect) };
  const migrator = new Migrator({ db, provider });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** Any constant: the PostgreSQL advisory lock that one starting process at a time holds. */
export const STARTUP_LOCK_KEY = 7_160_411_001;

export interface StartupLock {
  /** Idempotent; also released if the process dies (the lock belongs to its connection). */
  release(): Promise<void>;
}

/**
 * Takes the start-up lock on PostgreSQL: a session advisory lock on a connection of its own,
 * waited for as long as another process holds it. Everything a start writes (migrations of ours
 * and graphile-worker's, channel rows, the admin token, flows from a folder) happens under it, so
 * any number of processes may start at once on a fresh database: the first migrates and seeds,
 * the others find the work done.
 */
export async function takeStartupLock(pool: pg.Pool): Promise<StartupLock> {
  const client = await pool.connect();
  try {
    await client.query('select pg_advisory_lock($1)', [STARTUP_LOCK_KEY]);
  } catch (err) {
    client.release(err instanceof Error ? err : true);
    throw err;
  }
  let released: Promise<void> | undefined;
  return {
    release() {
      released ??= client.query('select pg_advisory_unlock($1)', [STARTUP_LOCK_KEY]).then(
        () => client.release(),
        // A broken connection has lost the lock with it; discard the connection.
        (err: unknown) => client.release(err instanceof Error ? err : true),
      );
      return released;
    },
  };
}
