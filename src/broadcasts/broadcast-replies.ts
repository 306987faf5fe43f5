import type { Transaction } from 'kysely';
import type { Deps } from '../deps.ts';
import { findLiveSession, inboundContext, publishedFlows, type InboundContext } from '../flows/flow-store.ts';
import { driveSession } from '../flows/run-session.ts';
import type { Database } from '../storage/database-types.ts';
import { addTallies, type TallyDelta } from './broadcast-tallies.ts';
import { lockFunnel } from './recipient-funnel.ts';

/** A customer's message counts as a reply to a broadcast sent to them at most this long before. */
export const REPLY_WINDOW_MS = 72 * 60 * 60_000;

export interface InboundForBroadcasts {
  id: string;
  kind: string;
  text: string | null;
  conversation_id: string;
  channel_id: string;
  contact_id: string;
}

export interface BroadcastReply {
  broadcastId: string;
  /** The quick-reply button pressed (its payload, else its text). */
  button: string | null;
  /** The flow the broadcast's button_flows names for that button. */
  flowId: string | null;
  /** A button's message context (for the flow it starts). */
  context: InboundContext | undefined;
}

/**
 * A customer's message, in the transaction that claimed it: if it answers a broadcast (the
 * template message a quick-reply button quotes, else the latest broadcast sent to them on this
 * number in the last 72 h), the message and its conversation carry the broadcast's id, the
 * recipient is counted `replied` once, and a button press is counted per button.
 */
export async function noteBroadcastReply(
  trx: Transaction<Database>,
  msg: InboundForBroadcasts,
  now: number,
): Promise<BroadcastReply | undefined> {
  if (msg.kind === 'system') return undefined;
  // Every customer message passes here: one indexed lookup unless it is a quick-reply button,
  // whose quoted template and payload need the message's context.
  const context = msg.kind === 'button' ? await inboundContext(trx, msg.id) : undefined;
  const recipients = trx
    .selectFrom('broadcast_recipients as r')
    .innerJoin('broadcasts as b', 'b.id', 'r.broadcast_id')
    .select(['r.broadcast_id', 'r.contact_id', 'r.replied_at', 'r.reply_button', 'b.button_flows']);
  const quotedId = context?.contextMessageId;
  const quoted = quotedId
    ? await recipients
        .innerJoin('messages as m', 'm.id', 'r.message_id')
        .where('m.channel_id', '=', msg.channel_id)
        .where('m.external_id', '=', quotedId)
        .where('r.contact_id', '=', msg.contact_id)
        .executeTakeFirst()
    : undefined;
  const r =
    quoted ??
    (await recipients
      .where('r.contact_id', '=', msg.contact_id)
      .where('b.channel_id', '=', msg.channel_id)
      .where('r.queued_at', '>=', now - REPLY_WINDOW_MS)
      .orderBy('r.queued_at', 'desc')
      .limit(1)
      .executeTakeFirst());
  if (!r) return undefined;
  await trx.updateTable('messages').set({ broadcast_id: r.broadcast_id }).where('id', '=', msg.id).execute();
  await trx.updateTable('conversations').set({ broadcast_id: r.broadcast_id }).where('id', '=', msg.conversation_id).execute();
  const button = context ? (context.replyId ?? msg.text) : null;
  const deltas: TallyDelta[] = [];
  if (r.replied_at === null) deltas.push({ key: 'replied', n: 1 });
  if (button !== null) deltas.push({ key: `button:${button}`, n: 1 });
  if (deltas.length > 0) {
    await lockFunnel(trx, r.broadcast_id); // before the recipient's row (recipient-funnel.ts)
    await trx
      .updateTable('broadcast_recipients')
      .set({ replied_at: r.replied_at ?? now, ...(button !== null ? { reply_button: button } : {}) })
      .where('broadcast_id', '=', r.broadcast_id)
      .where('contact_id', '=', r.contact_id)
      .execute();
    await addTallies(trx, r.broadcast_id, deltas);
  }
  const flows: unknown = r.button_flows ? JSON.parse(r.button_flows) : null;
  const flowId = button !== null ? flowFor(flows, button, msg.text) : null;
  return { broadcastId: r.broadcast_id, button, flowId, context };
}

function flowFor(flows: unknown, payload: string, text: string | null): string | null {
  if (typeof flows !== 'object' || flows === null) return null;
  const map = flows as Record<string, unknown>;
  const hit = map[payload] ?? (text !== null ? map[text] : undefined);
  return typeof hit === 'string' ? hit : null;
}

/**
 * Starts the flow a broadcast's button names, in the conversation, as a flow trigger would:
 * not when the customer is already in a flow (that session gets the press) or the flow has no
 * published version. `after` runs once the caller committed.
 */
export async function startButtonFlow(
  trx: Transaction<Database>,
  deps: Deps,
  msg: InboundForBroadcasts,
  reply: BroadcastReply,
): Promise<{ handled: false } | { handled: true; after?: () => Promise<void> }> {
  if (reply.flowId === null || reply.context === undefined) return { handled: false };
  if (await findLiveSession(trx, msg.contact_id, msg.channel_id)) return { handled: false };
  const flow = (await publishedFlows(trx)).find((f) => f.id === reply.flowId);
  if (!flow) {
    deps.logger.warn({ broadcast: reply.broadcastId, flow: reply.flowId }, 'broadcast button names a flow with no published version');
    return { handled: false };
  }
  const r = await driveSession(deps, {
    target: {
      start: { flowId: flow.id, version: flow.version, doc: flow.doc },
      contactId: msg.contact_id,
      channelId: msg.channel_id,
      conversationId: msg.conversation_id,
    },
    event: { type: 'enter' },
    contact: reply.context,
    message: { text: msg.text, kind: msg.kind },
    trx,
  });
  return { handled: true, after: r.after };
}
