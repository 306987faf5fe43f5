export const CUSTOMER_WINDOW_MS = 24 * 60 * 60 * 1000;

export type WindowState = { open: true; closesAt: number } | { open: false; closedAt: number | null };

/**
 * Can a free-form message go to this customer now, and until when. WhatsApp opens a 24-hour
 * customer-service window at each customer message; outside it only templates may be sent.
 */
export function customerWindow(lastCustomerMessageAt: number | null, now: number): WindowState {
  if (lastCustomerMessageAt === null) return { open: false, closedAt: null };
  const closesAt = lastCustomerMessageAt + CUSTOMER_WINDOW_MS;
  return now < closesAt ? { open: true, closesAt } : { open: false, closedAt: closesAt };
}

/** The customer-service window of one number and one contact, for any caller (API, flows, web app). */
export interface FreeFormWindow {
  open: boolean;
  /** When the open window closes (epoch ms); null when closed. */
  until: number | null;
  /** When it closed; null when open or when the customer never wrote on this number. */
  closedAt: number | null;
}

/**
 * "Can this channel send a free-form message to this contact now, and until when." The window
 * follows the customer's latest message on the number, across that contact's conversations
 * (a closed conversation's last message still opens the window of the next).
 */
export async function canSendFreeForm(
  db: import('../jobs/job-queue.ts').Executor,
  who: { channelId: string; contactId: string },
  now: number,
): Promise<FreeFormWindow> {
  const row = await db
    .selectFrom('conversations')
    .select((eb) => eb.fn.max('last_customer_message_at').as('last'))
    .where('channel_id', '=', who.channelId)
    .where('contact_id', '=', who.contactId)
    .executeTakeFirst();
  const last = row?.last === null || row?.last === undefined ? null : Number(row.last);
  const w = customerWindow(last, now);
  return w.open ? { open: true, until: w.closesAt, closedAt: null } : { open: false, until: null, closedAt: w.closedAt };
}
