import { sql, type Kysely } from 'kysely';
import type { DialectName } from '../dialect-name.ts';

/**
 * Fewer pages written per message (issue #16).
 * - The flow-session lookup every inbound message makes (contact, channel, live, newest first)
 *   sorted through a temporary b-tree: an index on (contact_id, channel_id, started_at) walks
 *   straight to the newest; it replaces (contact_id, channel_id, status), whose prefix it keeps.
 * - SQLite: the inbox's FTS5 search index is no longer rewritten by a trigger on every insert and
 *   every preview change of a conversation (22 index pages a message). It is kept up to date from
 *   `conversations.sync_seq`, which every change already moves forward: a background pass every
 *   second, and each search first catches up (src/storage/search-index.ts), so a search
 *   still sees every conversation written before it. `search_index_state.indexed_seq` is how far
 *   it got; at this migration the index is complete. A contact's rename still rewrites its
 *   conversations' rows at once (rare, and not sync_seq-tracked). PostgreSQL keeps its
 *   `search_doc` column, set in the same row write.
 */
export function hotPathWritesMigration(dialect: DialectName) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createIndex('flow_sessions_contact_newest')
        .ifNotExists()
        .on('flow_sessions')
        .columns(['contact_id', 'channel_id', 'started_at'])
        .execute();
      await db.schema.dropIndex('flow_sessions_contact_live').ifExists().execute();
      if (dialect !== 'sqlite') return;
      await sql`drop trigger if exists conversation_search_insert`.execute(db);
      await sql`drop trigger if exists conversation_search_preview`.execute(db);
      await sql`create table search_index_state (id integer primary key check (id = 1), indexed_seq integer not null)`.execute(db);
      await sql`insert into search_index_state (id, indexed_seq) select 1, coalesce(max(sync_seq), 0) from conversations`.execute(db);
    },
  };
}

// The same text as the contact trigger of 0020-contacts-identity-search writes (keep them equal).
const CONTACT_COLUMNS = ['name', 'profile_name', 'phone_e164', 'external_id', 'username', 'bsuid'] as const;

/** SQLite: a conversation's search text, `conv` being the conversations row's alias. */
export const sqliteConversationSearchDoc = (conv: string) =>
  `(select ${CONTACT_COLUMNS.map((c) => `coalesce(ct.${c}, '')`).join(` || ' ' || `)} from contacts ct where ct.id = ${conv}.contact_id) || ' ' || coalesce(${conv}.last_message_preview, '')`;
