import { sql } from 'kysely';
import type { Executor } from '../jobs/job-queue.ts';
import { newId } from '../core/ids.ts';

export type ConversationStatus = 'active' | 'archived' | 'closed';

export interface ConversationRow {
  id: string;
  channel_id: string;
  contact_id: string;
  status: string;
  last_customer_message_at: number | null;
  last_message_at: number;
  last_message_preview: string | null;
  unread_count: number;
  created_at: number;
  updated_at: number;
}

/**
 * The open conversation for a number and contact. An archived one reopens when the customer
 * writes; a closed one stays closed and a new conversation starts (PRODUCT.md).
 */
export async function openConversation(db: Executor, input: { channelId: string; contactId: string; now: number }): Promise<ConversationRow> {
  const open = await db
    .selectFrom('conversations')
    .selectAll()
    .where('channel_id', '=', input.channelId)
    .where('contact_id', '=', input.contactId)
    .where('status', '<>', 'closed')
    .executeTakeFirst();
  if (open) {
    if (open.status === 'archived') {
      await db.updateTable('conversations').set({ status: 'active', updated_at: input.now }).where('id', '=', open.id).execute();
      return { ...open, status: 'active', updated_at: input.now };
    }
    return open;
  }
  const row: ConversationRow = {
    id: newId('conv', input.now),
    channel_id: input.channelId,
    contact_id: input.contactId,
    status: 'active',
    last_customer_message_at: null,
    last_message_at: input.now,
    last_message_preview: null,
    unread_count: 0,
    created_at: input.now,
    updated_at: input.now,
  };
  await db.insertInto('conversations').values(row).onConflict((oc) => oc.columns(['channel_id', 'contact_id']).where('status', '<>', sql.lit('closed')).doNothing()).execute();
  return db
    .selectFrom('conversations')
    .selectAll()
    .where('channel_id', '=', input.channelId)
    .where('contact_id', '=', input.contactId)
    .where('status', '<>', 'closed')
    .executeTakeFirstOrThrow();
}

/** Records a customer message on the conversation: window, preview, unread count. */
export async function noteInbound(db: Executor, conversationId: string, input: { sentAt: number; preview: string | null; now: number }): Promise<void> {
  await db
    .updateTable('conversations')
    .set((eb) => ({
      // Meta may deliver an older message late: the window follows the newest one.
      last_customer_message_at: eb.fn.coalesce(
        eb.case().when('last_customer_message_at', '>', input.sentAt).then(eb.ref('last_customer_message_at')).else(eb.val(input.sentAt)).end(),
        eb.val(input.sentAt),
      ),
      last_message_at: input.now,
      last_message_preview: input.preview,
      unread_count: eb('unread_count', '+', 1),
      updated_at: input.now,
    }))
    .where('id', '=', conversationId)
    .execute();
}

export async function noteOutbound(db: Executor, conversationId: string, input: { preview: string | null; now: number }): Promise<void> {
  await db
    .updateTable('conversations')
    .set({ last_message_at: input.now, last_message_preview: input.preview, updated_at: input.now })
    .where('id', '=', conversationId)
    .execute();
}
