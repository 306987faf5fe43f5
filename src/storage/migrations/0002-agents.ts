import { sql, type Kysely } from 'kysely';
import type { DialectName } from '../dialect-name.ts';

/** Agents and access: users, teams and their members, web sessions, API tokens. */
export function agentsMigration(_dialect: DialectName) {
  const time = 'bigint';
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('users')
        .ifNotExists()
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('email', 'text', (c) => c.notNull()) // stored lower-cased: unique case-insensitively in both dialects
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('visibility', 'text', (c) => c.notNull().defaultTo('all'))
        .addColumn('capacity', 'integer')
        .addColumn('availability', 'text', (c) => c.notNull().defaultTo('offline'))
        .addColumn('created_at', time, (c) => c.notNull())
        .addColumn('updated_at', time, (c) => c.notNull())
        .addColumn('deleted_at', time)
        .execute();
      // Deleted users keep their row (messages and history name them) but free their email.
      await sql`create unique index if not exists users_email_unique on users (email) where deleted_at is null`.execute(db);

      await db.schema
        .createTable('teams')
        .ifNotExists()
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('description', 'text')
        .addColumn('created_at', time, (c) => c.notNull())
        .addColumn('updated_at', time, (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('team_members')
        .ifNotExists()
        .addColumn('team_id', 'text', (c) => c.notNull().references('teams.id').onDelete('cascade'))
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('created_at', time, (c) => c.notNull())
        .addPrimaryKeyConstraint('team_members_pk', ['team_id', 'user_id'])
        .execute();
      // Visibility and routing ask "which teams is this user in" on every request of a restricted agent.
      await db.schema.createIndex('team_members_user').ifNotExists().on('team_members').columns(['user_id', 'team_id']).execute();

      await db.schema
        .createTable('sessions')
        .ifNotExists()
        .addColumn('id', 'text', (c) => c.primaryKey()) // sha256 (hex) of the cookie's token, never the token
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('created_at', time, (c) => c.notNull())
        .addColumn('expires_at', time, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('sessions_user').ifNotExists().on('sessions').columns(['user_id']).execute();
      await db.schema.createIndex('sessions_expires').ifNotExists().on('sessions').columns(['expires_at']).execute();

      await db.schema
        .createTable('api_tokens')
        .ifNotExists()
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('token_hash', 'text', (c) => c.notNull().unique()) // sha256 (hex) of the token
        .addColumn('token_prefix', 'text', (c) => c.notNull()) // first characters, to recognise a token in a list
        .addColumn('scopes', 'text', (c) => c.notNull()) // JSON array of scope names
        .addColumn('user_id', 'text', (c) => c.references('users.id').onDelete('cascade'))
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', time, (c) => c.notNull())
        .addColumn('expires_at', time)
        .addColumn('last_used_at', time)
        .addColumn('revoked_at', time)
        .execute();
      await db.schema.createIndex('api_tokens_user').ifNotExists().on('api_tokens').columns(['user_id']).execute();
    },
  };
}
