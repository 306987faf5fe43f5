/**
 * What a channel can do, named, so features branch on a capability and never on which channel
 * it is. WhatsApp: https://developers.facebook.com/docs/whatsapp/cloud-api; Telegram:
 * https://core.telegram.org/bots/api (docs/telegram.md compares them).
 */
export interface ChannelCapabilities {
  /** Interactive lists (Telegram: rendered as an inline keyboard). */
  lists: boolean;
  /** Approved message templates exist (and are needed outside the service window). */
  templates: boolean;
  reactions: boolean;
  /** The customer sees our "read" (blue ticks); Telegram bots cannot mark messages read. */
  readReceipts: boolean;
  /** Free-form messages only within 24 hours of the customer's last message (WhatsApp's customer service window). */
  serviceWindow: boolean;
  /** Customers can edit sent messages, and we receive the edit. */
  edits: boolean;
  /**
   * Files can be uploaded (POST /api/v1/media) and sent by the id it returns: to WhatsApp's media
   * endpoint; on Telegram kept by Switchboard and sent with the first message (then by file_id).
   */
  uploads: boolean;
  /** The least time between two messages to one customer (Meta's pair rate: 6 s; Telegram: 1 s per chat). */
  customerGapMs: number;
  /** Meta's messaging tier caps the unique customers reached in 24 h (broadcasts keep within it). */
  messagingTier: boolean;
}

export const CHANNEL_CAPABILITIES: Record<'whatsapp' | 'telegram', ChannelCapabilities> = {
  whatsapp: {
    lists: true,
    templates: true,
    reactions: true,
    readReceipts: true,
    serviceWindow: true,
    edits: true,
    uploads: true,
    customerGapMs: 6000,
    messagingTier: true,
  },
  telegram: {
    lists: true,
    templates: false,
    reactions: true,
    readReceipts: false,
    serviceWindow: false,
    edits: true,
    uploads: true,
    customerGapMs: 1000,
    messagingTier: false,
  },
};

/** A channel row's kind to its capabilities (an unknown kind is treated as WhatsApp, the strictest). */
export function capabilitiesOf(kind: string): ChannelCapabilities {
  return kind === 'telegram' ? CHANNEL_CAPABILITIES.telegram : CHANNEL_CAPABILITIES.whatsapp;
}
