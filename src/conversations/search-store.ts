import { sql, type SqlBool } from 'kysely';
import type { ConversationVisibility } from '../auth/visible-conversation-filter.ts';
import type { Executor } from '../jobs/job-queue.ts';
import { contactNameColumns } from './contact-name-columns.ts';
import { visibilitySql } from './conversation-visibility.ts';
import { containsText } from './text-match.ts';

/** Messages whose text contains q (ignoring case and accents), newest first, in conversations the caller may see. */
export async function searchMessages(db: Executor, q: string, visibility: ConversationVisibility, limit: number) {
  let query = db
    .selectFrom('messages as m')
    .innerJoin('conversations as c', 'c.id', 'm.conversation_id')
    .innerJoin('contacts as ct', 'ct.id', 'c.contact_id')
    .select([
      'm.id',
      'm.conversation_id',
      'm.direction',
      'm.kind',
      'm.text',
      'm.sent_at',
      'c.status',
      'ct.id as contact_id',
      'ct.phone_e164 as contact_phone',
    ])
    .select(contactNameColumns())
    .where(containsText('m.text', q));
  const visible = visibilitySql(visibility, 'c');
  if (visible) query = query.where(visible);
  return query.orderBy('m.seq', 'desc').limit(limit).execute();
}

/**
 * Contacts whose name (the business's or the WhatsApp profile's), phone or WhatsApp id contains
 * q (ignoring case and accents) and who have a conversation the caller may see.
 */
export async function searchContacts(db: Executor, q: string, visibility: ConversationVisibility, limit: number) {
  const visible = visibilitySql(visibility, 'c') ?? sql<SqlBool>`1 = 1`;
  return db
    .selectFrom('contacts as ct')
    .select(['ct.id', 'ct.channel_kind', 'ct.phone_e164', 'ct.external_id', 'ct.bsuid', 'ct.username'])
    .select(contactNameColumns())
    .select(
      sql<
        string | null
      >`(select c.id from conversations c where c.contact_id = ct.id and ${visible} order by c.last_message_at desc limit 1)`.as(
        'latest_conversation_id',
      ),
    )
    .where((eb) =>
      eb.or([
        ...['ct.name', 'ct.profile_name', 'ct.phone_e164', 'ct.external_id', 'ct.username', 'ct.bsuid'].map((column) =>
          containsText(column, q),
        ),
        // A merged contact's Telegram chat id, whole (its unique index; external_id holds its wa_id).
        eb('ct.telegram_chat_id', '=', q),
      ]),
    )
    .where(sql<SqlBool>`exists (select 1 from conversations c where c.contact_id = ct.id and ${visible})`)
    .orderBy('ct.updated_at', 'desc')
    .orderBy('ct.id', 'desc')
    .limit(limit)
    .execute();
}
