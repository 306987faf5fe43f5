import { sql, type Insertable, type RawBuilder, type SqlBool } from 'kysely';
import type { ConversationVisibility } from '../auth/visible-conversation-filter.ts';
import { visibilitySql } from '../conversations/conversation-visibility.ts';
import { containsText } from '../conversations/text-match.ts';
import type { Executor } from '../jobs/job-queue.ts';
import { newId } from '../core/ids.ts';
import { columnList, rawQuery, runRaw } from '../storage/raw-query.ts';
import type { Database } from '../storage/database-types.ts';

export interface ContactRow {
  id: string;
  channel_kind: string;
  external_id: string;
  phone_e164: string | null;
  profile_name: string | null;
  created_at: number;
  updated_at: number;
}

/** A contact with its WhatsApp identity (docs/whatsapp-identity.md). */
export type WhatsAppContactRow = ContactRow & { bsuid: string | null; username: string | null; parent_bsuid: string | null };

/**
 * Every column of `contacts`, named rather than `*`: PostgreSQL then runs the hot path's lookups as
 * prepared statements (raw-query.ts does not prepare a `select *`, whose shape another process's
 * migration could change). test/contacts/row-columns.test.ts holds this list to the table.
 */
export const CONTACT_ROW_COLUMNS = [
  'id',
  'channel_kind',
  'external_id',
  'phone_e164',
  'profile_name',
  'created_at',
  'updated_at',
  'name',
  'attributes',
  'tags',
  'opted_in',
  'opted_in_at',
  'blocked',
  'bsuid',
  'username',
  'parent_bsuid',
  'blocked_by_user_at',
  'telegram_chat_id',
] as const;
/** The select list for CONTACT_ROW_COLUMNS, for raw SQL. */
export const CONTACT_SELECT_LIST = columnList(CONTACT_ROW_COLUMNS);

// Hot path (every inbound message): prebuilt SQL.
const SELECT_CONTACT = rawQuery(`select ${CONTACT_SELECT_LIST} from "contacts" where "channel_kind" = ? and "external_id" = ?`);

/**
 * Stores a new contact unless one holding any of its unique keys exists: a concurrent ingest
 * (another PostgreSQL process) may have created the same customer first. False then: the caller
 * looks it up again.
 */
export async function insertContactIfAbsent(db: Executor, row: Insertable<Database['contacts']>): Promise<boolean> {
  const inserted = await db
    .insertInto('contacts')
    .values(row)
    .onConflict((oc) => oc.doNothing())
    .returning('id')
    .executeTakeFirst();
  return inserted !== undefined;
}

/** Finds or creates the contact for a channel user, refreshing the profile name when it changed. */
export async function upsertContact(
  db: Executor,
  input: { channelKind: string; externalId: string; phoneE164?: string; profileName?: string; now: number },
): Promise<ContactRow> {
  const [existing] = await runRaw<ContactRow>(db, SELECT_CONTACT, [input.channelKind, input.externalId]);
  if (existing) {
    if (input.profileName && input.profileName !== existing.profile_name) {
      await db
        .updateTable('contacts')
        .set({ profile_name: input.profileName, updated_at: input.now })
        .where('id', '=', existing.id)
        .execute();
      return { ...existing, profile_name: input.profileName, updated_at: input.now };
    }
    return existing;
  }
  const row: ContactRow = {
    id: newId('ct', input.now),
    channel_kind: input.channelKind,
    external_id: input.externalId,
    phone_e164: input.phoneE164 ?? null,
    profile_name: input.profileName ?? null,
    created_at: input.now,
    updated_at: input.now,
  };
  // A concurrent ingest (another PostgreSQL process) may have created it first.
  const inserted = await db
    .insertInto('contacts')
    .values(row)
    .onConflict((oc) => oc.columns(['channel_kind', 'external_id']).doNothing())
    .returning('id')
    .executeTakeFirst();
  if (inserted) return row;
  const stored = await db
    .selectFrom('contacts')
    .selectAll()
    .where('channel_kind', '=', input.channelKind)
    .where('external_id', '=', input.externalId)
    .executeTakeFirstOrThrow();
  return stored;
}

export interface ContactFilter {
  q?: string;
  tag?: string;
  optedIn?: boolean;
  blocked?: boolean;
  limit: number;
  /** Keyset: contacts with a smaller id (ids are time-ordered: newest first). */
  beforeId?: string;
}

/** Escapes LIKE's wildcards; the statements say `escape '\'`. */
function likeEscape(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * Newest first, among the contacts the caller may see (see visibleContactSql). Search matches
 * the business's name, the WhatsApp profile name, username, phone, WhatsApp id and BSUID ignoring case and accents
 * (`switchboard_fold`, src/core/fold-text.ts), and a Telegram chat id whole; tags match whole tags (stored as JSON strings).
 */
export function listContacts(db: Executor, f: ContactFilter, visibility: ConversationVisibility) {
  let q = db.selectFrom('contacts').selectAll();
  const visible = visibleContactSql(visibility, 'contacts');
  if (visible) q = q.where(visible);
  if (f.q) {
    const text = f.q;
    q = q.where((eb) =>
      eb.or([
        ...[
          'contacts.name',
          'contacts.profile_name',
          'contacts.phone_e164',
          'contacts.external_id',
          'contacts.username',
          'contacts.bsuid',
        ].map((col) => containsText(col, text)),
        // A merged contact's Telegram chat id, whole (its unique index; external_id holds its wa_id).
        eb('contacts.telegram_chat_id', '=', text),
      ]),
    );
  }
  if (f.tag !== undefined)
    q = q.where(sql<boolean>`lower(tags) like ${`%${likeEscape(JSON.stringify(f.tag).toLowerCase())}%`} escape '\\'`);
  if (f.optedIn === true) q = q.where('opted_in', '=', 1);
  if (f.optedIn === false) q = q.where((eb) => eb.or([eb('opted_in', '=', 0), eb('opted_in', 'is', null)]));
  if (f.blocked !== undefined) q = q.where('blocked', '=', f.blocked ? 1 : 0);
  if (f.beforeId) q = q.where('id', '<', f.beforeId);
  return q.orderBy('id', 'desc').limit(f.limit).execute();
}

/**
 * A contact is visible to a restricted agent when one of its conversations is (any status), as
 * SQL over a contacts alias; null when nothing is hidden.
 */
export function visibleContactSql(visibility: ConversationVisibility, alias: string): RawBuilder<SqlBool> | null {
  const visible = visibilitySql(visibility, 'vc');
  if (!visible) return null;
  return sql<SqlBool>`exists (select 1 from conversations vc where vc.contact_id = ${sql.ref(`${alias}.id`)} and ${visible})`;
}

/** The contact, if the caller may see it (a hidden contact reads as missing). */
export function findVisibleContact(db: Executor, id: string, visibility: ConversationVisibility) {
  let q = db.selectFrom('contacts').selectAll().where('id', '=', id);
  const visible = visibleContactSql(visibility, 'contacts');
  if (visible) q = q.where(visible);
  return q.executeTakeFirst();
}

/** The opt-in ledger, newest first. */
export function optHistory(db: Executor, contactId: string, limit = 100) {
  return db
    .selectFrom('contact_opt_events')
    .selectAll()
    .where('contact_id', '=', contactId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
}

export async function patchContact(
  db: Executor,
  id: string,
  patch: { name?: string | null; attributes?: string; tags?: string; updated_at: number },
): Promise<void> {
  await db.updateTable('contacts').set(patch).where('id', '=', id).execute();
}

/** Blocking also takes the contact's conversations out of the routing queue. */
export async function setBlocked(db: Executor, id: string, blocked: boolean, now: number): Promise<void> {
  await db
    .updateTable('contacts')
    .set({ blocked: blocked ? 1 : 0, updated_at: now })
    .where('id', '=', id)
    .execute();
  if (blocked)
    await db
      .updateTable('conversations')
      .set({ awaiting_human_since: null })
      .where('contact_id', '=', id)
      .where('awaiting_human_since', 'is not', null)
      .execute();
}
