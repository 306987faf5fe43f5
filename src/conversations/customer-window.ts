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
