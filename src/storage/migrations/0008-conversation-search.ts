import { sql, type Kysely } from 'kysely';
import type { DialectName } from '../dialect-name.ts';

/**
 * An index for the inbox's `q` filter: "text in the contact's name or phone, or the last message
 * preview". Each conversation gets one search text, kept by triggers so every writer (ingest, the
 * API, flows) keeps it current without knowing about it:
 * - SQLite: an FTS5 table with the trigram tokenizer (substring LIKE on it uses the index);
 * - PostgreSQL: a `search_doc` column with a pg_trgm GIN index, when the extension can be created
 *   (trusted since PostgreSQL 13); without it the column still works, by scan.
 */
export function conversationSearchMigration(dialect: DialectName) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      if (dialect === 'sqlite') await upSqlite(db);
      else await upPostgres(db);
    },
  };
}

const SQLITE_DOC = (conv: string) =>
  `(select coalesce(ct.profile_name, '') || ' ' || coalesce(ct.phone_e164, '') || ' ' || ct.external_id from contacts ct where ct.id = ${conv}.contact_id) || ' ' || coalesce(${conv}.last_message_preview, '')`;

async function upSqlite(db: Kysely<unknown>): Promise<void> {
  await sql`create virtual table if not exists conversation_search using fts5(doc, tokenize = 'trigram')`.execute(db);
  await sql.raw(`insert into conversation_search (rowid, doc) select c.rowid, ${SQLITE_DOC('c')} from conversations c`).execute(db);
  await sql
    .raw(`create trigger if not exists conversation_search_insert after insert on conversations begin
    insert into conversation_search (rowid, doc) values (new.rowid, ${SQLITE_DOC('new')});
  end`)
    .execute(db);
  await sql
    .raw(`create trigger if not exists conversation_search_preview after update of last_message_preview on conversations
    when new.last_message_preview is not old.last_message_preview begin
    delete from conversation_search where rowid = old.rowid;
    insert into conversation_search (rowid, doc) values (new.rowid, ${SQLITE_DOC('new')});
  end`)
    .execute(db);
  await sql`create trigger if not exists conversation_search_delete after delete on conversations begin
    delete from conversation_search where rowid = old.rowid;
  end`.execute(db);
  await sql
    .raw(`create trigger if not exists conversation_search_contact after update of profile_name, phone_e164 on contacts begin
    delete from conversation_search where rowid in (select rowid from conversations where contact_id = new.id);
    insert into conversation_search (rowid, doc) select c.rowid, ${SQLITE_DOC('c')} from conversations c where c.contact_id = new.id;
  end`)
    .execute(db);
}

async function upPostgres(db: Kysely<unknown>): Promise<void> {
  // A role that may not create extensions still gets a working (unindexed) search.
  await sql`do $$ begin create extension if not exists pg_trgm; exception when others then raise notice 'pg_trgm not available: inbox text search will scan'; end $$`.execute(
    db,
  );
  await sql`alter table conversations add column if not exists search_doc text`.execute(db);
  await sql`create or replace function switchboard_conversation_search_doc() returns trigger language plpgsql as $$
    begin
      new.search_doc := coalesce((select concat_ws(' ', ct.profile_name, ct.phone_e164, ct.external_id) from contacts ct where ct.id = new.contact_id), '')
        || ' ' || coalesce(new.last_message_preview, '');
      return new;
    end $$`.execute(db);
  await sql`drop trigger if exists conversation_search_doc on conversations`.execute(db);
  await sql`create trigger conversation_search_doc before insert or update of last_message_preview, contact_id on conversations
    for each row execute function switchboard_conversation_search_doc()`.execute(db);
  await sql`create or replace function switchboard_contact_search_doc() returns trigger language plpgsql as $$
    begin
      if new.profile_name is distinct from old.profile_name or new.phone_e164 is distinct from old.phone_e164 then
        update conversations set last_message_preview = last_message_preview where contact_id = new.id;
      end if;
      return new;
    end $$`.execute(db);
  await sql`drop trigger if exists contact_search_doc on contacts`.execute(db);
  await sql`create trigger contact_search_doc after update of profile_name, phone_e164 on contacts
    for each row execute function switchboard_contact_search_doc()`.execute(db);
  // Backfill through the trigger.
  await sql`update conversations set last_message_preview = last_message_preview`.execute(db);
  const trgm = await sql<{ ok: boolean }>`select exists (select 1 from pg_extension where extname = 'pg_trgm') as ok`.execute(db);
  if (trgm.rows[0]?.ok) {
    await sql`create index if not exists conversations_search_trgm on conversations using gin (search_doc gin_trgm_ops)`.execute(db);
  }
}
