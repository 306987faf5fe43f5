import type { ChannelCapabilities } from './channel-capabilities.ts';
import type { OutboundRequest, SendResult } from './channel-types.ts';

/**
 * One account on one messaging channel (a WhatsApp business number, a Telegram bot), seen by the
 * rest of Switchboard only through what it can send and acknowledge.
 *
 * Deliberately outside this contract:
 * - Inbound traffic. Webhook verification and parsing are pure functions next to each adapter
 *   (e.g. `verifyWhatsAppSignature`, `parseWhatsAppWebhook`) because intake must store the raw
 *   event before it answers, and that happens before any adapter is chosen.
 * - Retries, backoff, rate limiting and idempotency. `send` makes exactly one attempt and says,
 *   through `SendResult.retryable` / `retryAfterMs`, what the job runner should do next. A timeout
 *   may hide an accepted message; the outbox records intent before calling `send`.
 * - Policy such as the 24-hour customer-service window or template approval: the provider
 *   enforces it and the adapter reports the outcome, it does not pre-judge it.
 * - Provider-specific extras (media upload/download, template management). Concrete adapters
 *   expose them as methods; feature code that needs them asks for the concrete type explicitly.
 * - Content validation beyond what is needed to build a request (lengths, counts): the provider
 *   is the authority and its error codes come back in `SendResult`.
 */
export interface ChannelAdapter {
  readonly channel: 'whatsapp' | 'telegram';
  /** The account messages are sent from. WhatsApp: phone_number_id. */
  readonly accountId: string;
  /** What this channel can render; callers branch on these, never on `channel`. */
  readonly capabilities: ChannelCapabilities;
  /** One attempt to hand a message to the provider. Never throws for provider or network failures. */
  send(req: OutboundRequest): Promise<SendResult>;
  /** Mark an inbound message (and all earlier ones) as read; optionally show a typing indicator. */
  markRead(externalMessageId: string, opts?: { typing?: boolean }): Promise<SendResult | { ok: true }>;
  /** Finish in-flight requests and release connections. Sends after close fail as retryable. */
  close(): Promise<void>;
}
