import type { Condition } from './condition.ts';
import type { EscapeRule } from './escape-words.ts';

/**
 * A flow document (JSON or YAML), as validated by schemas/flow.schema.json. Blocks are keyed by
 * id and connected by named exits (`exits: { next: "ask_name" }`), so a block's outcomes are
 * explicit and a validator can check every one of them.
 */
export interface FlowDocument {
  id: string;
  name: string;
  description?: string;
  start: string;
  triggers?: FlowTrigger[];
  /** Initial session variables. */
  variables?: Record<string, unknown>;
  /** Time rules: re-engagement, business hours, session expiry (defaults in flow-time.ts). */
  settings?: FlowSettings;
  /** Keywords that interrupt any waiting question (escape-words.ts). */
  escapes?: EscapeRule[];
  blocks: Record<string, Block>;
}

export interface FlowSettings {
  reengagement?: {
    enabled?: boolean; // default false
    delay_minutes?: number; // 30 to 1380 (23 h), default 120
    message?: string; // default DEFAULT_REENGAGE_MESSAGE (flow-time.ts)
    yes?: string; // button title, default "Yes, continue"
    no?: string; // button title, default "No, thanks"
  };
  /** Re-engagement is only sent inside these hours; default 08:00-19:00 every day in BUSINESS_TIMEZONE. */
  business_hours?: { start?: string; end?: string; timezone?: string; days?: number[] };
  /** A session waiting this long for the customer expires (default 1440 = 24 h). */
  session_timeout_minutes?: number;
}

export type FlowTrigger =
  | { type: 'keyword' | 'exact'; value: string; channel?: string }
  | { type: 'regex'; value: string; channel?: string }
  | { type: 'default'; channel?: string }
  /** A quick-reply button of a template: the template's name and the button's payload (default "continue"). */
  | { type: 'template_button'; template: string; payload?: string; channel?: string };

/** What a send block (and a few others) put on the wire; exactly one key. */
export type MessageSpec =
  | { text: string }
  | { media: { type: 'image' | 'video' | 'document' | 'audio'; url: string; caption?: string; filename?: string } }
  | { location: { latitude: number; longitude: number; name?: string; address?: string } }
  | { buttons: { body: string; header?: string; footer?: string; buttons: Array<{ id: string; title: string }> } }
  | {
      list: {
        body: string;
        button: string;
        header?: string;
        footer?: string;
        sections: Array<{ title?: string; rows: Array<{ id: string; title: string; description?: string }> }>;
      };
    }
  | { cta_url: { body: string; display_text: string; url: string; header?: string; footer?: string } };

export type Exits = Record<string, string>;

export interface SendBlock {
  type: 'send';
  message: MessageSpec;
  exits?: Exits; // next
}

export type AskKind = 'text' | 'email' | 'phone' | 'number' | 'date' | 'choice' | 'location' | 'image' | 'document';

export interface AskBlock {
  type: 'ask';
  kind: AskKind;
  prompt: string;
  /** Session variable the (normalised) answer is stored in. */
  variable: string;
  reprompt?: string;
  max_retries?: number; // default 2: three tries in all
  min?: number; // number
  max?: number; // number
  min_length?: number; // text
  max_length?: number; // text
  format?: string; // date: YYYY-MM-DD (default), DD/MM/YYYY, MM/DD/YYYY, DD-MM-YYYY
  default_country?: string; // phone: ISO 3166 alpha-2
  options?: Array<{ id: string; title: string; description?: string }>; // choice
  /** choice: options read from a list in a variable (validate-answer-rules.ts / choice-options.ts). */
  /** `exit`: a JSON path to the item field that names its exit (default: the option id). */
  options_from?: { var: string; id: string; title: string; description?: string; exit?: string };
  pattern?: string; // text: a regular expression the answer must match
  pattern_reprompt?: string; // text: sent when the pattern does not match (default: reprompt)
  integer?: boolean; // number: whole numbers only
  min_date?: string; // date: YYYY-MM-DD or "today"
  max_date?: string; // date: YYYY-MM-DD or "today"
  future?: boolean; // date: after today
  within_days?: number; // date: at most this many days after today
  business_days?: boolean; // date: only on settings.business_hours.days
  style?: 'buttons' | 'list'; // choice; default buttons up to 3 options, list above
  button?: string; // choice as list: the list's button text
  exits?: Exits; // next, gave_up, and per-option ids for choice (options_from: ids or `exit` values from the data)
}

export interface SetBlock {
  type: 'set';
  /** "session.x" | "result.x" | "contact.attributes.x" -> value (strings are interpolated). */
  values: Record<string, unknown>;
  exits?: Exits;
}

export interface ConditionBlock {
  type: 'condition';
  if: Condition;
  exits: Exits; // then, else
}

export interface HttpBlock {
  type: 'http';
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  headers?: Record<string, string>;
  body?: { json: unknown } | { form: Record<string, string> };
  timeout_ms?: number; // default 10000
  retries?: number; // default 0
  /** session variable -> JSON path into the response body ($.id, $.items[0].name). */
  response?: Record<string, string>;
  /** Session variable that receives the HTTP status. */
  status_variable?: string;
  exits: Exits; // success, error, timeout
}

export interface WaitBlock {
  type: 'wait';
  seconds?: number;
  minutes?: number;
  hours?: number;
  days?: number;
  exits?: Exits;
}

export interface HandoffBlock {
  type: 'handoff';
  team?: string;
  message?: string;
  exits?: Exits; // next (optional: without it the session ends succeeded, reason handed_off)
}

/** Links the conversation to a record in the business's system (shown in the inbox, fed to the AI). */
export interface LinkBlock {
  type: 'link';
  record_type: string;
  record_id: string;
  url?: string;
  title?: string;
  attributes?: Record<string, unknown>;
  exits?: Exits;
}

export interface JumpBlock {
  type: 'jump';
  flow: string;
}

export interface EndBlock {
  type: 'end';
  status: 'succeeded' | 'failed';
  reason?: string;
  result?: Record<string, unknown>;
  message?: string;
}

/** Sends an approved template (also outside the 24-hour window); may wait for its quick-reply button. */
export interface TemplateBlock {
  type: 'template';
  name: string;
  language?: string;
  /** Positional list or named object, as POST /api/v1/conversations takes them (strings interpolated). */
  parameters?: unknown;
  /** Send to this phone (E.164, interpolated) instead of the session's contact: a vendor, a manager. */
  to?: string;
  /** Wait for the customer's button: `continue` payload (or any other reply) -> next, `cancel` payload -> cancel. */
  wait_for_button?: boolean;
  payloads?: { continue?: string; cancel?: string };
  exits?: Exits; // next, cancel, error
}

/** Fire-and-forget signed POST to the business's systems, retried like event webhooks. */
export interface WebhookBlock {
  type: 'webhook';
  url: string;
  /** The `data` of the payload (interpolated); default: the session variables. */
  body?: unknown;
  /** Named in the payload's `event` field and the switchboard-event-type header suffix. */
  event?: string;
  /** HMAC secret (may be {{...}}); default FLOW_WEBHOOK_SECRET. */
  secret?: string;
  exits?: Exits; // next
}

/** Classifies the customer's text among intents given by example phrases (offline). */
export interface IntentBlock {
  type: 'intent';
  intents: Record<string, string[]>;
  /** Ask this first and classify the answer; without it the current message is classified. */
  prompt?: string;
  threshold?: number; // 0..1, default 0.4
  variable?: string; // default "intent"
  exits: Exits; // one per intent, low_confidence
}

/** Hands the turn to the AI assistant (src/ai): it answers the message that brought the session here. */
export interface AiReplyBlock {
  type: 'ai_reply';
  instructions?: string;
  /** The question (interpolated); default: the message that brought the session here. */
  question?: string;
  /** Where the answer goes (default `ai_answer`); the reason of a hand-off or unavailability is `session.ai_error`. */
  variable?: string;
  /** Send the answer to the customer (default true); false only stores it. */
  send?: boolean;
  /** The model for this block (default: the number's, else AI_MODEL); on the offline default, ignored. */
  model?: string;
  /** A named endpoint of the configuration's `aiEndpoints`, `default` or `offline` (default: the number's). */
  endpoint?: string;
  exits: Exits; // answered (or next), handoff, unavailable
}

export type Block =
  | SendBlock
  | AskBlock
  | SetBlock
  | ConditionBlock
  | HttpBlock
  | WaitBlock
  | HandoffBlock
  | LinkBlock
  | JumpBlock
  | EndBlock
  | TemplateBlock
  | WebhookBlock
  | IntentBlock
  | AiReplyBlock;
export type BlockType = Block['type'];

/** The exits each block type may name; the validator rejects others. */
export const BLOCK_EXITS: Record<BlockType, readonly string[]> = {
  send: ['next'],
  ask: ['next', 'gave_up'],
  set: ['next'],
  condition: ['then', 'else'],
  http: ['success', 'error', 'timeout'],
  wait: ['next'],
  handoff: ['next'],
  link: ['next'],
  jump: [],
  end: [],
  template: ['next', 'cancel', 'error'],
  webhook: ['next'],
  intent: ['low_confidence'], // plus one exit per intent name
  ai_reply: ['answered', 'handoff', 'unavailable', 'next'],
};

/** A problem in a document, pointing at the block and field to fix. */
export interface FlowProblem {
  block: string | null;
  field: string | null;
  path: string; // JSON pointer into the document
  message: string;
}
