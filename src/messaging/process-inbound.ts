import type { InboundKind } from '../channels/channel-types.ts';
import { demoFlow } from '../bot/demo-flow.ts';
import { runBotFlow } from '../bot/run-bot-flow.ts';
import type { Deps } from '../deps.ts';
import { queueOutbound } from './queue-outbound.ts';

const inboundKinds = new Set<string>(['text', 'image', 'audio', 'video', 'document', 'sticker', 'location', 'contacts', 'interactive_reply', 'button', 'reaction', 'order', 'system', 'request_welcome', 'edit', 'revoke', 'unsupported']);
function isInboundKind(k: string): k is InboundKind {
  return inboundKinds.has(k);
}

/**
 * Job `message.process`: runs on the conversation's serial queue, so one conversation's messages
 * are handled in the order they were received. Today it runs the demo bot; the flow engine will
 * take its place.
 */
export async function processInbound(deps: Deps, payload: { messageId: string }): Promise<void> {
  const { db } = deps.storage;
  const row = await db
    .selectFrom('messages as m')
    .innerJoin('conversations as c', 'c.id', 'm.conversation_id')
    .innerJoin('contacts as ct', 'ct.id', 'c.contact_id')
    .select(['m.id', 'm.kind', 'm.text', 'm.status', 'm.conversation_id', 'm.channel_id', 'm.external_id', 'ct.profile_name'])
    .where('m.id', '=', payload.messageId)
    .executeTakeFirst();
  if (!row || row.status === 'processed') return; // redelivered job after a crash: done already
  const now = deps.clock.now();
  await db.transaction().execute(async (trx) => {
    await trx.updateTable('messages').set({ status: 'processed', status_at: now }).where('id', '=', row.id).execute();
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
  deps.jobs.wake();
}
