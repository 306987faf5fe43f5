import type { Selectable } from 'kysely';
import type { Executor } from '../storage/executor.ts';
import type { Database } from '../storage/database-types.ts';

export type AudienceRow = Selectable<Database['audiences']>;
export type ContactIdentityRow = {
  id: string;
  external_id: string;
  bsuid: string | null;
  opted_in: number | null;
  blocked: number;
  /** Telegram: when the customer blocked the bot (null: not blocked, or not read). */
  blocked_by_user_at?: number | null;
};

export async function insertAudience(db: Executor, row: Omit<AudienceRow, 'member_count' | 'rejected_count'>): Promise<void> {
  await db.insertInto('audiences').values(row).execute();
}

export async function getAudience(db: Executor, id: string): Promise<AudienceRow | undefined> {
  return db.selectFrom('audiences').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listAudiences(db: Executor, limit: number): Promise<AudienceRow[]> {
  return db.selectFrom('audiences').selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
}

export async function finishAudience(
  db: Executor,
  id: string,
  counts: { members: number; rejected: number; report: string },
): Promise<void> {
  await db
    .updateTable('audiences')
    .set({ member_count: counts.members, rejected_count: counts.rejected, report: counts.report })
    .where('id', '=', id)
    .execute();
}

export async function deleteAudience(db: Executor, id: string): Promise<void> {
  await db.deleteFrom('audience_members').where('audience_id', '=', id).execute();
  await db.deleteFrom('audiences').where('id', '=', id).execute();
}

/** WhatsApp contacts whose external id (a wa_id, or a BSUID for contacts known only by it) is one of these. */
export async function contactsByExternalId(db: Executor, ids: readonly string[]): Promise<ContactIdentityRow[]> {
  if (ids.length === 0) return [];
  return db
    .selectFrom('contacts')
    .select(['id', 'external_id', 'bsuid', 'opted_in', 'blocked'])
    .where('channel_kind', '=', 'whatsapp')
    .where('external_id', 'in', [...ids])
    .execute();
}

/** WhatsApp contacts with one of these BSUIDs. */
export async function contactsByBsuid(db: Executor, bsuids: readonly string[]): Promise<ContactIdentityRow[]> {
  if (bsuids.length === 0) return [];
  return db
    .selectFrom('contacts')
    .select(['id', 'external_id', 'bsuid', 'opted_in', 'blocked'])
    .where('channel_kind', '=', 'whatsapp')
    .where('bsuid', 'in', [...bsuids])
    .execute();
}

/** Contacts with one of these Telegram chats (a Telegram contact, or a WhatsApp one merged with it). */
export async function contactsByTelegramChat(
  db: Executor,
  chatIds: readonly string[],
): Promise<Array<ContactIdentityRow & { telegram_chat_id: string | null }>> {
  if (chatIds.length === 0) return [];
  return db
    .selectFrom('contacts')
    .select(['id', 'external_id', 'bsuid', 'opted_in', 'blocked', 'blocked_by_user_at', 'telegram_chat_id'])
    .where('telegram_chat_id', 'in', [...chatIds])
    .execute();
}

/** New contacts for numbers never seen; one another process created meanwhile is kept (no error, not returned). */
export async function insertPhoneContacts(
  db: Executor,
  rows: ReadonlyArray<{ id: string; waId: string; e164: string }>,
  now: number,
): Promise<ContactIdentityRow[]> {
  if (rows.length === 0) return [];
  return db
    .insertInto('contacts')
    .values(
      rows.map((r) => ({
        id: r.id,
        channel_kind: 'whatsapp',
        external_id: r.waId,
        phone_e164: r.e164,
        profile_name: null,
        created_at: now,
        updated_at: now,
      })),
    )
    .onConflict((oc) => oc.columns(['channel_kind', 'external_id']).doNothing())
    .returning(['id', 'external_id', 'bsuid', 'opted_in', 'blocked'])
    .execute();
}

export async function insertMembers(db: Executor, rows: ReadonlyArray<Selectable<Database['audience_members']>>): Promise<void> {
  if (rows.length === 0) return;
  await db
    .insertInto('audience_members')
    .values([...rows])
    .onConflict((oc) => oc.columns(['audience_id', 'contact_id']).doNothing())
    .execute();
}
