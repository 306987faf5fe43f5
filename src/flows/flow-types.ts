import type { Condition } from './condition.ts';

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
  blocks: Record<string, Block>;
}

export type FlowTrigger =
  | { type: 'keyword' | 'exact'; value: string; channel?: string }
  | { type: 'regex'; value: string; channel?: string }
  | { type: 'default'; channel?: string };

/** What a send block (and a few others) put on the wire; exactly one key. */
export type MessageSpec =
  | { text: string }
  | { media: { type: 'image' | 'video' | 'document' | 'audio'; url: string; caption?: string; filename?: string } }
  | { location: { latitude: number; longitude: number; name?: string; address?: string } }
  | { buttons: { body: string; header?: string; footer?: string; buttons: Array<{ id: string; title: string }> } }
  | { list: { body: string; button: string; header?: string; footer?: string; sections: Array<{ title?: string; rows: Array<{ id: string; title: string; description?: string }> }> } }
  | { cta_url: { body: string; display_text: string; url: string; header?: string; footer?: string } };

export type Exits = Record<string, string>;

export interface SendBlock {
  type: 'send';
  message: MessageSpec;
  exits?: Exits; // next
}

export type AskKind = 'text' | 'email' | 'phone' | 'number' | 'date' | 'choice';

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
  style?: 'buttons' | 'list'; // choice; default buttons up to 3 options, list above
  button?: string; // choice as list: the list's button text
  exits?: Exits; // next, gave_up, and per-option ids for choice
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

export type Block = SendBlock | AskBlock | SetBlock | ConditionBlock | HttpBlock | WaitBlock | HandoffBlock | LinkBlock | JumpBlock | EndBlock;
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
};

/** A problem in a document, pointing at the block and field to fix. */
export interface FlowProblem {
  block: string | null;
  field: string | null;
  path: string; // JSON pointer into the document
  message: string;
}
