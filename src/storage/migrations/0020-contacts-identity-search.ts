import { sql, type Kysely } from 'kysely';
import type { DialectName } from '../dialect-name.ts';

/**
 * WhatsApp identity, part two (issue 12, docs/whatsapp-identity.md):
 * - `contacts.parent_bsuid`: the parent business-scoped user ID (`parent_user_id`) WhatsApp
 *   sends when the business's portfolios are linked; an attribute, never the identity.
 * - The inbox's `q` index (0008, 0010) also holds the contact's username and BSUID, and follows
 *   changes to them and to `external_id` (a BSUID-keyed contact becomes phone-keyed when its
 *   number shows). Existing rows are backfilled.
 * SQLite: the FTS5 table stays, its triggers are rebuilt and its rows refilled. PostgreSQL: the
 * search_doc functions and the contacts trigger are replaced; the backfill runs through them.
 */
export function contactsIdentitySearchMigration(dialect: DialectName) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('contacts').addColumn('parent_bsuid', 'text').execute();
      if (dialect === 'sqlite') await upSqlite(db);
      else await upPostgres(db);
    },
  };
}

// The contact columns a conversation's search text is made of (one place, both triggers).
const CONTACT_COLUMNS = ['name', 'profile_name', 'phone_e164', 'external_id', 'username', 'bsuid'] as const;

const SQLITE_DOC = (conv: string) =>
  `(select ${CONTACT_COLUMNS.map((c) => `coalesce(ct.${c}, '')`).join(` || ' ' || `)} from contacts ct where ct.id = ${conv}.contact_id) || ' ' || coalesce(${conv}.last_message_preview, '')`;

async function upSqlite(db: Kysely<unknown>): Promise<void> {
  for (const t of ['conversation_search_insert', 'conversation_search_preview', 'conversation_search_contact']) {
    await sql.raw(`drop trigger if exists ${t}`).execute(db);
  }
  await sql`delete from conversation_search`.execute(db);
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
  await sql
    .raw(`create trigger conversation_search_contact after update of ${CONTACT_COLUMNS.join(', ')} on contacts
    when ${CONTACT_COLUMNS.map((c) => `new.${c} is not old.${c}`).join(' or ')} begin
    delete from conversation_search where rowid in (select rowid from conversations where contact_id = new.id);
    insert into conversation_search (rowid, doc) select c.rowid, ${SQLITE_DOC('c')} from conversations c where c.contact_id = new.id;
  end`)
    .execute(db);
}

async function upPostgres(db: Kysely<unknown>): Promise<void> {
  // switchboard_fold (0010) folds case and accents, so the pg_trgm index answers a folded LIKE.
  await sql`create or replace function switchboard_conversation_search_doc() returns trigger language plpgsql as ${sql.raw(`$$
    begin
      new.search_doc := switchboard_fold(coalesce((select concat_ws(' ', ${CONTACT_COLUMNS.map((c) => `ct.${c}`).join(', ')}) from contacts ct where ct.id = new.contact_id), '')
        || ' ' || coalesce(new.last_message_preview, ''));
      return new;
    end $$`)}`.execute(db);
  await sql`create or replace function switchboard_contact_search_doc() returns trigger language plpgsql as ${sql.raw(`$$
    begin
      if ${CONTACT_COLUMNS.map((c) => `new.${c} is distinct from old.${c}`).join(' or ')} then
        update conversations set last_message_preview = last_message_preview where contact_id = new.id;
      end if;
      return new;
    end $$`)}`.execute(db);
  await sql`drop trigger if exists contact_search_doc on contacts`.execute(db);
  await sql
    .raw(`create trigger contact_search_doc after update of ${CONTACT_COLUMNS.join(', ')} on contacts
    for each row execute function switchboard_contact_search_doc()`)
    .execute(db);
  // Backfill through the trigger: every conversation's text gains its contact's username and BSUID.
  await sql`update conversations set last_message_preview = last_message_preview`.execute(db);
}
