import { sql, type SqlBool } from 'kysely';
import type { ConversationVisibility } from '../auth/visible-conversation-filter.ts';
import type { Executor } from '../jobs/job-queue.ts';
import type { DialectName } from '../storage/dialect-name.ts';
import { visibilitySql } from './conversation-visibility.ts';
import { containsText } from './text-match.ts';

/** Messages whose text contains q, newest first, in conversations the caller may see. */
export async function searchMessages(db: Executor, dialect: DialectName, q: string, visibility: ConversationVisibility, limit: number) {
  let query = db
    .selectFrom('messages as m')
    .innerJoin('conversations as c', 'c.id', 'm.conversation_id')
    .innerJoin('contacts as ct', 'ct.id', 'c.contact_id')
    .select(['m.id', 'm.conversation_id', 'm.direction', 'm.kind', 'm.text', 'm.sent_at', 'c.status', 'ct.id as contact_id', 'ct.profile_name as contact_name', 'ct.phone_e164 as contact_phone'])
    .where(containsText(dialect, 'm.text', q));
  const visible = visibilitySql(visibility, 'c');
  if (visible) query = query.where(visible);
  return query.orderBy('m.seq', 'desc').limit(limit).execute();
}

/** Contacts whose name, phone or WhatsApp id contains q and who have a conversation the caller may see. */
export async function searchContacts(db: Executor, dialect: DialectName, q: string, visibility: ConversationVisibility, limit: number) {
  const visible = visibilitySql(visibility, 'c') ?? sql<SqlBool>`1 = 1`;
  return db
    .selectFrom('contacts as ct')
    .select([
      'ct.id',
      'ct.profile_name',
      'ct.phone_e164',
      'ct.external_id',
      sql<string | null>`(select c.id from conversations c where c.contact_id = ct.id and ${visible} order by c.last_message_at desc limit 1)`.as('latest_conversation_id'),
    ])
    .where((eb) => eb.or([containsText(dialect, 'ct.profile_name', q), containsText(dialect, 'ct.phone_e164', q), containsText(dialect, 'ct.external_id', q)]))
    .where(sql<SqlBool>`exists (select 1 from conversations c where c.contact_id = ct.id and ${visible})`)
    .orderBy('ct.updated_at', 'desc')
    .orderBy('ct.id', 'desc')
    .limit(limit)
    .execute();
}
