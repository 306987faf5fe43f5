import type { Pricing } from './pricing.ts';
import type { StatusErrorItem } from './errors.ts';

/** Envelope builders: the only place that knows Meta's webhook JSON layout (reference §1.2, §3, §4). */
export interface Metadata {
  display_phone_number: string;
  phone_number_id: string;
}

export interface StatusItem {
  id: string;
  status: 'sent' | 'delivered' | 'read' | 'failed';
  timestamp: string;
  recipient_id: string;
  biz_opaque_callback_data?: string;
  conversation?: { id: string; expiration_timestamp?: string; origin: { type: string } };
  pricing?: Pricing;
  errors?: StatusErrorItem[];
}

export function messagesChange(metadata: Metadata, contacts: Array<{ profile: { name: string }; wa_id: string }>, messages: unknown[]) {
  return { field: 'messages', value: { messaging_product: 'whatsapp', metadata, contacts, messages } };
}

// Whether one `value` may mix messages[] and statuses[] is UNCONFIRMED: we never mix them.
// Status values carry no contacts[] (absent from Meta's status syntax; UNCONFIRMED either way).
export function statusesChange(metadata: Metadata, statuses: StatusItem[]) {
  return { field: 'messages', value: { messaging_product: 'whatsapp', metadata, statuses } };
}

export function envelope(wabaId: string, changes: unknown[], time?: number) {
  const entry: Record<string, unknown> = { id: wabaId };
  // Non-`messages` fields carry entry[].time (Unix seconds, a number).
  if (time !== undefined) entry.time = time;
  entry.changes = changes;
  return { object: 'whatsapp_business_account', entry: [entry] };
}

export const unixSeconds = (ms: number): string => String(Math.floor(ms / 1000));
