import type { Deps } from '../deps.ts';
import { emitEvent } from '../event-webhooks/emit-event.ts';
import type { Transaction } from 'kysely';
import type { Database } from '../storage/database-types.ts';
import { queueOutbound } from '../messaging/queue-outbound.ts';
import { canSendFreeForm } from '../conversations/customer-window.ts';
import { newId } from '../core/ids.ts';
import { flowPrincipal } from '../auth/principal.ts';
import { sendTemplate, sendTemplateFromRequest } from '../templates/send-template.ts';

import type { FlowWebhookJob } from './flow-webhook.ts';
import { performHttp } from './flow-http.ts';
import { askAssistant } from '../ai/assistant.ts';
import type { AiOutcome } from './step-session.ts';
import {
  channelAccountId,
  getVersionDoc,
  insertResult,
  insertSession,
  insertSteps,
  mergeContactAttributes,
  publishedFlows,
  sessionSteps,
  stateOf,
  linkRecord,
  updateSession,
  type InboundContext,
  type SessionRow,
} from './flow-store.ts';
import type { FlowDocument } from './flow-types.ts';
import { handOff } from './hand-off.ts';
import {
  stepSession,
  type Effect,
  type FlowEvent,
  type SessionState,
  type StepContext,
  type TemplateOutcome,
  type TemplateSendSpec,
} from './step-session.ts';
import { enqueueJob } from '../jobs/job-definition.ts';
import { JOBS } from '../jobs/job-catalog.ts';

/** Where a drive starts: an existing session row, or a new session of a published flow. */
export type DriveTarget =
  | { session: SessionRow }
  | {
      start: { flowId: string; version: number; doc: FlowDocument; variables?: Record<string, unknown> };
      contactId: string;
      channelId: string;
      conversationId: string;
    };

export interface DriveInput {
  target: DriveTarget;
  event: FlowEvent;
  contact: InboundContext;
  message: { text: string | null; kind: string } | null;
  /** Run the first stretch in the caller's transaction (the inbound message's claim). */
  trx?: Transaction<Database>;
}

export interface DriveResult {
  ok: boolean;
  /** With `trx`: what must run after the caller commits (an HTTP call, a jump). */
  after?: () => Promise<void>;
}

class StaleSession extends Error {}

const MAX_HOPS = 20; // HTTP calls and jumps in one drive

/**
 * Runs a session forward from one event and applies the effects. Each stretch of blocks is
 * persisted in one transaction with its sends, timers, hand-off and result (so a restart
 * resumes exactly there); the HTTP block's call happens between transactions, never inside one.
 * ok is false when the session moved on under us (a stale job): nothing was changed then.
 */
export async function driveSession(deps: Deps, input: DriveInput): Promise<DriveResult> {
  const now = () => deps.clock.now();
  let row: SessionRow | null = 'session' in input.target ? input.target.session : null;
  let doc: FlowDocument | undefined;
  let state: SessionState;
  if (row) {
    doc = await getVersionDoc(input.trx ?? deps.storage.db, row.flow_id, row.version);
    state = stateOf(row);
  } else if ('start' in input.target) {
    doc = input.target.start.doc;
    state = initialState(input.target.start.flowId, input.target.start.version, doc, input.target.start.variables, now());
  } else return { ok: false };
  if (!doc) return { ok: false };
  let event = input.event;
  // Known before the first stretch so that {{session.id}} reads the same id the row gets.
  const newSessionId = row ? null : newId('fls', now());

  /** One stretch: step, persist with effects; returns what the loop must do next. */
  const stretch = async (trx: Transaction<Database>): Promise<'done' | 'continue'> => {
    const ctx: StepContext = {
      now: now(),
      contact: {
        id: input.contact.contactId,
        name: input.contact.contactName,
        phone: input.contact.phone,
        wa_id: input.contact.waId,
        channel: input.contact.channel,
        bsuid: input.contact.bsuid,
        username: input.contact.username,
        attributes: input.contact.attributes,
      },
      message: input.message,
      time: { businessHours: deps.config.flows?.businessHours, timezone: deps.config.flows?.businessTimezone },
      sessionId: row?.id ?? newSessionId ?? undefined,
    };
    // The number's escape words only matter to a message answering a question.
    if (event.type === 'message' && row && deps.config.numbers.some((n) => n.escapeKeywords?.length)) {
      const account = await channelAccountId(trx, row.channel_id);
      ctx.escapes = deps.config.numbers.find((n) => n.phoneNumberId === account)?.escapeKeywords;
    }
    // Only a question's deadline needs the 24-hour window (re-engagement must stay inside it).
    if (event.type === 'tick' && row)
      ctx.windowClosesAt = (await canSendFreeForm(trx, { channelId: row.channel_id, contactId: row.contact_id }, ctx.now)).until;
    if (!doc) return 'done';
    const out = stepSession(doc, state, event, ctx);
    let current: SessionRow;
    if (row) {
      const step = await updateSession(trx, row.id, row.step, out.state, ctx.now);
      if (step === null) throw new StaleSession();
      current = {
        ...row,
        step,
        status: out.state.status,
        current_block: out.state.block,
        flow_id: out.state.flowId,
        version: out.state.version,
      };
    } else {
      if (!('start' in input.target)) return 'done';
      current = await insertSession(trx, {
        state: out.state,
        contactId: input.target.contactId,
        channelId: input.target.channelId,
        conversationId: input.target.conversationId,
        now: ctx.now,
        id: newSessionId ?? undefined,
      });
    }
    await insertSteps(trx, { id: current.id, flowId: state.flowId, version: state.version }, out.steps, ctx.now);
    for (const effect of out.effects) await applyEffect(trx, deps, current, out.state, effect, ctx.now, input.contact);
    row = current;
    state = out.state;
    pending = out.effects.find((e) => e.type === 'http' || e.type === 'jump' || e.type === 'template' || e.type === 'ai');
    return pending ? 'continue' : 'done';
  };
  let pending: Effect | undefined;

  /** After a stretch that ended at an HTTP call or a jump: do it, then run the next stretch. */
  const carryOn = async (): Promise<void> => {
    for (let hop = 0; hop < MAX_HOPS && pending; hop++) {
      const p = pending;
      pending = undefined;
      if (p.type === 'http') {
        // Outside any transaction: a slow API holds no database lock; the conversation's later
        // messages wait on its serial queue and are handled, in order, right after.
        event = { type: 'http', outcome: await performHttp(p.request, { allowPrivate: deps.config.flows?.httpAllowPrivate ?? false }) };
      } else if (p.type === 'ai') {
        // Outside any transaction, like HTTP: the model may take seconds.
        event = { type: 'ai', outcome: await askFromFlow(deps, row, p) };
      } else if (p.type === 'template') {
        // sendTemplate runs its own transaction (and may refuse: opt-in, not approved, parameters).
        event = {
          type: 'template',
          outcome: row ? await sendFromFlow(deps, row, state.flowId, p.send) : { ok: false, code: 'no_session', message: 'no session' },
        };
      } else if (p.type === 'jump') {
        const target = (await publishedFlows(deps.storage.db)).find((f) => f.id === p.flowId);
        if (target) {
          doc = target.doc;
          state = {
            ...initialState(target.id, target.version, target.doc, undefined, now()),
            vars: { session: { ...target.doc.variables, ...state.vars.session }, result: state.vars.result },
          };
        } else {
          doc = {
            id: state.flowId,
            name: 'jump',
            start: 'missing',
            blocks: { missing: { type: 'end', status: 'failed', reason: `jump_target_missing:${p.flowId}` } },
          };
          state = { ...state, block: 'missing', blockEnteredAt: now() };
        }
        event = { type: 'enter' };
      } else return;
      try {
        await deps.storage.db.transaction().execute(stretch);
      } catch (err) {
        if (err instanceof StaleSession) return;
        throw err;
      }
      deps.jobs.wake();
    }
  };

  if (input.trx) {
    await stretch(input.trx); // a stale session throws and rolls back the caller's transaction: it retries
    return { ok: true, after: pending ? carryOn : undefined };
  }
  try {
    await deps.storage.db.transaction().execute(stretch);
  } catch (err) {
    if (err instanceof StaleSession) return { ok: false };
    throw err;
  }
  deps.jobs.wake();
  await carryOn();
  return { ok: true };
}

export function initialState(
  flowId: string,
  version: number,
  doc: FlowDocument,
  variables: Record<string, unknown> | undefined,
  now: number,
): SessionState {
  return {
    flowId,
    version,
    block: doc.start,
    status: 'active',
    awaiting: null,
    reason: null,
    vars: { session: { ...doc.variables, ...variables }, result: {} },
    retries: 0,
    blockEnteredAt: now,
    wakeAt: null,
    reengage: null,
  };
}

/**
 * The template block's send: the templates use case, called with the flow's own principal (it
 * sees every conversation, as the flow's own sends do). A refusal (opt-in, not approved,
 * parameters) is an outcome the flow handles (the error exit), not a crash.
 */
async function sendFromFlow(deps: Deps, row: SessionRow, flowId: string, spec: TemplateSendSpec): Promise<TemplateOutcome> {
  const body = { template: spec.name.trim(), language: spec.language, parameters: spec.parameters };
  const sent =
    spec.to !== undefined
      ? // Someone other than the customer (a vendor): their own contact and conversation on this number.
        await sendTemplateFromRequest(deps, flowPrincipal(flowId), { phone: spec.to, channelId: row.channel_id }, body)
      : await sendTemplate(
          deps,
          { conversationId: row.conversation_id, channelId: row.channel_id, contactId: row.contact_id, author: `bot:flow:${flowId}` },
          body,
        );
  if (sent.ok) return { ok: true };
  // The operator should see why too.
  deps.logger.warn(
    { flow: flowId, session: row.id, template: spec.name, to: spec.to ?? null, code: sent.reason, reason: sent.details?.reason ?? null },
    `flow template not sent: ${sent.reason}: ${sent.message}`,
  );
  return { ok: false, code: sent.reason, message: sent.message };
}

async function applyEffect(
  trx: Transaction<Database>,
  deps: Deps,
  row: SessionRow,
  state: SessionState,
  effect: Effect,
  now: number,
  contact: InboundContext,
): Promise<void> {
  switch (effect.type) {
    case 'send':
      await queueOutbound(trx, deps.jobs, {
        conversationId: row.conversation_id,
        channelId: row.channel_id,
        content: effect.content,
        author: `bot:flow:${state.flowId}`,
        now,
      });
      return;
    case 'schedule':
      // Its own queue: a timer must never hold up the conversation's messages until it is due.
      await enqueueJob(trx, deps.jobs, JOBS.flowTimer, { sessionId: row.id, step: row.step }, { runAt: effect.at });
      return;
    case 'http': {
      // A watchdog: if the process dies during the call, this resumes the session at the block.
      const budget = effect.request.timeoutMs * (effect.request.retries + 1) + 5_000 * effect.request.retries + 60_000;
      await enqueueJob(trx, deps.jobs, JOBS.flowTimer, { sessionId: row.id, step: row.step }, { runAt: now + budget });
      return;
    }
    case 'handoff':
      await handOff(trx, deps, { conversationId: row.conversation_id, sessionId: row.id, flowId: state.flowId, teamId: effect.team, now });
      return;
    case 'contact_attributes':
      await mergeContactAttributes(trx, contact.contactId, effect.values, now);
      return;
    case 'link':
      await linkRecord(trx, row.conversation_id, effect.record, now);
      return;
    case 'ai': {
      // Asked after the commit (carryOn). The HTTP block's watchdog: if the process dies during
      // the call, the session re-enters the block (without the message: it hands off, no_question).
      const limit = deps.config.ai?.timeoutMs ?? 20_000;
      await enqueueJob(trx, deps.jobs, JOBS.flowTimer, { sessionId: row.id, step: row.step }, { runAt: now + limit + 60_000 });
      return;
    }
    case 'template':
      // The same watchdog as HTTP: a crash between this commit and the send re-runs the block.
      await enqueueJob(trx, deps.jobs, JOBS.flowTimer, { sessionId: row.id, step: row.step }, { runAt: now + 60_000 });
      return;
    case 'webhook': {
      const secret = effect.secret ?? deps.config.flows?.webhookSecret ?? null;
      if (!secret) {
        deps.logger.warn(
          { session: row.id, flow: state.flowId },
          'flow webhook block: no secret (block "secret" or FLOW_WEBHOOK_SECRET); not sent',
        );
        return;
      }
      const id = newId('fwh', now);
      const body = JSON.stringify({
        id,
        type: 'flow.webhook',
        event: effect.event,
        created_at: new Date(now).toISOString(),
        flow_id: state.flowId,
        version: state.version,
        session_id: row.id,
        contact_id: row.contact_id,
        conversation_id: row.conversation_id,
        data: effect.data,
      });
      const job: FlowWebhookJob = { id, url: effect.url, body, secret, firstAttemptAt: now, attempt: 1 };
      // In the step's transaction: the webhook exists if and only if the step that made it committed.
      await enqueueJob(trx, deps.jobs, JOBS.flowWebhook, job);
      return;
    }
    case 'jump':
      return; // the drive loop loads the other flow
    case 'finished':
      await finishSession(trx, deps, row, state, effect, now);
      return;
  }
}

async function finishSession(
  trx: Transaction<Database>,
  deps: Deps,
  row: SessionRow,
  state: SessionState,
  effect: Extract<Effect, { type: 'finished' }>,
  now: number,
): Promise<void> {
  const steps = await sessionSteps(trx, row.id);
  const answers = steps
    .filter((s) => s.valid !== null)
    .map((s) => ({ block: s.block, answer: s.answer, valid: s.valid === 1, at: new Date(s.left_at).toISOString() }));
  const startedAt = 'started_at' in row ? row.started_at : now;
  await insertResult(trx, {
    session_id: row.id,
    flow_id: state.flowId,
    version: state.version,
    contact_id: row.contact_id,
    conversation_id: row.conversation_id,
    status: effect.status,
    reason: effect.reason,
    result: JSON.stringify(effect.result),
    answers: JSON.stringify(answers),
    variables: JSON.stringify(state.vars.session),
    started_at: startedAt,
    ended_at: now,
  });
  await emitEvent(
    trx,
    deps,
    effect.status === 'succeeded' ? 'flow.succeeded' : 'flow.failed',
    // A function: the channel is read only when someone subscribed.
    async () => ({
      flow_id: state.flowId,
      version: state.version,
      session_id: row.id,
      contact_id: row.contact_id,
      conversation_id: row.conversation_id,
      // whatsapp | telegram: the kind of the number or bot the conversation is on (issue 20).
      channel: await conversationChannel(trx, row.conversation_id),
      status: effect.status,
      reason: effect.reason,
      result: effect.result,
      answers,
      variables: state.vars.session,
      started_at: new Date(startedAt).toISOString(),
      ended_at: new Date(now).toISOString(),
      duration_ms: now - startedAt,
    }),
    { now, scope: state.flowId }, // subscriptions may take one flow's results only
  );
}

/** The conversation's channel kind (its number's or bot's), null without a conversation. */
async function conversationChannel(db: Transaction<Database>, conversationId: string | null): Promise<'whatsapp' | 'telegram' | null> {
  if (conversationId === null) return null;
  const row = await db
    .selectFrom('conversations as c')
    .leftJoin('channels as ch', 'ch.id', 'c.channel_id')
    .select('ch.kind')
    .where('c.id', '=', conversationId)
    .executeTakeFirst();
  if (!row) return null;
  return row.kind === 'telegram' ? 'telegram' : 'whatsapp';
}

/** The ai_reply block's question to the assistant (src/ai): the same decision as auto mode, stored as mode `flow`. */
async function askFromFlow(
  deps: Deps,
  row: { conversation_id: string; channel_id: string } | null | undefined,
  p: { question: string; instructions: string | null; variables: Record<string, unknown>; override: { endpoint?: string; model?: string } },
): Promise<AiOutcome> {
  if (!p.question.trim()) return { kind: 'handoff', reason: 'no_question' };
  try {
    const r = await askAssistant(deps, {
      question: p.question,
      conversationId: row?.conversation_id ?? null,
      channelId: row?.channel_id ?? null,
      mode: 'flow',
      ...(p.instructions ? { instructions: p.instructions } : {}),
      flowVariables: p.variables,
      override: p.override,
    });
    if (r.outcome === 'answered') return { kind: 'answered', text: r.text, confidence: r.confidence };
    return { kind: r.outcome, reason: r.reason };
  } catch (err) {
    deps.logger.warn({ err }, 'ai_reply: the assistant failed');
    return { kind: 'unavailable', reason: 'error' };
  }
}
