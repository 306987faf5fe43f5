import type { Executor } from '../jobs/job-queue.ts';
import { type ContactRow, upsertContact } from './contact-store.ts';

/**
 * A Telegram chat's contact: one per chat id (a private chat's id is the user's id), its own
 * contact even when the same person also writes on WhatsApp (an agent may merge the two).
 * Writing to the bot means the user has not blocked it (any earlier block is cleared).
 */
export async function resolveTelegramContact(
  db: Executor,
  input: { chatId: string; profileName?: string; username?: string; now: number },
): Promise<ContactRow> {
  const contact = await upsertContact(db, {
    channelKind: 'telegram',
    externalId: input.chatId,
    ...(input.profileName ? { profileName: input.profileName } : {}),
    now: input.now,
  });
  const patch: { username?: string; blocked_by_user_at?: null } = {};
  const row = contact as ContactRow & { username?: string | null; blocked_by_user_at?: number | null };
  if (input.username && row.username !== input.username) patch.username = input.username;
  if (row.blocked_by_user_at !== null && row.blocked_by_user_at !== undefined) patch.blocked_by_user_at = null;
  if (Object.keys(patch).length > 0) await db.updateTable('contacts').set(patch).where('id', '=', contact.id).execute();
  return contact;
}

/** The customer blocked the bot (at) or unblocked it (null). Unknown chats are left alone. */
export async function setBlockedByUser(db: Executor, chatId: string, at: number | null): Promise<string | undefined> {
  const row = await db
    .updateTable('contacts')
    .set({ blocked_by_user_at: at })
    .where('channel_kind', '=', 'telegram')
    .where('external_id', '=', chatId)
    .returning('id')
    .executeTakeFirst();
  return row?.id;
}
