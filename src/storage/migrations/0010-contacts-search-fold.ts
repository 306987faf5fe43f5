import { sql, type Kysely } from 'kysely';
import type { DialectName } from '../dialect-name.ts';

/**
 * Search ignores accents as well as case ("nandu" finds "Ñandú"), and finds a contact by the
 * name the business gave it (contacts.name) as well as by its WhatsApp profile name; an index
 * on conversations (contact_id).
 * - SQLite: the inbox's FTS5 index is rebuilt with `trigram remove_diacritics 2` (queried with
 *   MATCH: FTS5 folds accents only there, not for LIKE), and its text gains contacts.name.
 * - PostgreSQL: `switchboard_fold(text)` (lower case, accented Latin letters to their base
 *   letter, combining accents dropped: the same rule as src/core/fold-text.ts) and `search_doc`
 *   holds the folded text, so the pg_trgm index answers a folded LIKE.
 */
export function contactsSearchFoldMigration(dialect: DialectName) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      // A contact's conversations: for the search triggers on a rename, and for "a contact is
      // visible when one of its conversations is" (contacts, search).
      await sql`create index if not exists conversations_contact on conversations (contact_id)`.execute(db);
      if (dialect === 'sqlite') await upSqlite(db);
      else await upPostgres(db);
    },
  };
}

const SQLITE_DOC = (conv: string) =>
  `(select coalesce(ct.name, '') || ' ' || coalesce(ct.profile_name, '') || ' ' || coalesce(ct.phone_e164, '') || ' ' || ct.external_id from contacts ct where ct.id = ${conv}.contact_id) || ' ' || coalesce(${conv}.last_message_preview, '')`;

async function upSqlite(db: Kysely<unknown>): Promise<void> {
  for (const t of [
    'conversation_search_insert',
    'conversation_search_preview',
    'conversation_search_delete',
    'conversation_search_contact',
  ]) {
    await sql.raw(`drop trigger if exists ${t}`).execute(db);
  }
  await sql`drop table if exists conversation_search`.execute(db);
  await sql`create virtual table conversation_search using fts5(doc, tokenize = 'trigram remove_diacritics 2')`.execute(db);
  await sql.raw(`insert into conversation_search (rowid, doc) select c.rowid, ${SQLITE_DOC('c')} from conversations c`).execute(db);
  await sql
    .raw(`create trigger conversation_search_insert after insert on conversations begin
    insert into conversation_search (rowid, doc) values (new.rowid, ${SQLITE_DOC('new')});
  end`)
    .execute(db);
  await sql
    .raw(`create trigger conversation_search_preview after update of last_message_preview, contact_id on conversations
    when new.last_message_preview is not old.last_message_preview or new.contact_id is not old.contact_id begin
    delete from conversation_search where rowid = old.rowid;
    insert into conversation_search (rowid, doc) values (new.rowid, ${SQLITE_DOC('new')});
  end`)
    .execute(db);
  await sql`create trigger conversation_search_delete after delete on conversations begin
    delete from conversation_search where rowid = old.rowid;
  end`.execute(db);
  await sql
    .raw(`create trigger conversation_search_contact after update of name, profile_name, phone_e164 on contacts
    when new.name is not old.name or new.profile_name is not old.profile_name or new.phone_e164 is not old.phone_e164 begin
    delete from conversation_search where rowid in (select rowid from conversations where contact_id = new.id);
    insert into conversation_search (rowid, doc) select c.rowid, ${SQLITE_DOC('c')} from conversations c where c.contact_id = new.id;
  end`)
    .execute(db);
}

/** translate()'s two lists: each accented Latin letter and its base letter, then the combining accents (deleted). */
function foldTable(): { from: string; to: string } {
  let from = '';
  let to = '';
  for (const [first, last] of [
    [0xc0, 0x24f],
    [0x1e00, 0x1eff],
  ] as const) {
    for (let cp = first; cp <= last; cp++) {
      const c = String.fromCodePoint(cp);
      const base = c.normalize('NFD')[0] ?? c;
      if (base === c) continue; // no decomposition (ø, æ, ł): lower() is enough
      from += c;
      to += base.toLowerCase();
    }
  }
  for (let cp = 0x300; cp <= 0x36f; cp++) from += String.fromCodePoint(cp);
  return { from, to };
}

async function upPostgres(db: Kysely<unknown>): Promise<void> {
  const { from, to } = foldTable();
  // SQL, immutable and built on immutable functions: the planner inlines it and folds a constant
  // argument at plan time, so `search_doc like switchboard_fold('%q%')` keeps the trigram index.
  await sql`create or replace function switchboard_fold(t text) returns text language sql immutable strict parallel safe
    as ${sql.raw(`$fold$ select lower(translate(t, '${from}', '${to}')) $fold$`)}`.execute(db);
  await sql`create or replace function switchboard_conversation_search_doc() returns trigger language plpgsql as $$
    begin
      new.search_doc := switchboard_fold(coalesce((select concat_ws(' ', ct.name, ct.profile_name, ct.phone_e164, ct.external_id) from contacts ct where ct.id = new.contact_id), '')
        || ' ' || coalesce(new.last_message_preview, ''));
      return new;
    end $$`.execute(db);
  await sql`create or replace function switchboard_contact_search_doc() returns trigger language plpgsql as $$
    begin
      if new.name is distinct from old.name or new.profile_name is distinct from old.profile_name or new.phone_e164 is distinct from old.phone_e164 then
        update conversations set last_message_preview = last_message_preview where contact_id = new.id;
      end if;
      return new;
    end $$`.execute(db);
  await sql`drop trigger if exists contact_search_doc on contacts`.execute(db);
  await sql`create trigger contact_search_doc after update of name, profile_name, phone_e164 on contacts
    for each row execute function switchboard_contact_search_doc()`.execute(db);
  // Backfill through the trigger: every search_doc folded, with the contact's own name.
  await sql`update conversations set last_message_preview = last_message_preview`.execute(db);
}
