import { sql } from 'kysely';
import type { ConversationVisibility } from '../auth/visible-conversation-filter.ts';
import { visibilitySql } from '../conversations/conversation-visibility.ts';
import type { Executor } from '../jobs/job-queue.ts';
import { findVisibleContact, optHistory } from './contact-store.ts';
import { contactConversationView, contactView, optEventView } from './contact-views.ts';

/**
 * A contact as GET /api/v1/contacts/:id answers it: the contact, its consent history, and its
 * conversations on every channel (those the caller may see), so a contact merged across
 * channels shows both histories. Undefined when the caller may not see it.
 */
export async function loadContactDetail(db: Executor, id: string, visibility: ConversationVisibility) {
  const c = await findVisibleContact(db, id, visibility);
  if (!c) return undefined;
  let q = db
    .selectFrom('conversations as c')
    .select(['c.id', 'c.channel_id', 'c.status', 'c.last_message_at'])
    // The channel's kind, not the contact's: a merged contact has conversations on both.
    .select(sql<string | null>`(select ch.kind from channels ch where ch.id = c.channel_id)`.as('channel_kind'))
    .where('c.contact_id', '=', id);
  const visible = visibilitySql(visibility, 'c');
  if (visible) q = q.where(visible);
  const conversations = await q.orderBy('c.last_message_at', 'desc').orderBy('c.id', 'desc').limit(100).execute();
  return {
    ...contactView(c),
    opt_in_history: (await optHistory(db, id)).map(optEventView),
    conversations: conversations.map(contactConversationView),
  };
}
