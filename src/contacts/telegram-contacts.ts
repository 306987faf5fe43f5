import { newId } from '../core/ids.ts';
import type { Executor } from '../jobs/job-queue.ts';
import { rawQuery, runRaw } from '../storage/raw-query.ts';
import { CONTACT_SELECT_LIST, insertContactIfAbsent, type ContactRow } from './contact-store.ts';

type TelegramContactRow = ContactRow & { username: string | null; blocked_by_user_at: number | null };

// Hot path (every Telegram update): one probe of the unique index contacts_telegram_chat_id (0032).
const BY_CHAT = rawQuery(`select ${CONTACT_SELECT_LIST} from "contacts" where "telegram_chat_id" = ?`);

/**
 * A Telegram chat's contact: one per chat id (a private chat's id is the user's id), its own
 * contact even when the same person also writes on WhatsApp, until an agent merges the two
 * (POST /api/v1/contacts/:id/merge): then the chat's id is the merged contact's
 * `telegram_chat_id`, and it is found here all the same.
 * Writing to the bot means the user has not blocked it (any earlier block is cleared).
 */
export async function resolveTelegramContact(
  db: Executor,
  input: { chatId: string; profileName?: string; username?: string; now: number },
  retried = false,
): Promise<ContactRow> {
  const [found] = await runRaw<TelegramContactRow>(db, BY_CHAT, [input.chatId]);
  if (found) {
    const patch: { username?: string; blocked_by_user_at?: null; profile_name?: string; updated_at?: number } = {};
    // A merged contact keeps its WhatsApp profile name and username; a Telegram-only one follows Telegram's.
    const own = found.channel_kind === 'telegram';
    if (own && input.profileName && input.profileName !== found.profile_name) patch.profile_name = input.profileName;
    if (own && input.username && found.username !== input.username) patch.username = input.username;
    if (found.blocked_by_user_at !== null) patch.blocked_by_user_at = null;
    if (Object.keys(patch).length === 0) return found;
    patch.updated_at = input.now;
    await db.updateTable('contacts').set(patch).where('id', '=', found.id).execute();
    return { ...found, ...patch };
  }
  const row = {
    id: newId('ct', input.now),
    channel_kind: 'telegram',
    external_id: input.chatId,
    telegram_chat_id: input.chatId,
    phone_e164: null,
    profile_name: input.profileName ?? null,
    username: input.username ?? null,
    created_at: input.now,
    updated_at: input.now,
  };
  // A concurrent ingest (another PostgreSQL process) may have created it first: look again.
  if (await insertContactIfAbsent(db, row)) return row;
  if (retried) throw new Error(`contact for Telegram chat ${input.chatId} could neither be found nor created`);
  return resolveTelegramContact(db, input, true);
}

/** The customer blocked the bot (at) or unblocked it (null). Unknown chats are left alone. */
export async function setBlockedByUser(db: Executor, chatId: string, at: number | null): Promise<string | undefined> {
  const row = await db
    .updateTable('contacts')
    .set({ blocked_by_user_at: at })
    .where('telegram_chat_id', '=', chatId)
    .returning('id')
    .executeTakeFirst();
  return row?.id;
}
