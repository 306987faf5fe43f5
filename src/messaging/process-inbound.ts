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
import { aiModeOf } from '../ai/ai-modes.ts';
import { replyWithAssistant } from '../ai/auto-reply.ts';
import { noteBroadcastReply, startButtonFlow } from '../broadcasts/broadcast-replies.ts';

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

// Hot path (every message): prebuilt SQL.
const SELECT_TARGET = rawQuery(`select "seq", "sort_at", "conversation_id", "status" from "messages" where "id" = ?`);
const SELECT_WAITING = rawQuery(
  `select m."id", m."kind", m."text", m."conversation_id", m."channel_id", coalesce(ct."name", ct."profile_name", ct."username") as "profile_name", ct."id" as "contact_id", ct."blocked"
   from "messages" m join "conversations" c on c."id" = m."conversation_id" join "contacts" ct on ct."id" = c."contact_id"
   where m."conversation_id" = ? and m."direction" = 'in' and m."status" = 'received'
   and (m."sort_at" < ? or (m."sort_at" = ? and m."seq" <= ?)) order by m."sort_at", m."seq"`,
);
const MARK_PROCESSED = rawQuery(
  `update "messages" set "status" = 'processed', "status_at" = ? where "id" = ? and "status" = 'received' returning "id"`,
);

/**
 * Job `message.process`: runs on the conversation's serial queue at the end of its message's
 * reorder window (INBOUND_REORDER_WINDOW_MS after we received it). Order comes from our own data:
 * before its message, a job handles every message of the conversation still waiting that the
 * customer sent earlier (by `sort_at`, the send time, then `seq`, the arrival order), including
 * those Meta delivered after it within the window; so neither shuffled webhooks nor a job the
 * engine retried later, or ran out of turn, can reorder them.
 * Each message is screened (blocked contact, opt-out keyword), then offered to the flow engine,
 * and only then to the demo bot.
 */
export async function processInbound(deps: Deps, payload: { messageId: string }): Promise<void> {
  const { db } = deps.storage;
  const [target] = await runRaw<{ seq: number; sort_at: number; conversation_id: string; status: string }>(db, SELECT_TARGET, [
    payload.messageId,
  ]);
  if (target?.status !== 'received') return; // redelivered job after a crash, or handled before it by an earlier job: done
  const rows = await runRaw<WaitingMessage>(db, SELECT_WAITING, [target.conversation_id, target.sort_at, target.sort_at, target.seq]);
  for (const row of rows) await handleOne(deps, row);
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

async function handleOne(deps: Deps, row: WaitingMessage): Promise<void> {
  const now = deps.clock.now();
  let afterCommit: (() => Promise<void>) | undefined; // a flow's HTTP call: never inside this transaction
  await deps.storage.db.transaction().execute(async (trx) => {
    // The status guard makes a concurrent or repeated run of the same message a no-op.
    const claimed = await runRaw(trx, MARK_PROCESSED, [now, row.id]);
    if (claimed.length === 0) return;
    inboundReceived.inc();
    // A reply to a broadcast is marked and counted whoever answers it (broadcasts/broadcast-replies.ts).
    const reply = await noteBroadcastReply(trx, row, now);
    if (await screenInbound(trx, deps, row, now)) return; // blocked contact, or an opt-out keyword (confirmed to the customer)
    // A human has the conversation: no automated responder (flows, demo bot, AI) answers.
    if (await isBotPaused(trx, deps, row.conversation_id, now)) return;
    const buttonFlow = reply ? await startButtonFlow(trx, deps, row, reply) : { handled: false as const };
    if (buttonFlow.handled) return void (afterCommit = buttonFlow.after);
    const flow = await handleInboundWithFlows(trx, deps, row);
    if (flow.handled) return void (afterCommit = flow.after);
    // The AI assistant (draft or auto) calls its provider after the commit: the message is kept whatever it does.
    const ai = await aiModeOf(trx, deps, { id: row.conversation_id, channelId: row.channel_id });
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
}
