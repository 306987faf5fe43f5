import { messages } from '../core/metrics.ts';
import type { InboundKind } from '../channels/channel-types.ts';
import { demoFlow } from '../bot/demo-flow.ts';
import { runBotFlow } from '../bot/run-bot-flow.ts';
import type { Deps } from '../deps.ts';
import { screenInbound } from './screen-inbound.ts';
import { isBotPaused } from '../bot/bot-pause.ts';
import { rawQuery, runRaw } from '../storage/raw-query.ts';
import { handleInboundWithFlows } from '../flows/flow-inbound.ts';
import { queueOutbound } from './queue-outbound.ts';
import { takeSends } from './inline-sends.ts';
import { sendOutbound } from './send-outbound.ts';
import { aiModeFrom } from '../ai/ai-modes.ts';
import { replyWithAssistant } from '../ai/auto-reply.ts';
import { noteBroadcastReply, REPLY_WINDOW_MS, startButtonFlow } from '../broadcasts/broadcast-replies.ts';

const inboundReceived = messages.labels('inbound', 'received');

const inboundKinds = new Set<string>([
  'text',
  'image',
  'audio',
  'video',
  'document',
  'sticker',
  'location',
  'contacts',
  'interactive_reply',
  'call_permission_reply',
  'button',
  'reaction',
  'order',
  'system',
  'request_welcome',
  'edit',
  'revoke',
  'unsupported',
]);
function isInboundKind(k: string): k is InboundKind {
  return inboundKinds.has(k);
}

// Hot path (every message): prebuilt SQL. The job's message and every message of its
// conversation still waiting that the customer sent before it, in one statement; none when the
// job's own message was handled already.
const SELECT_WAITING = rawQuery(
  `with t as (select "seq", "sort_at", "conversation_id" from "messages" where "id" = ? and "status" = 'received')
   select m."id", m."kind", m."text", m."conversation_id", m."channel_id", coalesce(ct."name", ct."profile_name", ct."username") as "profile_name", ct."id" as "contact_id", ct."blocked"
   from t join "messages" m on m."conversation_id" = t."conversation_id" join "conversations" c on c."id" = m."conversation_id" join "contacts" ct on ct."id" = c."contact_id"
   where m."direction" = 'in' and m."status" = 'received'
   and (m."sort_at" < t."sort_at" or (m."sort_at" = t."sort_at" and m."seq" <= t."seq")) order by m."sort_at", m."seq"`,
);
// The claim also answers, in the same statement and transaction, whether each per-message lookup
// has anything to find (a bot pause, a live flow session, a broadcast sent to the contact on this
// number within the reply window, an AI mode set on the conversation or the number): most
// messages have none, and then those lookups are not made at all (issue #16).
const MARK_PROCESSED = rawQuery(
  `update "messages" set "status" = 'processed', "status_at" = ? where "id" = ? and "status" = 'received'
   returning "id",
   exists(select 1 from "bot_pauses" p where p."conversation_id" = "messages"."conversation_id") as "paused",
   exists(select 1 from "flow_sessions" s where s."contact_id" = ? and s."channel_id" = "messages"."channel_id" and s."status" in ('active', 'waiting')) as "live_session",
   exists(select 1 from "broadcast_recipients" r join "broadcasts" b on b."id" = r."broadcast_id"
     where r."contact_id" = ? and r."queued_at" >= ? and b."channel_id" = "messages"."channel_id") as "broadcast_recent",
   (select a."mode" from "ai_modes" a where a."scope" = 'conversation:' || "messages"."conversation_id") as "ai_conversation",
   (select a."mode" from "ai_modes" a where a."scope" = 'channel:' || "messages"."channel_id") as "ai_channel"`,
);

// What a run of this job left unsent (a crash or an error between a commit and its send): the last
// reply queued after the job's message, which sendOutbound sends with every earlier one. Only what
// came after the job's message, so the range is short however long the conversation is.
const LAST_UNSENT = rawQuery(
  `with t as (select "conversation_id", "seq" from "messages" where "id" = ?)
   select m."id" from t join "messages" m on m."conversation_id" = t."conversation_id" and m."seq" > t."seq"
   where m."direction" = 'out' and m."status" in ('queued', 'sending') order by m."seq" desc limit 1`,
);

interface Claimed {
  id: string;
  paused: number | boolean;
  live_session: number | boolean;
  broadcast_recent: number | boolean;
  ai_conversation: string | null;
  ai_channel: string | null;
}

/**
 * Job `message.process`: runs on the conversation's serial queue at the end of its message's
 * reorder window (INBOUND_REORDER_WINDOW_MS after we received it). Order comes from our own data:
 * before its message, a job handles every message of the conversation still waiting that the
 * customer sent earlier (by `sort_at`, the send time, then `seq`, the arrival order), including
 * those Meta delivered after it within the window; so neither shuffled webhooks nor a job the
 * engine retried later, or ran out of turn, can reorder them.
 * Each message is screened (blocked contact, opt-out keyword), then offered to the flow engine,
 * and only then to the demo bot.
 *
 * The replies a message's transaction queues (the bot's, a flow's, an opt-out confirmation) are
 * sent by this job after the commit, not by a `message.send` job each (inline-sends.ts). This
 * job's row is their durable record until it returns: a rerun sends what an earlier run queued
 * and left unsent (sendOutbound: in order, and a reply left `sending` by a crash is marked
 * unconfirmed, never sent twice).
 */
export async function processInbound(deps: Deps, payload: { messageId: string }): Promise<void> {
  const { db } = deps.storage;
  // None when the job's message is no longer waiting: a redelivered job after a crash, or handled before it by an earlier job.
  const rows = await runRaw<WaitingMessage>(db, SELECT_WAITING, [payload.messageId]);
  let sent = false;
  for (const row of rows) if (await handleOne(deps, row)) sent = true;
  // A run that sent nothing itself may be a rerun: an earlier run's replies may still be unsent
  // (one that sent something sent every earlier unsent reply of the conversation with it).
  if (!sent) {
    const [unsent] = await runRaw<{ id: string }>(db, LAST_UNSENT, [payload.messageId]);
    if (unsent) await sendOutbound(deps, { messageId: unsent.id });
  }
  deps.jobs.wake();
}

interface WaitingMessage {
  id: string;
  kind: string;
  text: string | null;
  conversation_id: string;
  channel_id: string;
  profile_name: string | null; // the name shown: the business's name for the contact, else the WhatsApp profile name, else the username
  contact_id: string;
  blocked: number;
}

/** Handles one waiting message; true when it sent replies (after its commit). */
async function handleOne(deps: Deps, row: WaitingMessage): Promise<boolean> {
  const now = deps.clock.now();
  let afterCommit: (() => Promise<void>) | undefined; // a flow's HTTP call: never inside this transaction
  let sends: string[] = [];
  await deps.storage.db.transaction().execute(async (trx) => {
    sends = takeSends(trx);
    // The status guard makes a concurrent or repeated run of the same message a no-op.
    const [claimed] = await runRaw<Claimed>(trx, MARK_PROCESSED, [now, row.id, row.contact_id, row.contact_id, now - REPLY_WINDOW_MS]);
    if (!claimed) return;
    inboundReceived.inc();
    // A reply to a broadcast is marked and counted whoever answers it (broadcasts/broadcast-replies.ts).
    // A quick-reply button may quote a broadcast older than the window: always looked up.
    const reply = row.kind === 'button' || claimed.broadcast_recent ? await noteBroadcastReply(trx, row, now) : undefined;
    if (await screenInbound(trx, deps, row, now)) return; // blocked contact, or an opt-out keyword (confirmed to the customer)
    // A human has the conversation: no automated responder (flows, demo bot, AI) answers.
    if (claimed.paused && (await isBotPaused(trx, deps, row.conversation_id, now))) return;
    const buttonFlow = reply ? await startButtonFlow(trx, deps, row, reply) : { handled: false as const };
    if (buttonFlow.handled) return void (afterCommit = buttonFlow.after);
    const flow = await handleInboundWithFlows(trx, deps, row, { liveSession: Boolean(claimed.live_session) });
    if (flow.handled) return void (afterCommit = flow.after);
    // The AI assistant (draft or auto) calls its provider after the commit: the message is kept whatever it does.
    const ai = aiModeFrom(deps, claimed.ai_conversation, claimed.ai_channel);
    if (ai.mode !== 'off' && row.kind === 'text') {
      afterCommit = () => replyWithAssistant(deps, row);
      if (ai.mode === 'auto') return; // the assistant answers, not the demo bot
    }
    if (!deps.config.demoBot || !isInboundKind(row.kind)) return;
    const decision = runBotFlow(demoFlow, { kind: row.kind, text: row.text, contactName: row.profile_name });
    if (!decision) return;
    await queueOutbound(trx, deps.jobs, {
      conversationId: row.conversation_id,
      channelId: row.channel_id,
      content: decision.content,
      author: `bot:${demoFlow.id}`,
      now,
    });
  });
  await afterCommit?.();
  // After the flow's HTTP call, as when each reply had its own job behind this one on the queue.
  // The last reply: sendOutbound sends every earlier unsent one of the conversation first.
  const last = sends.at(-1);
  if (!last) return false;
  await sendOutbound(deps, { messageId: last });
  return true;
}
