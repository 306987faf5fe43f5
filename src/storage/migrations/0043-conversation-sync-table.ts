import { type Kysely, sql } from 'kysely';
import type { DialectName } from '../dialect-name.ts';
import { SYNC_CHILDREN, sqliteSyncChildTriggers } from './0018-sync-change-seq.ts';

/**
 * The change sequence (0018-sync-change-seq) moves from `conversations.sync_seq` to a narrow table
 * of its own, `conversation_sync (conversation_id, sync_seq)` (issue #16). Every status move of a
 * message (claim, accept, sent, delivered, read: about five a message), label, note and bot pause
 * used to rewrite the whole conversation row to move that one column. On PostgreSQL the column is
 * indexed, so no such update can be HOT: each wrote a new copy of the wide row and an entry in every
 * index of conversations, the trigram GIN index of `search_doc` included (0.34 ms a status move
 * against 0.03 ms without the bump, `explain analyze`). Now the bump writes one short row and its
 * (sync_seq, conversation_id) entry, and a conversation row is written only when the conversation
 * itself changes.
 *
 * Meaning unchanged: PostgreSQL keeps the writing transaction's xid (a bump the same transaction
 * already made is not written again), readers return only rows below the oldest running
 * transaction; SQLite keeps max + 1 through the index. Triggers write it, as before: after any
 * insert or update of a conversation, after a message's status changes, after a label, note or
 * bot pause changes. Readers join it (conversation-changes.ts, search-index.ts).
 */
export function conversationSyncTableMigration(dialect: DialectName) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      if (dialect === 'postgres') await upPostgres(db);
      else await upSqlite(db);
    },
  };
}

async function upPostgres(db: Kysely<unknown>): Promise<void> {
  await sql`create table conversation_sync (conversation_id text primary key, sync_seq bigint not null)`.execute(db);
  await sql`insert into conversation_sync (conversation_id, sync_seq) select id, sync_seq from conversations`.execute(db);
  await sql`create index conversation_sync_order on conversation_sync (sync_seq, conversation_id)`.execute(db);
  await sql`drop trigger if exists conversations_sync on conversations`.execute(db);
  for (const c of SYNC_CHILDREN) await sql.raw(`drop trigger if exists ${c.table}_sync on ${c.table}`).execute(db);
  await sql`drop function if exists switchboard_conversation_sync()`.execute(db);
  await sql`drop function if exists switchboard_conversation_touch()`.execute(db);
  await sql`alter table conversations drop column sync_seq`.execute(db);
  const upsert = (
    id: string,
  ) => `insert into conversation_sync as s (conversation_id, sync_seq) values (${id}, pg_current_xact_id()::text::bigint)
        on conflict (conversation_id) do update set sync_seq = excluded.sync_seq where s.sync_seq <> excluded.sync_seq;`;
  await sql
    .raw(`create function switchboard_conversation_sync() returns trigger language plpgsql as $$
    begin ${upsert('new.id')} return null; end $$`)
    .execute(db);
  await sql
    .raw(`create function switchboard_conversation_touch() returns trigger language plpgsql as $$
    begin
      if tg_op = 'DELETE' then ${upsert('old.conversation_id')} else ${upsert('new.conversation_id')} end if;
      return null;
    end $$`)
    .execute(db);
  await sql`create trigger conversations_sync after insert or update on conversations for each row execute function switchboard_conversation_sync()`.execute(
    db,
  );
  for (const c of SYNC_CHILDREN) {
    const when = c.condition ? ` when (${c.condition})` : '';
    await sql
      .raw(`create trigger ${c.table}_sync ${c.when} on ${c.table} for each row${when} execute function switchboard_conversation_touch()`)
      .execute(db);
  }
}

async function upSqlite(db: Kysely<unknown>): Promise<void> {
  await sql`create table conversation_sync (conversation_id text primary key, sync_seq integer not null) without rowid`.execute(db);
  await sql`insert into conversation_sync (conversation_id, sync_seq) select id, sync_seq from conversations`.execute(db);
  await sql`create index conversation_sync_order on conversation_sync (sync_seq, conversation_id)`.execute(db);
  // Every trigger that names conversations.sync_seq goes before the column can.
  await sql`drop trigger if exists conversations_sync_insert`.execute(db);
  await sql`drop trigger if exists conversations_sync_update`.execute(db);
  for (const c of SYNC_CHILDREN) {
    for (const op of ['insert', 'update', 'delete']) await sql.raw(`drop trigger if exists ${c.table}_sync_${op}`).execute(db);
  }
  await sql`drop index if exists conversations_sync`.execute(db);
  await sql`alter table conversations drop column sync_seq`.execute(db);
  // One writer at a time, commits in write order: max + 1 through the index is the next place.
  const bump = (id: string) =>
    `insert into conversation_sync (conversation_id, sync_seq) values (${id}, (select coalesce(max(sync_seq), 0) from conversation_sync) + 1) on conflict (conversation_id) do update set sync_seq = excluded.sync_seq;`;
  for (const op of ['insert', 'update'] as const) {
    await sql.raw(`create trigger conversations_sync_${op} after ${op} on conversations begin ${bump('new.id')} end`).execute(db);
  }
  for (const trigger of sqliteSyncChildTriggers(bump)) await sql.raw(trigger).execute(db);
}
