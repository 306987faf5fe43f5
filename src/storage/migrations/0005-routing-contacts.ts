import { sql, type Kysely } from 'kysely';
import type { DialectName } from '../dialect-name.ts';

/**
 * Contacts (name, attributes, tags, opt-in ledger, block) and automatic routing (fairness state
 * per agent, a lock row per team, and the waiting queue as a column on conversations).
 * Assignment itself uses conversations.assignee_id / team_id from 0004-inbox.
 */
export function routingContactsMigration(_dialect: DialectName) {
  const time = 'bigint';
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      // One column per statement: SQLite's ALTER TABLE adds one at a time.
      await db.schema.alterTable('contacts').addColumn('name', 'text').execute(); // set by agents; profile_name comes from WhatsApp
      await db.schema
        .alterTable('contacts')
        .addColumn('attributes', 'text', (c) => c.notNull().defaultTo('{}'))
        .execute();
      await db.schema
        .alterTable('contacts')
        .addColumn('tags', 'text', (c) => c.notNull().defaultTo('[]'))
        .execute();
      await db.schema.alterTable('contacts').addColumn('opted_in', 'integer').execute(); // 1 | 0 | null (never asked)
      await db.schema.alterTable('contacts').addColumn('opted_in_at', time).execute(); // when opted_in last changed
      await db.schema
        .alterTable('contacts')
        .addColumn('blocked', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();

      await db.schema
        .createTable('contact_opt_events')
        .ifNotExists()
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('contact_id', 'text', (c) => c.notNull().references('contacts.id').onDelete('cascade'))
        .addColumn('opted_in', 'integer', (c) => c.notNull())
        .addColumn('source', 'text', (c) => c.notNull()) // how: keyword | web_form | whatsapp | import | agent | api ...
        .addColumn('actor', 'text', (c) => c.notNull()) // who: a user id, customer or system
        .addColumn('note', 'text')
        .addColumn('created_at', time, (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('contact_opt_events_contact')
        .ifNotExists()
        .on('contact_opt_events')
        .columns(['contact_id', 'created_at'])
        .execute();

      // Fairness survives restarts and is shared by every process: least recently assigned first.
      // seen_availability is what routing last acted on, so a change to offline is noticed once.
      await db.schema
        .createTable('user_routing')
        .ifNotExists()
        .addColumn('user_id', 'text', (c) => c.primaryKey())
        .addColumn('last_assigned_at', time)
        .addColumn('seen_availability', 'text')
        .execute();
      // One row per team ('*' = no team): locked FOR UPDATE on PostgreSQL while its queue is routed.
      await db.schema
        .createTable('team_routing')
        .ifNotExists()
        .addColumn('team_id', 'text', (c) => c.primaryKey())
        .addColumn('routed_at', time)
        .execute();

      // The waiting queue: conversations that asked for a human and have no assignee yet, oldest first.
      await db.schema.alterTable('conversations').addColumn('awaiting_human_since', time).execute();
      await sql`create index if not exists conversations_awaiting_human on conversations (awaiting_human_since, id) where awaiting_human_since is not null`.execute(
        db,
      );
    },
  };
}
