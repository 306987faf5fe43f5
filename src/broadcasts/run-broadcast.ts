import { rateCardFor } from '../costs/rate-card.ts';
import type { Deps } from '../deps.ts';
import { openConversation } from '../messaging/open-conversation.ts';
import { queueOutbound } from '../messaging/queue-outbound.ts';
import { getTemplate } from '../templates/template-store.ts';
import { emitBroadcastState, emitRecipientFailed } from './broadcast-events.ts';
import {
  getBroadcast,
  holdRunning,
  markFailed,
  markQueued,
  moveBroadcast,
  newlyFailed,
  outstanding,
  pendingRecipients,
  recentlyMessaged,
  type BroadcastRow,
  type RecipientRow,
} from './broadcast-store.ts';
import { enqueueRun, freezeAndRun } from './start-broadcast.ts';

/** Meta's pair rate: one message per 6 s from a number to the same customer. */
export const PAIR_INTERVAL_MS = 6000;
/** How long after completing a broadcast late failures (status callbacks) are still announced. */
export const FAILURE_WATCH_MS = 10 * 60_000;
const TICK_MS = 1000;

class AlreadyQueued extends Error {}
class NotRunning extends Error {}

/**
 * Job `broadcast.run`, one tick on the broadcast's own serial queue. A scheduled broadcast whose
 * time came freezes and starts (or fails, saying why). A running one pauses itself when its
 * template is no longer APPROVED; otherwise it hands up to its rate (capped by the number's
 * configured messages per second) of pending recipients to the outbound queue, skipping for now a
 * customer sent anything in the last 6 s, and comes back a second later.
 *
 * Exactly once: a recipient becomes `queued` in the same transaction that records its outbound
 * message, and only from `pending`; from there the outbound path (intent before the Graph call,
 * unconfirmed sends reconciled, never resent) owns it. A crash between ticks, a second worker or a
 * pause/resume finds the recipient queued and never queues it again.
 */
export async function runBroadcast(deps: Deps, payload: { broadcastId: string }): Promise<void> {
  const db = deps.storage.db;
  const id = payload.broadcastId;
  const b = await getBroadcast(db, id);
  if (!b) return;
  const now = deps.clock.now();
  if (b.state === 'scheduled') {
    if (b.scheduled_at !== null && Number(b.scheduled_at) > now) return enqueueRun(db, deps, id, Number(b.scheduled_at));
    const started = await freezeAndRun(deps, id, ['scheduled']);
    if (!started.ok && started.reason !== 'broadcast_state') await failBroadcast(deps, id, `${started.reason}: ${started.message}`);
    return;
  }
  if (b.state === 'completed') {
    await sweepFailures(deps, id);
    if (b.ended_at !== null && now < Number(b.ended_at) + FAILURE_WATCH_MS) await enqueueRun(db, deps, id, now + 60_000);
    return;
  }
  if (b.state !== 'running') return;
  const template = await getTemplate(db, b.template_id);
  if (template?.status !== 'APPROVED') {
    const status = template?.status ?? 'DELETED';
    const reason = `template_${status.toLowerCase()}: template ${template?.name ?? b.template_id} is ${status}; resume when it is APPROVED again.`;
    await db.transaction().execute(async (trx) => {
      if (await moveBroadcast(trx, id, ['running'], 'paused', { state_reason: reason, updated_at: now }))
        await emitBroadcastState(trx, deps.jobs, 'broadcast.paused', { broadcastId: id, now });
    });
    deps.jobs.wake();
    return;
  }
  const channel = deps.channels.byId(b.channel_id);
  if (!channel) return failBroadcast(deps, id, `channel_not_found: the number ${b.channel_id} is no longer configured.`);
  const rate = Math.max(1, Math.min(Number(b.rate_per_second), channel.throughput.limit));
  const batch = await pendingRecipients(db, id, rate);
  const recent = await recentlyMessaged(
    db,
    batch.map((r) => r.contact_id),
    now - PAIR_INTERVAL_MS,
  );
  for (const r of batch) {
    if (recent.has(r.contact_id)) continue; // its turn comes in a later tick
    if (!(await queueRecipient(deps, b, { name: template.name, language: template.language }, r))) return; // paused or cancelled meanwhile
  }
  deps.jobs.wake();
  await sweepFailures(deps, id);
  const left = await outstanding(db, id);
  if (left.pending === 0 && left.inFlight === 0) {
    const end = deps.clock.now();
    await db.transaction().execute(async (trx) => {
      if (!(await moveBroadcast(trx, id, ['running'], 'completed', { ended_at: end, updated_at: end }))) return;
      await emitBroadcastState(trx, deps.jobs, 'broadcast.completed', { broadcastId: id, now: end });
      await enqueueRun(trx, deps, id, end + 60_000); // late failures (status callbacks) are still announced
    });
    deps.jobs.wake();
    return;
  }
  await enqueueRun(db, deps, id, now + TICK_MS);
}

/** Hands one recipient to the outbound queue; false when the broadcast stopped running. */
async function queueRecipient(deps: Deps, b: BroadcastRow, tpl: { name: string; language: string }, r: RecipientRow): Promise<boolean> {
  const now = deps.clock.now();
  const card = rateCardFor(deps.config);
  const components: unknown = JSON.parse(r.components);
  try {
    await deps.storage.db.transaction().execute(async (trx) => {
      // Paused or cancelled meanwhile: nothing more is handed out.
      if (!(await holdRunning(trx, b.id))) throw new NotRunning();
      const conv = await openConversation(trx, { channelId: b.channel_id, contactId: r.contact_id, now }, deps.jobs);
      const m = await queueOutbound(trx, deps.jobs, {
        conversationId: conv.id,
        channelId: b.channel_id,
        content: { type: 'template', name: tpl.name, language: tpl.language, components: Array.isArray(components) ? components : [] },
        author: `broadcast:${b.id}`,
        now,
      });
      await trx
        .updateTable('messages')
        .set({
          text: r.rendered,
          template_name: tpl.name,
          price_estimate: Number(r.price_estimate),
          currency: card.currency,
          opt_in_override_reason: b.opt_in_override_reason,
        })
        .where('id', '=', m.id)
        .execute();
      // Only from pending: if another tick got here first, this transaction (and its message) is undone.
      if (!(await markQueued(trx, b.id, r.contact_id, m.id, now))) throw new AlreadyQueued();
    });
    return true;
  } catch (err) {
    if (err instanceof AlreadyQueued) return true;
    if (err instanceof NotRunning) return false;
    throw err;
  }
}

/** Recipients whose message failed for good: marked failed with the code, and announced once. */
async function sweepFailures(deps: Deps, id: string): Promise<void> {
  const failed = await newlyFailed(deps.storage.db, id);
  if (failed.length === 0) return;
  const now = deps.clock.now();
  await deps.storage.db.transaction().execute(async (trx) => {
    for (const f of failed) {
      if (await markFailed(trx, id, f.contact_id, f.error_code, f.error_message))
        await emitRecipientFailed(trx, deps.jobs, {
          broadcastId: id,
          contactId: f.contact_id,
          messageId: f.message_id,
          code: f.error_code,
          message: f.error_message,
          now,
        });
    }
  });
  deps.jobs.wake();
}

async function failBroadcast(deps: Deps, id: string, reason: string): Promise<void> {
  const now = deps.clock.now();
  await deps.storage.db.transaction().execute(async (trx) => {
    if (await moveBroadcast(trx, id, ['scheduled', 'running'], 'failed', { state_reason: reason, ended_at: now, updated_at: now }))
      await emitBroadcastState(trx, deps.jobs, 'broadcast.failed', { broadcastId: id, now });
  });
  deps.jobs.wake();
  deps.logger.warn({ broadcast: id, reason }, 'broadcast failed');
}
