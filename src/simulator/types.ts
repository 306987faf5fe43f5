/**
 * Public types of the simulator's library API. Other modules of Switchboard code their tests
 * against these names; add fields, never rename.
 */
import type { Clock } from '../core/clock.ts';

export interface SimLogger {
  info(obj: unknown, msg?: string): void;
  warn(obj: unknown, msg?: string): void;
  error(obj: unknown, msg?: string): void;
}

export interface WebhookRetryOptions {
  timeoutMs?: number; // default 10_000
  initialDelayMs?: number; // default 1_000
  maxDelayMs?: number; // default 3_600_000
  factor?: number; // default 2
  /** Random spread around each delay, 0..1 (default 0.2 = ±20 %). */
  jitter?: number;
  maxAttempts?: number; // default unlimited (bounded by maxAgeMs)
  maxAgeMs?: number; // default 7 days of simulated time
}

export interface TemplateButton {
  type: string; // QUICK_REPLY | URL | PHONE_NUMBER | COPY_CODE | OTP | FLOW | ...
  text?: string;
  url?: string;
  phone_number?: string;
  example?: string | string[];
  [k: string]: unknown;
}

export interface TemplateComponent {
  type: string; // HEADER | BODY | FOOTER | BUTTONS (case-insensitive on create)
  format?: string; // HEADER: TEXT | IMAGE | VIDEO | DOCUMENT | LOCATION
  text?: string;
  example?: Record<string, unknown>;
  buttons?: TemplateButton[];
  [k: string]: unknown;
}

/** A POST /message_templates body (also what reviewTemplate() judges). */
export interface TemplateRequest {
  name?: unknown;
  language?: unknown;
  category?: unknown;
  parameter_format?: unknown;
  components?: unknown;
  [k: string]: unknown;
}

export interface TemplateSeed {
  name: string;
  language: string;
  category: 'MARKETING' | 'UTILITY' | 'AUTHENTICATION' | string;
  components: TemplateComponent[];
  parameter_format?: 'POSITIONAL' | 'NAMED' | 'positional' | 'named';
  /** Default APPROVED. */
  status?: string;
}

export interface SimTemplate {
  id: string;
  name: string;
  language: string;
  category: string;
  parameter_format: 'POSITIONAL' | 'NAMED';
  components: TemplateComponent[];
  status: string;
  reason?: string | null;
  rejection_info?: { reason: string; recommendation: string };
  createdAt: number;
}

export interface SimulatorOptions {
  port?: number;
  host?: string;
  accessToken: string;
  appSecret: string;
  verifyToken: string;
  /** Token the /_sim test API requires (16-200 URL-safe characters); generated per start when absent. */
  testToken?: string;
  webhookUrl?: string;
  phoneNumberId?: string;
  displayPhoneNumber?: string;
  wabaId?: string;
  /**
   * "Now" for the simulator. When it can advance (FakeClock, OffsetClock), POST /_sim/clock/advance
   * and advanceTime() move it, so an app given the same clock sees the same time.
   */
  clock?: Clock;
  statusDelaysMs?: { sent?: number; delivered?: number; read?: number };
  readProbability?: number;
  /** Deliver each message's statuses in reverse order (read, delivered, sent): Meta does not guarantee order. */
  outOfOrder?: boolean;
  /** Put the legacy `conversation` object on statuses (v23 and lower do; v24+ omit it). Default true. */
  includeConversation?: boolean;
  throughputPerSecond?: number;
  pairRateLimit?: { perSeconds: number; burst: number } | false;
  webhookRetry?: WebhookRetryOptions;
  batch?: { maxItems: number; windowMs: number } | false;
  /** Concurrent webhook deliveries in flight (default 64). */
  webhookConcurrency?: number;
  templateReviewDelayMs?: number;
  seedTemplates?: TemplateSeed[];
  unregisteredNumbers?: string[];
  /**
   * Customers at Meta's per-user marketing limit: a MARKETING template to them is accepted, then
   * fails with 131049 ("healthy ecosystem engagement") in its status callback. Other sends go through.
   */
  marketingLimitedNumbers?: string[];
  /** Cap of each in-memory log (outbound records, deliveries, inbound index). Default 10_000. */
  maxLogEntries?: number;
  logger?: SimLogger;
}

export interface VerifyResult {
  ok: boolean;
  status?: number;
  body?: string;
  error?: string;
}

export type SimOutboundStatus = 'accepted' | 'sent' | 'delivered' | 'read' | 'failed';

export interface RenderedTemplate {
  name: string;
  language: string;
  category: string;
  header?: { format: string; text?: string; media?: { id?: string; link?: string; filename?: string }; location?: Record<string, unknown> };
  body: string;
  footer?: string;
  buttons: Array<{ index: number; type: string; text: string; payload?: string; url?: string; phone_number?: string; code?: string }>;
}

export interface SimOutbound {
  wamid: string;
  /** `to` (or `recipient`, for a BSUID send) exactly as the business sent it. */
  to: string;
  waId: string;
  /** Set when the business addressed the customer by BSUID (`recipient`) rather than `to`. */
  recipientUserId?: string;
  type: string;
  /** The request JSON as received. */
  // biome-ignore lint/suspicious/noExplicitAny: whatever the business sent; tests and scripts read it freely
  body: any;
  /** Best-effort readable text (text body, caption, interactive body, rendered template body). */
  text?: string;
  acceptedAt: number;
  /** Live: updated in place as statuses are emitted (the highest state reached; `failed` is final). */
  status: SimOutboundStatus;
  error?: { code: number; title: string };
  /** Pricing category (`service`, `marketing`, `utility`, `authentication`). */
  category: string;
  template?: RenderedTemplate;
  /** context.message_id of the send, when it quoted a message. */
  contextId?: string;
}

export interface SimInbound {
  wamid: string;
  waId: string;
  type: string;
  /** The `messages[]` item exactly as put in the webhook. */
  item: Record<string, unknown>;
  at: number;
  profileName: string;
  readByBusiness: boolean;
}

export type SimConversationEntry = ({ direction: 'out' } & SimOutbound) | ({ direction: 'in' } & SimInbound);

export interface SimDelivery {
  deliveryId: number;
  attempt: number;
  field: string;
  itemCount: number;
  url: string;
  /** Simulator-clock ms when the attempt started. */
  at: number;
  body: string;
  signature: string;
  status?: number;
  error?: string;
  /** First 500 characters of a non-200 response body, to show what the receiver complained about. */
  responseBody?: string;
  durationMs: number;
  ok: boolean;
  /** What happens next: nothing (delivered), another attempt, or none ever (gave up). */
  outcome: 'delivered' | 'retry_scheduled' | 'gave_up';
}

export interface InboundMediaSpec {
  /** A media id already in the simulator's media store. */
  id?: string;
  /** Bytes to store (library API); or base64 in `data_base64` (HTTP API). */
  data?: Uint8Array;
  data_base64?: string;
  mime_type?: string;
  caption?: string;
  filename?: string;
  voice?: boolean;
  animated?: boolean;
}

interface InboundCommon {
  context?: { id: string; from?: string; forwarded?: boolean; frequently_forwarded?: boolean };
  referral?: Record<string, unknown>;
}

/** A Meta inbound `messages[]` item minus from/id/timestamp. */
export type InboundSpec = InboundCommon &
  (
    | { type: 'text'; text: { body: string } }
    | { type: 'image'; image: InboundMediaSpec }
    | { type: 'audio'; audio: InboundMediaSpec }
    | { type: 'video'; video: InboundMediaSpec }
    | { type: 'document'; document: InboundMediaSpec }
    | { type: 'sticker'; sticker: InboundMediaSpec }
    | { type: 'location'; location: { latitude: number; longitude: number; name?: string; address?: string; url?: string } }
    | { type: 'contacts'; contacts: Array<Record<string, unknown>> }
    | {
        type: 'interactive';
        interactive:
          | { type: 'button_reply'; button_reply: { id: string; title: string } }
          | { type: 'list_reply'; list_reply: { id: string; title: string; description?: string } }
          | { type: 'nfm_reply'; nfm_reply: { name: string; body: string; response_json: string } };
      }
    | { type: 'button'; button: { payload: string; text: string } }
    | { type: 'reaction'; reaction: { message_id: string; emoji: string } }
    | { type: 'order'; order: Record<string, unknown> }
    | { type: 'request_welcome' }
    | { type: 'unsupported'; unsupported?: { type: string } }
  );

export interface MediaSendOptions {
  mimeType?: string;
  caption?: string;
  filename?: string;
  replyTo?: string;
}

export interface SimCustomerIdentity {
  username?: string | null;
  hidePhone?: boolean;
  /**
   * A parent BSUID (`US.ENT.…`, linked business portfolios; docs/whatsapp-identity.md): sent as
   * `parent_user_id` / `from_parent_user_id` / `recipient_parent_user_id`. null removes it.
   */
  parentUserId?: string | null;
}

export interface SimCustomer {
  readonly waId: string;
  readonly profileName: string;
  /** The customer's business-scoped user ID (BSUID), e.g. `US.13491208655302741918`. */
  readonly userId: string;
  readonly username: string | undefined;
  /**
   * Send an inbound message. Resolves with the wamid once the webhook was enqueued and its first
   * delivery attempt finished (whatever its outcome: retries continue in the background; see
   * sim.deliveries()). Resolves right after enqueueing when no webhook URL is configured.
   */
  sendText(body: string, opts?: { replyTo?: string }): Promise<string>;
  send(message: InboundSpec): Promise<string>;
  sendImage(data: Uint8Array, opts?: MediaSendOptions): Promise<string>;
  sendAudio(data: Uint8Array, opts?: MediaSendOptions & { voice?: boolean }): Promise<string>;
  sendVideo(data: Uint8Array, opts?: MediaSendOptions): Promise<string>;
  sendDocument(data: Uint8Array, opts?: MediaSendOptions): Promise<string>;
  sendSticker(data: Uint8Array, opts?: MediaSendOptions & { animated?: boolean }): Promise<string>;
  sendLocation(loc: { latitude: number; longitude: number; name?: string; address?: string; url?: string }): Promise<string>;
  sendContacts(contacts: Array<Record<string, unknown>>): Promise<string>;
  /** Tap a reply button of an interactive business message (by button id). */
  replyButton(businessWamid: string, buttonId: string): Promise<string>;
  /** Pick a row of an interactive list business message (by row id). */
  replyList(businessWamid: string, rowId: string): Promise<string>;
  /** Tap a template quick-reply button, found by its payload or its text. */
  tapTemplateButton(businessWamid: string, payloadOrText: string): Promise<string>;
  /** React to a message (emoji "" removes the reaction). */
  react(wamid: string, emoji: string): Promise<string>;
  /** Messages the business sent to this customer that reach the phone (not the ones failing by policy). */
  received(): SimOutbound[];
  /** Both directions, oldest first (bounded history). */
  conversation(): SimConversationEntry[];
  /**
   * The first received message matching `pred` that no earlier waitForMessage() call returned,
   * waiting for it if needed (so successive calls walk the conversation). Default timeout 5000 ms.
   */
  waitForMessage(pred?: (m: SimOutbound) => boolean, timeoutMs?: number): Promise<SimOutbound>;
  /** The customer reads `wamid` (or every business message): emits `read` statuses not yet sent. */
  read(wamid?: string): void;
}

export interface SimTemplatesApi {
  list(): SimTemplate[];
  get(name: string, language: string): SimTemplate | undefined;
  setStatus(name: string, language: string, status: string, reason?: string): Promise<void>;
  create(seed: TemplateSeed): SimTemplate;
}

export interface Simulator {
  readonly url: string;
  readonly graphBaseUrl: string;
  /** The phone page with the test token (`/phone?token=…`): opening it lets the page use /_sim. */
  readonly phonePageUrl: string;
  /** Required by the /_sim test API (`Authorization: Bearer` or `x-sim-token`). */
  readonly testToken: string;
  readonly phoneNumberId: string;
  readonly wabaId: string;
  readonly displayPhoneNumber: string;
  readonly webhookUrl: string | undefined;
  readonly webhookVerified: boolean;
  setWebhookUrl(url: string): Promise<VerifyResult>;
  verifyWebhook(): Promise<VerifyResult>;
  /**
   * A simulated customer (created if new). `username` gives them a WhatsApp username; with
   * `hidePhone` their number is withheld from webhooks under Meta's rules (docs/whatsapp-identity.md).
   */
  customer(waId: string, profileName?: string, identity?: SimCustomerIdentity): SimCustomer;
  outbound(): SimOutbound[];
  waitForOutbound(pred: (m: SimOutbound) => boolean, timeoutMs?: number): Promise<SimOutbound>;
  inbound(): SimInbound[];
  deliveries(): SimDelivery[];
  drainWebhooks(timeoutMs?: number): Promise<void>;
  now(): number;
  advanceTime(ms: number): void;
  /** How often the business looked a media id up (GET /{media-id}) and downloaded its URL. */
  mediaCalls(mediaId: string): { lookups: number; downloads: number };
  templates: SimTemplatesApi;
  close(): Promise<void>;
}
