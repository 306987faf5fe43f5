import type { OutboundContent } from '../channels/channel-types.ts';
import { assertNever } from '../core/assert-never.ts';
import { evaluateCondition } from './condition.ts';
import { interpolate, interpolateDeep, isPlainObject } from './expression.ts';
import type { Block, FlowDocument, HttpBlock } from './flow-types.ts';
import { readJsonPath } from './json-path.ts';
import { renderMessage, renderPrompt } from './render-message.ts';
import { validateAnswer, type Answer } from './validate-answer.ts';
import { waitSeconds } from './validate-flow.ts';

export type SessionStatus = 'active' | 'waiting' | 'succeeded' | 'failed' | 'expired';
export type Awaiting = 'answer' | 'wake' | 'http' | null;

export function isLive(status: string): boolean {
  return status === 'active' || status === 'waiting';
}

export interface Variables {
  session: Record<string, unknown>;
  result: Record<string, unknown>;
}

/** A session's state as the engine sees it (the store adds ids and timestamps). */
export interface SessionState {
  flowId: string;
  version: number;
  block: string;
  status: SessionStatus;
  awaiting: Awaiting;
  reason: string | null;
  vars: Variables;
  retries: number;
  blockEnteredAt: number;
  wakeAt: number | null;
}

export interface HttpRequestSpec {
  method: HttpBlock['method'];
  url: string;
  headers: Record<string, string>;
  body: { kind: 'json'; value: unknown } | { kind: 'form'; value: Record<string, string> } | null;
  timeoutMs: number;
  retries: number;
}

export type HttpOutcome = { kind: 'success'; status: number; body: unknown } | { kind: 'error'; status: number | null; message: string } | { kind: 'timeout' };

export type FlowEvent = { type: 'enter' } | { type: 'message'; answer: Answer } | { type: 'http'; outcome: HttpOutcome } | { type: 'wake' };

export type Effect =
  | { type: 'send'; content: OutboundContent }
  | { type: 'http'; request: HttpRequestSpec }
  | { type: 'schedule'; at: number }
  | { type: 'handoff'; team: string | null }
  | { type: 'contact_attributes'; values: Record<string, unknown> }
  | { type: 'jump'; flowId: string }
  | { type: 'link'; record: { type: string; id: string; url: string | null; title: string | null; attributes: Record<string, unknown> } }
  | { type: 'finished'; status: 'succeeded' | 'failed'; reason: string | null; result: Record<string, unknown> };

export interface StepRecord {
  block: string;
  blockType: string;
  enteredAt: number;
  leftAt: number;
  exit: string | null;
  answer: string | null;
  valid: boolean | null;
}

export interface StepContext {
  now: number;
  contact: { id: string; name: string | null; phone: string | null; wa_id: string; attributes: Record<string, unknown> };
  message: { text: string | null; kind: string } | null;
}

export interface StepOutput {
  state: SessionState;
  effects: Effect[];
  steps: StepRecord[];
}

const MAX_BLOCKS_PER_STEP = 200; // a loop of conditions must not spin forever
const DEFAULT_RETRIES = 2;

/**
 * The flow step, pure: (document, state, event) -> (new state, effects, step records). It runs
 * blocks until one must wait for the outside world (an answer, a timer, an HTTP response, another
 * flow's document) or the session ends. The runner applies the effects.
 */
export function stepSession(doc: FlowDocument, input: SessionState, event: FlowEvent, ctx: StepContext): StepOutput {
  const state: SessionState = { ...input, vars: { session: { ...input.vars.session }, result: { ...input.vars.result } } };
  const effects: Effect[] = [];
  const steps: StepRecord[] = [];
  const contact = { ...ctx.contact, attributes: { ...ctx.contact.attributes } };
  const scope = () => ({ session: state.vars.session, result: state.vars.result, contact, message: ctx.message ?? {}, flow: { id: state.flowId, version: state.version } });
  const now = ctx.now;
  let ev = event;

  const record = (block: Block, exit: string | null, answer: string | null = null, valid: boolean | null = null) =>
    steps.push({ block: state.block, blockType: block.type, enteredAt: state.blockEnteredAt, leftAt: now, exit, answer, valid });
  const finish = (status: 'succeeded' | 'failed', reason: string | null, result: Record<string, unknown> = {}) => {
    state.status = status;
    state.reason = reason;
    state.awaiting = null;
    state.wakeAt = null;
    state.vars.result = { ...state.vars.result, ...result };
    effects.push({ type: 'finished', status, reason, result: state.vars.result });
  };
  /** Leaves the current block by an exit; false when the session ended instead. */
  const leave = (block: Block, exit: string, fallback: { status: 'succeeded' | 'failed'; reason: string }, answer: string | null = null, valid: boolean | null = null): boolean => {
    record(block, exit, answer, valid);
    const target = 'exits' in block ? block.exits?.[exit] : undefined;
    if (!target) {
      finish(fallback.status, fallback.reason);
      return false;
    }
    state.block = target;
    state.blockEnteredAt = now;
    state.retries = 0;
    state.awaiting = null;
    state.wakeAt = null;
    state.status = 'active';
    ev = { type: 'enter' };
    return true;
  };
  const missing = { status: 'failed', reason: 'missing_exit' } as const;

  for (let n = 0; n < MAX_BLOCKS_PER_STEP; n++) {
    if (!isLive(state.status)) return { state, effects, steps };
    const block = doc.blocks[state.block];
    if (!block) {
      finish('failed', 'missing_block');
      break;
    }
    switch (block.type) {
      case 'send':
        effects.push({ type: 'send', content: renderMessage(block.message, scope()) });
        if (!leave(block, 'next', missing)) break;
        continue;
      case 'ask': {
        if (ev.type === 'message' && state.awaiting === 'answer') {
          const check = validateAnswer(block, ev.answer);
          const typed = ev.answer.text ?? `[${ev.answer.kind}]`;
          if (check.ok) {
            state.vars.session[block.variable] = check.value;
            const byOption = block.kind === 'choice' && typeof check.value === 'string' && block.exits?.[check.value] ? check.value : 'next';
            if (!leave(block, byOption, missing, check.display, true)) break;
            continue;
          }
          state.retries += 1;
          if (state.retries > (block.max_retries ?? DEFAULT_RETRIES)) {
            if (!leave(block, 'gave_up', { status: 'failed', reason: 'gave_up' }, typed, false)) break;
            continue;
          }
          record(block, null, typed, false); // an invalid try: no exit taken
          state.blockEnteredAt = now;
          effects.push({ type: 'send', content: renderPrompt(block, block.reprompt ?? block.prompt, scope()) });
          return { state, effects, steps };
        }
        if (ev.type !== 'enter') return { state, effects, steps }; // not an answer: nothing to do
        effects.push({ type: 'send', content: renderPrompt(block, block.prompt, scope()) });
        state.awaiting = 'answer';
        state.status = 'waiting';
        return { state, effects, steps };
      }
      case 'set': {
        const attrs: Record<string, unknown> = {};
        for (const [key, raw] of Object.entries(block.values)) {
          const value = interpolateDeep(raw, scope());
          const [root, ...rest] = key.split('.');
          const name = rest[rest.length - 1] ?? '';
          if (root === 'session') state.vars.session[name] = value;
          else if (root === 'result') state.vars.result[name] = value;
          else if (root === 'contact') {
            attrs[name] = value;
            contact.attributes[name] = value;
          }
        }
        if (Object.keys(attrs).length) effects.push({ type: 'contact_attributes', values: attrs });
        if (!leave(block, 'next', missing)) break;
        continue;
      }
      case 'condition': {
        const yes = evaluateCondition(block.if, scope(), (v) => interpolateDeep(v, scope()));
        if (!leave(block, yes ? 'then' : 'else', missing)) break;
        continue;
      }
      case 'http': {
        if (ev.type === 'http' && state.awaiting === 'http') {
          const o = ev.outcome;
          if (block.status_variable) state.vars.session[block.status_variable] = o.kind === 'timeout' ? null : o.status;
          if (o.kind === 'success') {
            for (const [name, path] of Object.entries(block.response ?? {})) state.vars.session[name] = readJsonPath(o.body, path) ?? null;
            if (!leave(block, 'success', missing, null, null)) break;
          } else if (o.kind === 'error') {
            state.vars.session.http_error = o.message;
            if (!leave(block, 'error', { status: 'failed', reason: 'http_error' })) break;
          } else if (!leave(block, 'timeout', { status: 'failed', reason: 'http_timeout' })) break;
          continue;
        }
        if (ev.type !== 'enter') return { state, effects, steps };
        effects.push({ type: 'http', request: buildRequest(block, scope()) });
        state.awaiting = 'http';
        state.status = 'active';
        return { state, effects, steps };
      }
      case 'wait': {
        if (ev.type === 'wake' && state.awaiting === 'wake') {
          if (!leave(block, 'next', missing)) break;
          continue;
        }
        if (ev.type !== 'enter') return { state, effects, steps };
        state.wakeAt = now + Math.round(waitSeconds(block) * 1000);
        state.awaiting = 'wake';
        state.status = 'waiting';
        effects.push({ type: 'schedule', at: state.wakeAt });
        return { state, effects, steps };
      }
      case 'handoff':
        if (block.message) effects.push({ type: 'send', content: renderMessage({ text: block.message }, scope()) });
        effects.push({ type: 'handoff', team: block.team ?? null });
        if (!leave(block, 'next', { status: 'succeeded', reason: 'handed_off' })) break;
        continue;
      case 'link': {
        const s = scope();
        const attrs = block.attributes ? interpolateDeep(block.attributes, s) : {};
        effects.push({
          type: 'link',
          record: {
            type: interpolate(block.record_type, s),
            id: interpolate(block.record_id, s),
            url: block.url ? interpolate(block.url, s) : null,
            title: block.title ? interpolate(block.title, s) : null,
            attributes: isPlainObject(attrs) ? attrs : {},
          },
        });
        if (!leave(block, 'next', missing)) break;
        continue;
      }
      case 'jump':
        record(block, null);
        effects.push({ type: 'jump', flowId: block.flow });
        return { state, effects, steps };
      case 'end': {
        if (block.message) effects.push({ type: 'send', content: renderMessage({ text: block.message }, scope()) });
        record(block, null);
        const result = block.result ? interpolateDeep(block.result, scope()) : {};
        finish(block.status, block.reason ? interpolate(block.reason, scope()) : null, isPlainObject(result) ? result : {});
        break;
      }
      default:
        assertNever(block);
    }
  }
  if (isLive(state.status)) finish('failed', 'loop_limit');
  return { state, effects, steps };
}

function buildRequest(block: HttpBlock, scope: unknown): HttpRequestSpec {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(block.headers ?? {})) headers[k.toLowerCase()] = interpolate(v, scope);
  let body: HttpRequestSpec['body'] = null;
  if (block.body && 'json' in block.body) body = { kind: 'json', value: interpolateDeep(block.body.json, scope) };
  else if (block.body && 'form' in block.body) {
    const form: Record<string, string> = {};
    for (const [k, v] of Object.entries(block.body.form)) form[k] = interpolate(v, scope);
    body = { kind: 'form', value: form };
  }
  return { method: block.method, url: interpolate(block.url, scope), headers, body, timeoutMs: block.timeout_ms ?? 10_000, retries: block.retries ?? 0 };
}

