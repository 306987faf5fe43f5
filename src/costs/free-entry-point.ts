import { sql } from 'kysely';
import type { Executor } from '../jobs/job-queue.ts';
import type { Dialect } from '../storage/dialect.ts';

/** Meta: a reply within 24 h to a Click-to-WhatsApp ad / Page button opens a 72 h free entry point window. */
export const ENTRY_POINT_REPLY_MS = 24 * 3600_000;
export const ENTRY_POINT_WINDOW_MS = 72 * 3600_000;

/**
 * When the free entry point window that would cover a message sent now ends, or null. The customer
 * wrote from a Click-to-WhatsApp ad or a Page button (the message carries a `referral` object); the
 * business's first reply within 24 h opens 72 h in which every message is free. No reply yet and
 * still within those 24 h: sending now opens it.
 */
export async function freeEntryPointUntil(
  db: Executor,
  dialect: Dialect,
  channelId: string,
  contactId: string,
  now: number,
): Promise<number | null> {
  // The stored message's own `referral` field (the parser keeps it only when it is an object), read as JSON.
  const hasReferral = dialect.jsonHasObject(sql.ref('m.content'), 'referral');
  const referral = await db
    .selectFrom('messages as m')
    .innerJoin('conversations as c', 'c.id', 'm.conversation_id')
    .select('m.sent_at')
    .where('c.channel_id', '=', channelId)
    .where('c.contact_id', '=', contactId)
    .where('m.direction', '=', 'in')
    .where('m.sent_at', '>', now - ENTRY_POINT_REPLY_MS - ENTRY_POINT_WINDOW_MS)
    .where(hasReferral)
    .orderBy('m.sent_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (!referral) return null;
  const at = Number(referral.sent_at);
  const reply = await db
    .selectFrom('messages as m')
    .innerJoin('conversations as c', 'c.id', 'm.conversation_id')
    .select('m.created_at')
    .where('c.channel_id', '=', channelId)
    .where('c.contact_id', '=', contactId)
    .where('m.direction', '=', 'out')
    .where('m.status', '!=', 'failed')
    .where('m.created_at', '>=', at)
    .orderBy('m.created_at')
    .limit(1)
    .executeTakeFirst();
  const opened = reply ? Number(reply.created_at) : now;
  if (opened > at + ENTRY_POINT_REPLY_MS) return null;
  const until = opened + ENTRY_POINT_WINDOW_MS;
  return now < until ? until : null;
}

export type FreeReason = 'customer_service_window' | 'free_entry_point';

/**
 * Why a message sent now costs nothing, or null: inside a free entry point window every message is
 * free; inside the customer's 24-hour window a free-form (service) message or a UTILITY template
 * is. One rule for the quote (POST /api/v1/costs/estimate) and the recorded `price_estimate`.
 */
export function freeReasonOf(category: string, windowOpen: boolean, entryPointUntil: number | null): FreeReason | null {
  if (entryPointUntil !== null) return 'free_entry_point';
  const c = category.toLowerCase();
  return windowOpen && (c === 'service' || c === 'utility') ? 'customer_service_window' : null;
}
