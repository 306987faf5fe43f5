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
  /** The phone number; omitted when the message went to a BSUID and the phone is withheld. */
  recipient_id?: string;
  recipient_user_id?: string;
  recipient_parent_user_id?: string;
  biz_opaque_callback_data?: string;
  conversation?: { id: string; expiration_timestamp?: string; origin: { type: string } };
  pricing?: Pricing;
  errors?: StatusErrorItem[];
}

/**
 * contacts[] item (docs/whatsapp-identity.md): `user_id` always, `wa_id` only when the phone
 * may be shared, `profile.username` when the user has one, `parent_user_id` when the customer
 * has a parent BSUID (linked portfolios).
 */
export interface WebhookContact {
  profile?: { name?: string; username?: string };
  wa_id?: string;
  user_id: string;
  parent_user_id?: string;
}

export function messagesValue(metadata: Metadata, contacts: WebhookContact[] | undefined, messages: unknown[]) {
  return contacts ? { messaging_product: 'whatsapp', metadata, contacts, messages } : { messaging_product: 'whatsapp', metadata, messages };
}

export function messagesChange(metadata: Metadata, contacts: WebhookContact[], messages: unknown[]) {
  return { field: 'messages', value: messagesValue(metadata, contacts, messages) };
}

// Whether one `value` may mix messages[] and statuses[] is UNCONFIRMED: we never mix them.
// Since the 2026 BSUID rollout status values carry contacts[] (user_id, wa_id when shared,
// username on delivered/read), except on `failed` (docs/whatsapp-identity.md).
export function statusesChange(metadata: Metadata, statuses: StatusItem[], contacts: WebhookContact[] = []) {
  const value =
    contacts.length > 0
      ? { messaging_product: 'whatsapp', metadata, contacts, statuses }
      : { messaging_product: 'whatsapp', metadata, statuses };
  return { field: 'messages', value };
}

export function envelope(wabaId: string, changes: unknown[], time?: number) {
  const entry: Record<string, unknown> = { id: wabaId };
  // Non-`messages` fields carry entry[].time (Unix seconds, a number).
  if (time !== undefined) entry.time = time;
  entry.changes = changes;
  return { object: 'whatsapp_business_account', entry: [entry] };
}

export const unixSeconds = (ms: number): string => String(Math.floor(ms / 1000));
