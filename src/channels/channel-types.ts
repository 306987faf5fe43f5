/**
 * Channel-neutral shapes: what a channel adapter turns a provider's webhook into, and what the
 * rest of Switchboard asks a channel to send. Provider wire formats stay inside channels/<name>/.
 */

export type InboundKind =
  | 'text'
  | 'image'
  | 'audio'
  | 'video'
  | 'document'
  | 'sticker'
  | 'location'
  | 'contacts'
  | 'interactive_reply' // button_reply / list_reply / nfm_reply
  | 'call_permission_reply' // interactive call_permission_reply (Calling API)
  | 'button' // template quick-reply button
  | 'reaction'
  | 'order'
  | 'system'
  | 'request_welcome'
  | 'edit'
  | 'revoke'
  | 'unsupported';

export interface InboundMedia {
  id: string;
  mimeType?: string;
  sha256?: string;
  caption?: string;
  filename?: string;
  voice?: boolean;
  animated?: boolean;
  url?: string;
}

export interface InboundLocation {
  latitude: number;
  longitude: number;
  name?: string;
  address?: string;
  url?: string;
}

/** One inbound customer message, normalised. `raw` keeps the provider's item untouched. */
export interface InboundMessage {
  channel: 'whatsapp' | 'telegram';
  /** The business number / bot the message was sent to (WhatsApp: phone_number_id). */
  channelAccountId: string;
  /** Provider message id (WhatsApp: wamid). Unique per channel; the dedupe key. */
  externalId: string;
  /** Customer id on the channel (WhatsApp: wa_id digits, or the BSUID when the number is withheld). */
  from: string;
  profileName?: string;
  /**
   * Who sent it, as the provider gave it (not validated: the record checks the formats).
   * WhatsApp: `waId` (from / contacts[].wa_id, absent for username users who hide their number),
   * `userId` (the BSUID: from_user_id / contacts[].user_id), `parentUserId`, `username`.
   */
  sender?: { waId?: string; userId?: string; parentUserId?: string; username?: string };
  /** Epoch milliseconds the customer sent it (provider timestamp). */
  sentAt: number;
  kind: InboundKind;
  /** Provider type string as received (e.g. "pool" for an unsupported type). */
  providerType: string;
  text?: string; // text body, or caption, or reply title, or button text
  media?: InboundMedia;
  location?: InboundLocation;
  contacts?: unknown[];
  /** Interactive / template-button reply. */
  reply?: {
    kind: 'button_reply' | 'list_reply' | 'nfm_reply' | 'button';
    id: string;
    title: string;
    description?: string;
    responseJson?: string;
  };
  reaction?: { messageId: string; emoji: string };
  /** The customer's answer to a call permission request (interactive call_permission_reply). */
  callPermission?: { response: string; permanent?: boolean; expiresAt?: number; source?: string };
  /** A catalog order: the cart as Meta sent it. */
  order?: { catalogId?: string; items: unknown[] };
  /** A system message's own type (user_changed_number, ...) and the new wa_id it names. */
  system?: { type?: string; waId?: string };
  /** The message this one replies to (WhatsApp context.id), and forwarded flags. */
  context?: { messageId?: string; from?: string; forwarded?: boolean; frequentlyForwarded?: boolean; referredProduct?: unknown };
  referral?: Record<string, unknown>;
  errors?: Array<{ code: number; title?: string; message?: string; details?: string }>;
  raw: unknown;
}

export type DeliveryState = 'accepted' | 'sent' | 'delivered' | 'read' | 'played' | 'failed';

export interface StatusUpdate {
  channel: 'whatsapp' | 'telegram';
  channelAccountId: string;
  externalId: string; // the outbound message's id (wamid)
  status: Exclude<DeliveryState, 'accepted'>;
  at: number; // epoch ms
  recipientId?: string;
  errors?: Array<{ code: number; title?: string; message?: string; details?: string }>;
  pricing?: { billable?: boolean; pricingModel?: string; type?: string; category?: string };
  conversation?: { id?: string; originType?: string; expiresAt?: number };
  bizOpaqueCallbackData?: string;
  raw: unknown;
}

export interface TemplateStatusEvent {
  channel: 'whatsapp';
  businessAccountId: string;
  templateId: string;
  name: string;
  language: string;
  event: string; // APPROVED / REJECTED / PAUSED / ...
  reason?: string | null;
  raw: unknown;
}

/** Everything one provider webhook body turns into. Unknown fields land in `other`, never throw. */
export interface ParsedWebhook {
  messages: InboundMessage[];
  statuses: StatusUpdate[];
  templateEvents: TemplateStatusEvent[];
  other: Array<{ field: string; value: unknown }>;
}

/** What Switchboard asks a channel to send. Mirrors the Cloud API types it supports. */
export type OutboundContent =
  | { type: 'text'; text: string; previewUrl?: boolean }
  | {
      type: 'image' | 'video' | 'document' | 'audio' | 'sticker';
      mediaId?: string;
      link?: string;
      caption?: string;
      filename?: string;
      voice?: boolean;
    }
  | { type: 'location'; latitude: number; longitude: number; name?: string; address?: string }
  | { type: 'contacts'; contacts: unknown[] }
  | { type: 'reaction'; messageId: string; emoji: string }
  | { type: 'buttons'; body: string; header?: string; footer?: string; buttons: Array<{ id: string; title: string }> }
  | {
      type: 'list';
      body: string;
      header?: string;
      footer?: string;
      button: string;
      sections: Array<{ title?: string; rows: Array<{ id: string; title: string; description?: string }> }>;
    }
  | { type: 'cta_url'; body: string; header?: string; footer?: string; displayText: string; url: string }
  | { type: 'template'; name: string; language: string; components?: unknown[] };

export interface OutboundRequest {
  to: string; // customer id (WhatsApp: wa_id digits or E.164, or a BSUID when the number is unknown)
  content: OutboundContent;
  replyTo?: string; // external id of the message quoted
  bizOpaqueCallbackData?: string;
}

/** A send's outcome. `retryable` tells the job runner what to do with a failure. */
export type SendResult =
  | { ok: true; externalId: string; recipientId?: string }
  | { ok: false; retryable: boolean; code: string; message: string; httpStatus?: number; retryAfterMs?: number };
