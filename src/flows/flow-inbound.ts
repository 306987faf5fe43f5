import type { Transaction } from 'kysely';
import type { Deps } from '../deps.ts';
import type { Database } from '../storage/database-types.ts';
import { findLiveSession, inboundContext, publishedFlows, templateOfMessage } from './flow-store.ts';
import { matchTemplateButton, matchTrigger } from './match-trigger.ts';
import { driveSession } from './run-session.ts';

export interface InboundForFlows {
  id: string;
  kind: string;
  text: string | null;
  conversation_id: string;
  channel_id: string;
  contact_id: string;
}

export type FlowDecision = { handled: false } | { handled: true; after?: () => Promise<void> };

/**
 * The flow engine's turn at an inbound message the caller has claimed in `trx`, before the demo
 * bot, and only when the bot is not paused in the conversation (the caller checks: see
 * bot/bot-pause.ts). Precedence: the contact's live session, a trigger, a default flow;
 * otherwise not handled. The first stretch of the session is persisted
 * in `trx`; `after` (an HTTP call, a jump) must run once the caller has committed.
 */
export async function handleInboundWithFlows(
  trx: Transaction<Database>,
  deps: Deps,
  msg: InboundForFlows,
  /** What the caller read in this transaction already: `liveSession: false` spares the lookup. */
  known?: { liveSession: boolean },
): Promise<FlowDecision> {
  const live = known?.liveSession === false ? undefined : await findLiveSession(trx, msg.contact_id, msg.channel_id);
  const flows = live ? [] : await publishedFlows(trx);
  // Every message passes here: with no session and no published flow, it costs two lookups.
  if (!live && flows.length === 0) return { handled: false };
  const contact = await inboundContext(trx, msg.id);
  if (!contact) return { handled: false };
  const message = { text: msg.text, kind: msg.kind };
  if (live) {
    // During a wait (or an HTTP step cut short by a crash) the session asks nothing: the message
    // stays in the conversation for agents, and the flow carries on when its timer fires.
    if (live.awaiting !== 'answer' && live.awaiting !== 'button') return { handled: true };
    const answer = { kind: msg.kind, text: msg.text, replyId: contact.replyId, location: contact.location, media: contact.media };
    const r = await driveSession(deps, { target: { session: live }, event: { type: 'message', answer }, contact, message, trx });
    return { handled: true, after: r.after };
  }
  // A template's quick-reply button: its template (by the message it answers) and payload pick the flow.
  const template =
    msg.kind === 'button' && contact.contextMessageId ? await templateOfMessage(trx, msg.channel_id, contact.contextMessageId) : null;
  const flow =
    (template !== null
      ? matchTemplateButton(flows, { template, payload: contact.replyId ?? msg.text ?? '' }, msg.channel_id)
      : undefined) ?? matchTrigger(flows, msg.text, msg.channel_id);
  if (!flow) return { handled: false };
  const r = await driveSession(deps, {
    target: {
      start: { flowId: flow.id, version: flow.version, doc: flow.doc },
      contactId: contact.contactId,
      channelId: msg.channel_id,
      conversationId: msg.conversation_id,
    },
    event: { type: 'enter' },
    contact,
    message,
    trx,
  });
  return { handled: true, after: r.after };
}
