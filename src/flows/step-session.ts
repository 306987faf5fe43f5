import type { OutboundContent } from '../channels/channel-types.ts';
import { assertNever } from '../core/assert-never.ts';
import { MORE_ID, MORE_TITLE, PAGE_VAR, choiceOptions, currentPage, optionExit } from './choice-options.ts';
import { classifyIntent } from './classify-intent.ts';
import { evaluateCondition } from './condition.ts';
import { matchEscape, type EscapeRule } from './escape-words.ts';
import { interpolate, interpolateDeep, isPlainObject } from './expression.ts';
import type { Block, FlowDocument, HttpBlock, TemplateBlock } from './flow-types.ts';
import {
  REENGAGE_NO_ID,
  REENGAGE_YES_ID,
  isBusinessTime,
  nextBusinessTime,
  timeSettings,
  type TimeDefaults,
  type TimeSettings,
} from './flow-time.ts';
import { readJsonPath } from './json-path.ts';
import { renderMessage, renderPrompt } from './render-message.ts';
import { validateAnswer, type Answer } from './validate-answer.ts';
import { formatDate } from './validate-answer-rules.ts';
import { waitSeconds } from './validate-flow.ts';

export type SessionStatus = 'active' | 'waiting' | 'succeeded' | 'failed' | 'expired';
/** answer: a question; wake: a wait; http / template: a call the runner makes; button: a template's quick reply. */
export type Awaiting = 'answer' | 'wake' | 'http' | 'template' | 'button' | 'ai' | null;

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
  /** A wait's end, or the deadline of an unanswered question (re-engagement, expiry). */
  wakeAt: number | null;
  /** Re-engagement of the current question: sent, done (used up), or not yet. */
  reengage: 'sent' | 'done' | null;
}

export interface HttpRequestSpec {
  method: HttpBlock['method'];
  url: string;
  headers: Record<string, string>;
  body: { kind: 'json'; value: unknown } | { kind: 'form'; value: Record<string, string> } | null;
  timeoutMs: number;
  retries: number;
}

export type HttpOutcome =
  | { kind: 'success'; status: number; body: unknown }
  | { kind: 'error'; status: number | null; message: string }
  | { kind: 'timeout' };

/** What the AI assistant did with an ai_reply block's question. */
export type AiOutcome = { kind: 'answered'; text: string; confidence: number | null } | { kind: 'handoff' | 'unavailable'; reason: string };

export type TemplateOutcome = { ok: true } | { ok: false; code: string; message: string };

/** tick: a waiting question's deadline came (re-engagement or expiry). */
export type FlowEvent =
  | { type: 'enter' }
  | { type: 'message'; answer: Answer }
  | { type: 'http'; outcome: HttpOutcome }
  | { type: 'template'; outcome: TemplateOutcome }
  | { type: 'ai'; outcome: AiOutcome }
  | { type: 'wake' }
  | { type: 'tick' };

export interface TemplateSendSpec {
  name: string;
  language: string | undefined;
  parameters: unknown;
  /** Another recipient (E.164), e.g. the vendor to notify; the session's contact otherwise. */
  to?: string;
}

export type Effect =
  | { type: 'send'; content: OutboundContent }
  | { type: 'http'; request: HttpRequestSpec }
  | { type: 'template'; send: TemplateSendSpec }
  | {
      type: 'ai';
      question: string;
      instructions: string | null;
      variables: Record<string, unknown>;
      /** The block's own endpoint and model, where it names them (docs/ai.md). */
      override: { endpoint?: string; model?: string };
    }
  | { type: 'webhook'; url: string; data: unknown; event: string | null; secret: string | null }
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
  contact: {
    id: string;
    name: string | null;
    phone: string | null;
    wa_id: string | null;
    /** whatsapp | telegram */
    channel?: string;
    bsuid?: string | null;
    username?: string | null;
    attributes: Record<string, unknown>;
  };
  message: { text: string | null; kind: string } | null;
  /** Operator defaults for business hours (BUSINESS_HOURS, BUSINESS_TIMEZONE). */
  time?: TimeDefaults;
  /** For tick events: when the 24-hour window closes (null: closed). Unknown otherwise. */
  windowClosesAt?: number | null;
  /** The session's id, read as {{session.id}} (set by the runner; absent in pure unit steps). */
  sessionId?: string;
  /** The number's escape words (config numbers[].escapeKeywords); the flow's own `escapes` come first. */
  escapes?: readonly EscapeRule[];
}

export interface StepOutput {
  state: SessionState;
  effects: Effect[];
  steps: StepRecord[];
}

const MAX_BLOCKS_PER_STEP = 200; // a loop of conditions must not spin forever
const DEFAULT_RETRIES = 2;
const DEFAULT_INTENT_THRESHOLD = 0.4;
const YES_WORDS = new Set(['yes', 'y', 'si', 'ok', 'continue', 'continuar']);
const NO_WORDS = new Set(['no', 'n', 'stop', 'cancel', 'cancelar']);

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
  // session.id is the session's own id: the validator refuses blocks that would write a variable "id".
  const scope = () => ({
    session: ctx.sessionId === undefined ? state.vars.session : { ...state.vars.session, id: ctx.sessionId },
    result: state.vars.result,
    contact,
    message: ctx.message ?? {},
    flow: { id: state.flowId, version: state.version },
    now: new Date(now).toISOString(),
  });
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
  const leave = (
    block: Block,
    exit: string,
    fallback: { status: 'succeeded' | 'failed'; reason: string },
    answer: string | null = null,
    valid: boolean | null = null,
  ): boolean => {
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
    state.reengage = null;
    state.status = 'active';
    ev = { type: 'enter' };
    return true;
  };
  const missing = { status: 'failed', reason: 'missing_exit' } as const;
  let time: TimeSettings | undefined;
  const settings = () => (time ??= timeSettings(doc, ctx.time));
  const done = () => ({ state, effects, steps });
  /**
   * Sets the deadline of a question (or a template's button) just asked: re-engagement when the
   * flow has it and it is not used up for this question, else expiry. Only a re-engagement gets a
   * timer job (expiry is found by the sweeper over wake_at), so the jobs table does not fill with
   * far-future timers that answered questions leave behind.
   */
  const arm = () => {
    const t = settings();
    const expireAt = state.blockEnteredAt + t.timeoutMs;
    const reAt = state.blockEnteredAt + t.reengage.delayMs;
    if (state.awaiting === 'answer' && t.reengage.enabled && state.reengage === null && reAt < expireAt) {
      state.wakeAt = reAt;
      effects.push({ type: 'schedule', at: reAt });
    } else state.wakeAt = expireAt;
  };
  const expire = (block: Block, reason: 'expired' | 'window_closed') => {
    record(block, null);
    finish('failed', reason);
    state.status = 'expired';
  };
  const ask = (content: OutboundContent) => {
    effects.push({ type: 'send', content });
    state.awaiting = 'answer';
    state.status = 'waiting';
    state.blockEnteredAt = now;
    arm();
  };
  /** A question's deadline: expire, re-engage (inside the window and business hours), or wait on. */
  const tick = (block: Block): StepOutput => {
    if (state.status !== 'waiting' || (state.awaiting !== 'answer' && state.awaiting !== 'button')) return done();
    const t = settings();
    const expireAt = state.blockEnteredAt + t.timeoutMs;
    if (now >= expireAt) {
      expire(block, 'expired');
      return done();
    }
    const reAt = state.blockEnteredAt + t.reengage.delayMs;
    const pending = state.awaiting === 'answer' && t.reengage.enabled && state.reengage === null;
    if (!pending || now < reAt) {
      arm(); // early (a stale timer): the deadline stands
      return done();
    }
    const windowCloses = ctx.windowClosesAt ?? null;
    if (windowCloses === null || now >= windowCloses) {
      expire(block, 'window_closed'); // WhatsApp would refuse a free-form message now
      return done();
    }
    if (!isBusinessTime(now, t.hours)) {
      // Postponed to the next opening; if the window closes first, that tick expires the session.
      state.wakeAt = Math.min(nextBusinessTime(now, t.hours), windowCloses, expireAt);
      effects.push({ type: 'schedule', at: state.wakeAt });
      return done();
    }
    const r = t.reengage;
    effects.push({
      type: 'send',
      content: renderMessage(
        {
          buttons: {
            body: r.message,
            buttons: [
              { id: REENGAGE_YES_ID, title: r.yes },
              { id: REENGAGE_NO_ID, title: r.no },
            ],
          },
        },
        scope(),
      ),
    });
    state.reengage = 'sent';
    state.wakeAt = expireAt;
    return done();
  };
  /**
   * The answer to a re-engagement: yes asks the question again, no ends the session; any other
   * message counts as the answer to the question itself (the customer is back either way).
   */
  const reengaged = (block: Block, answer: Answer, reprompt: () => OutboundContent): 'asked' | 'ended' | 'answer' => {
    if (state.reengage !== 'sent') return 'answer';
    state.reengage = 'done';
    const t = settings().reengage;
    const said = fold(answer.text ?? '');
    if (answer.replyId === REENGAGE_YES_ID || said === fold(t.yes) || YES_WORDS.has(said)) {
      ask(reprompt());
      return 'asked';
    }
    if (answer.replyId === REENGAGE_NO_ID || said === fold(t.no) || NO_WORDS.has(said)) {
      record(block, null, answer.text, null);
      finish('failed', 'declined_reengagement');
      return 'ended';
    }
    return 'answer';
  };
  /** Send template: the runner sends it between transactions; then next, or wait for its button. */
  const templateBlock = (block: TemplateBlock): 'wait' | 'ended' | 'next' => {
    if (ev.type === 'template' && state.awaiting === 'template') {
      const o = ev.outcome;
      if (!o.ok) {
        state.vars.session.template_error = `${o.code}: ${o.message}`;
        return leave(block, 'error', { status: 'failed', reason: 'template_error' }) ? 'next' : 'ended';
      }
      if (!block.wait_for_button) return leave(block, 'next', missing) ? 'next' : 'ended';
      state.awaiting = 'button';
      state.status = 'waiting';
      state.blockEnteredAt = now;
      arm();
      return 'wait';
    }
    if (ev.type === 'message' && state.awaiting === 'button') {
      const cancel = buttonChoice(ev.answer, block.payloads) === 'cancel';
      const typed = ev.answer.replyId ?? ev.answer.text;
      return leave(block, cancel ? 'cancel' : 'next', cancel ? { status: 'failed', reason: 'cancelled' } : missing, typed, true)
        ? 'next'
        : 'ended';
    }
    if (ev.type !== 'enter') return 'wait';
    const s = scope();
    effects.push({
      type: 'template',
      send: {
        name: interpolate(block.name, s),
        language: block.language ? interpolate(block.language, s) : undefined,
        parameters: block.parameters === undefined ? undefined : interpolateDeep(block.parameters, s),
        ...(block.to ? { to: interpolate(block.to, s) } : {}),
      },
    });
    state.awaiting = 'template';
    state.status = 'active';
    return 'wait';
  };

  // An escape word interrupts whatever question (or template button) is waiting.
  const waitingBlock = doc.blocks[state.block];
  if (ev.type === 'message' && state.status === 'waiting' && (state.awaiting === 'answer' || state.awaiting === 'button') && waitingBlock) {
    const rule = matchEscape(ev.answer.text, doc.escapes, ctx.escapes);
    if (rule) {
      record(waitingBlock, 'escape', ev.answer.text, null);
      if (rule.message) effects.push({ type: 'send', content: renderMessage({ text: rule.message }, scope()) });
      const action = rule.action;
      if (action === 'handoff') {
        effects.push({ type: 'handoff', team: rule.team ?? null });
        finish('succeeded', 'handed_off');
        return done();
      }
      if (action === 'end') {
        finish('failed', 'cancelled');
        return done();
      }
      if (action === 'restart') {
        // From the start with the flow's initial variables, as a new session would begin.
        state.vars = { session: { ...doc.variables }, result: {} };
        Object.assign(state, {
          block: doc.start,
          blockEnteredAt: now,
          retries: 0,
          awaiting: null,
          wakeAt: null,
          reengage: null,
          status: 'active',
          reason: null,
        });
        ev = { type: 'enter' };
      } else {
        state.awaiting = null;
        state.status = 'active';
        state.wakeAt = null;
        effects.push({ type: 'jump', flowId: action.jump });
        return done();
      }
    }
  }

  for (let n = 0; n < MAX_BLOCKS_PER_STEP; n++) {
    if (!isLive(state.status)) return { state, effects, steps };
    const block = doc.blocks[state.block];
    if (!block) {
      finish('failed', 'missing_block');
      break;
    }
    if (ev.type === 'tick') return tick(block);
    if (ev.type === 'message' && state.awaiting === 'button' && block.type !== 'template') {
      // Started by the API with a template: the session waits at its start block for the button.
      if (buttonChoice(ev.answer, undefined) === 'cancel') {
        finish('failed', 'cancelled');
        return done();
      }
      state.awaiting = null;
      state.status = 'active';
      state.blockEnteredAt = now;
      state.wakeAt = null;
      ev = { type: 'enter' };
    }
    switch (block.type) {
      case 'send':
        effects.push({ type: 'send', content: renderMessage(block.message, scope()) });
        if (!leave(block, 'next', missing)) break;
        continue;
      case 'ask': {
        if (ev.type === 'message' && state.awaiting === 'answer') {
          const back = reengaged(block, ev.answer, () => renderPrompt(block, block.prompt, scope()));
          if (back === 'asked') return done();
          if (back === 'ended') break;
          if (block.kind === 'choice' && ev.answer.replyId === MORE_ID) {
            // "More…" of a paged list: the next page, not a try.
            state.vars.session[PAGE_VAR] = currentPage(state.vars.session) + 1;
            record(block, null, MORE_TITLE, null);
            ask(renderPrompt(block, block.prompt, scope()));
            return done();
          }
          const hours = settings().hours;
          const check = validateAnswer(block, ev.answer, { now, timezone: hours.timezone, days: hours.days, scope: scope() });
          const typed = ev.answer.text ?? `[${ev.answer.kind}]`;
          if (check.ok) {
            delete state.vars.session[PAGE_VAR];
            state.vars.session[block.variable] = check.value;
            // What a customer-facing message shows: the option's title, the date as the customer writes it.
            if (block.kind === 'choice') state.vars.session[`${block.variable}_title`] = check.display;
            if (block.kind === 'date' && typeof check.value === 'string')
              state.vars.session[`${block.variable}_text`] = formatDate(check.value, block.format ?? 'YYYY-MM-DD');
            const byOption = block.kind === 'choice' && typeof check.value === 'string' ? optionExit(block, check.value, scope()) : 'next';
            if (!leave(block, byOption, missing, check.display, true)) break;
            continue;
          }
          state.retries += 1;
          if (state.retries > (block.max_retries ?? DEFAULT_RETRIES)) {
            delete state.vars.session[PAGE_VAR];
            if (!leave(block, 'gave_up', { status: 'failed', reason: 'gave_up' }, typed, false)) break;
            continue;
          }
          record(block, null, typed, false); // an invalid try: no exit taken
          const again = check.problem === 'no_match' && block.pattern_reprompt ? block.pattern_reprompt : (block.reprompt ?? block.prompt);
          ask(renderPrompt(block, again, scope()));
          return done();
        }
        if (ev.type !== 'enter') return done(); // not an answer: nothing to do
        if (block.kind === 'choice' && block.options_from && choiceOptions(block, scope()).length === 0) {
          // Nothing to choose from (the list is empty or missing): the question cannot be answered.
          if (!leave(block, 'gave_up', { status: 'failed', reason: 'no_options' })) break;
          continue;
        }
        ask(renderPrompt(block, block.prompt, scope()));
        return done();
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
      case 'template': {
        const out = templateBlock(block);
        if (out === 'wait') return done();
        if (out === 'ended') break;
        continue;
      }
      case 'webhook': {
        const s = scope();
        effects.push({
          type: 'webhook',
          url: interpolate(block.url, s),
          data: block.body === undefined ? { ...state.vars.session } : interpolateDeep(block.body, s),
          event: block.event ? interpolate(block.event, s) : null,
          secret: block.secret ? interpolate(block.secret, s) : null,
        });
        if (!leave(block, 'next', missing)) break;
        continue;
      }
      case 'intent': {
        let text: string | null;
        if (block.prompt) {
          const prompt = block.prompt;
          if (ev.type === 'enter') {
            ask(renderMessage({ text: prompt }, scope()));
            return done();
          }
          if (ev.type !== 'message' || state.awaiting !== 'answer') return done();
          const back = reengaged(block, ev.answer, () => renderMessage({ text: prompt }, scope()));
          if (back === 'asked') return done();
          if (back === 'ended') break;
          text = ev.answer.text;
        } else {
          if (ev.type !== 'enter') return done();
          text = ctx.message?.text ?? null; // the message that brought the session here
        }
        const m = classifyIntent(text ?? '', block.intents, block.threshold ?? DEFAULT_INTENT_THRESHOLD);
        state.vars.session[block.variable ?? 'intent'] = m.intent;
        state.vars.session.intent_confidence = m.confidence;
        const exit = m.intent ?? 'low_confidence';
        if (
          !leave(
            block,
            exit,
            { status: 'failed', reason: m.intent ? 'missing_exit' : 'low_confidence' },
            text === null ? null : text.slice(0, 1000),
            block.prompt ? true : null,
          )
        )
          break;
        continue;
      }
      case 'ai_reply': {
        if (ev.type === 'ai' && state.awaiting === 'ai') {
          const o = ev.outcome;
          if (o.kind === 'answered') {
            state.vars.session[block.variable ?? 'ai_answer'] = o.text;
            state.vars.session.ai_confidence = o.confidence;
            state.vars.session.ai_error = null;
            if (block.send !== false) effects.push({ type: 'send', content: { type: 'text', text: o.text.slice(0, 4096) } });
            if (!leave(block, block.exits.answered ? 'answered' : 'next', missing)) break;
          } else {
            state.vars.session.ai_error = o.reason;
            // A flow written before hand-offs existed has only `unavailable`: it takes that.
            const exit = o.kind === 'handoff' && block.exits.handoff ? 'handoff' : 'unavailable';
            if (!leave(block, exit, { status: 'failed', reason: `ai_${o.kind}` })) break;
          }
          continue;
        }
        if (ev.type !== 'enter') return { state, effects, steps };
        const question = block.question ? interpolate(block.question, scope()) : (ctx.message?.text ?? '');
        effects.push({
          type: 'ai',
          question,
          instructions: block.instructions ? interpolate(block.instructions, scope()) : null,
          variables: { ...state.vars.session },
          override: { ...(block.endpoint ? { endpoint: block.endpoint } : {}), ...(block.model ? { model: block.model } : {}) },
        });
        state.awaiting = 'ai';
        state.status = 'active';
        return { state, effects, steps };
      }
      default:
        assertNever(block);
    }
  }
  if (isLive(state.status)) finish('failed', 'loop_limit');
  return { state, effects, steps };
}

/** Which button of a template the customer chose: cancel by payload (or typed), else continue. */
function buttonChoice(answer: Answer, payloads: TemplateBlock['payloads']): 'continue' | 'cancel' {
  const cancel = payloads?.cancel ?? 'cancel';
  // Case-insensitive: without a payload WhatsApp echoes the button's text ("Cancel").
  if (answer.replyId !== null) return fold(answer.replyId) === fold(cancel) ? 'cancel' : 'continue';
  return fold(answer.text ?? '') === fold(cancel) ? 'cancel' : 'continue';
}

function fold(s: string): string {
  return s.normalize('NFD').replace(/\p{M}/gu, '').trim().toLowerCase();
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
  return {
    method: block.method,
    url: interpolate(block.url, scope),
    headers,
    body,
    timeoutMs: block.timeout_ms ?? 10_000,
    retries: block.retries ?? 0,
  };
}
