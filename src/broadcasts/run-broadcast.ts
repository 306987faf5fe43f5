import { rateCardFor } from '../costs/rate-card.ts';
import type { OutboundContent } from '../channels/channel-types.ts';
import type { Deps } from '../deps.ts';
import { broadcastContent } from './create-broadcast.ts';
import { openConversation } from '../messaging/open-conversation.ts';
import { queueOutbound } from '../messaging/queue-outbound.ts';
import { getTemplate } from '../templates/template-store.ts';
import { emitBroadcastState } from './broadcast-events.ts';
import {
  getBroadcast,
  holdRunning,
  markQueued,
  moveBroadcast,
  pendingRecipients,
  recentlyMessaged,
  type BroadcastRow,
  type RecipientRow,
} from './broadcast-store.ts';
import { addTallies, inFlight, tally } from './broadcast-tallies.ts';
import { customerWindow } from '../conversations/customer-window.ts';
import { getTier, reachedAlready, reachInWindow, recordReach, windowOpen } from './messaging-tier.ts';
import { syncInFlight } from './recipient-funnel.ts';
import { enqueueRun, freezeAndRun } from './start-broadcast.ts';

const TICK_MS = 1000;
/** Recipients per hand-out transaction: short enough that a status callback or a pause never waits long for the write lock. */
const HANDOUT_CHUNK = 100;
/** While the messaging tier is full, how often a tick looks again (a raised tier is picked up by then). */
const TIER_RECHECK_MS = 60_000;

/** What a broadcast sends: a template (WhatsApp), or a text (a channel without templates: Telegram). */
type Sendable = { template: { name: string; language: string } } | { text: string };
/** A channel without Meta's messaging tier (Telegram): no cap on the customers reached. */
const noTier = () => ({ limit: null, count: 0, room: Number.POSITIVE_INFINITY, reached: new Set<string>(), nextFreeAt: null });

/** A recipient's message: the template with its checked components, or the text rendered for them. */
function contentOf(what: Sendable, r: RecipientRow): OutboundContent {
  if ('text' in what) return { type: 'text', text: r.rendered };
  const components: unknown = JSON.parse(r.components);
  return { type: 'template', ...what.template, components: Array.isArray(components) ? components : [] };
}

class AlreadyQueued extends Error {}
class NotRunning extends Error {}

/**
 * Job `broadcast.run`, one tick on the broadcast's own serial queue. A scheduled broadcast whose
 * time came freezes and starts (or fails, saying why). A running one pauses itself when its
 * template is no longer APPROVED; otherwise it hands up to its rate (capped by the number's
 * configured messages per second) of pending recipients to the outbound queue, skipping for now a
 * customer sent anything in the channel's customer gap (Meta's pair rate, 6 s; Telegram, 1 s per
 * chat), and comes back a second later. A text broadcast (a Telegram bot) sends each recipient its
 * rendered text instead of a template, and has no template to check nor messaging tier. Within the number's
 * messaging tier (messaging-tier.ts): over it, the rest waits (`waiting_reason`) until the oldest
 * customer of the rolling 24 h frees a place. Its counters (broadcast-tallies.ts) say when it is
 * done: nothing pending, nothing handed out still unsettled.
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
  // Late failures (status callbacks after completion) are applied as they arrive (recipient-funnel.ts).
  if (b.state !== 'running') return;
  const { text } = broadcastContent(b);
  const template = text === null ? await getTemplate(db, b.template_id) : null;
  if (text === null && template?.status !== 'APPROVED') {
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
  const caps = channel.adapter.capabilities;
  // At the number's limit its send window (RateWindow: never more than the limit in any second)
  // sets the pace, so a tick tops the handed-out backlog up to two seconds' worth: a tick that
  // runs late (the job engine busy with the sends) then never leaves the window idle. Below the
  // limit the tick is the pace: at most rate_per_second hand-outs a second.
  const size = rate >= channel.throughput.limit ? rate + Math.max(0, rate - (await inFlight(db, id))) : rate;
  // The next batch by the (broadcast_id, state, seq) index: only pending recipients are read.
  const batch = await pendingRecipients(db, id, size);
  const recent = await recentlyMessaged(
    db,
    batch.map((r) => r.contact_id),
    now - caps.customerGapMs,
  );
  const tier = caps.messagingTier ? await tierRoom(deps, b, batch, now) : noTier();
  // Who goes this tick, in order: a customer sent anything within the channel's customer gap (6 s
  // on WhatsApp) waits for a later tick;
  // over the messaging tier the rest waits for the window to free places.
  const going: RecipientRow[] = [];
  let heldByPairRate = false;
  let room = tier.room;
  for (const r of batch) {
    if (recent.has(r.contact_id)) {
      heldByPairRate = true;
      continue;
    }
    const free = tier.reached.has(r.contact_id);
    if (!free && room <= 0) break;
    if (!free) room--;
    going.push(r);
  }
  tier.room = room;
  let handed = 0;
  const what: Sendable = template ? { template: { name: template.name, language: template.language } } : { text: text ?? '' };
  for (let i = 0; i < going.length; i += HANDOUT_CHUNK) {
    const outcome = await handOut(deps, b, what, going.slice(i, i + HANDOUT_CHUNK), caps.messagingTier);
    if (outcome === 'stopped') return; // paused or cancelled meanwhile
    handed += outcome;
    deps.jobs.wake(); // this chunk's sends may start while the next one is handed out
  }
  await syncInFlight(db, deps.jobs, id, deps.clock.now());
  const pending = await tally(db, id, 'pending');
  if (pending === 0 && (await inFlight(db, id)) === 0) {
    const end = deps.clock.now();
    await db.transaction().execute(async (trx) => {
      if (
        !(await moveBroadcast(trx, id, ['running'], 'completed', {
          ended_at: end,
          updated_at: end,
          waiting_reason: null,
          waiting_until: null,
        }))
      )
        return;
      await emitBroadcastState(trx, deps.jobs, 'broadcast.completed', { broadcastId: id, now: end });
    });
    deps.jobs.wake();
    return;
  }
  if (pending > 0 && handed === 0 && tier.room <= 0 && tier.nextFreeAt !== null) {
    // Over the messaging tier: nothing goes until the oldest customer of the window frees a place.
    const until = tier.nextFreeAt;
    const reason = `messaging_tier: this number reached ${tier.count} unique customers in the last 24 h (its tier is ${tier.limit}); the next place frees at ${new Date(until).toISOString()}.`;
    if (b.waiting_reason !== reason)
      await db
        .updateTable('broadcasts')
        .set({ waiting_reason: reason, waiting_until: until })
        .where('id', '=', id)
        .where('state', '=', 'running')
        .execute();
    // A customer held back by the pair rate (one that takes no place) may go next second.
    await enqueueRun(db, deps, id, Math.min(until, now + (heldByPairRate ? TICK_MS : TIER_RECHECK_MS)));
    return;
  }
  if (b.waiting_reason !== null && handed > 0)
    await db.updateTable('broadcasts').set({ waiting_reason: null, waiting_until: null }).where('id', '=', id).execute();
  await enqueueRun(db, deps, id, now + TICK_MS);
}

/**
 * The messaging tier's room this tick: places left in the number's rolling 24 h, and the batch's
 * customers who take no new place (already counted in it, or their service window is open).
 */
async function tierRoom(
  deps: Deps,
  b: BroadcastRow,
  batch: readonly RecipientRow[],
  now: number,
): Promise<{ limit: number | null; count: number; room: number; reached: Set<string>; nextFreeAt: number | null }> {
  const db = deps.storage.db;
  const limit = await getTier(db, b.channel_id);
  if (limit === null) return { limit, count: 0, room: Number.POSITIVE_INFINITY, reached: new Set(), nextFreeAt: null };
  const { count, nextFreeAt } = await reachInWindow(db, b.channel_id, now);
  const ids = batch.map((r) => r.contact_id);
  const reached = await reachedAlready(db, b.channel_id, ids, now);
  for (const open of await windowOpen(db, b.channel_id, ids, now)) reached.add(open);
  return { limit, count, room: limit - count, reached, nextFreeAt };
}

/**
 * Hands a chunk of recipients to the outbound queue in one transaction (profiled: a transaction
 * per recipient, with its broadcast-row hold and commit, was most of a hand-out's cost). Each
 * recipient still becomes `queued` in the transaction that records its message, and only from
 * `pending`; one that is not pending any more undoes the whole chunk (its messages too), which the
 * next tick reads again. `stopped` when the broadcast stopped running, else how many were handed.
 */
async function handOut(
  deps: Deps,
  b: BroadcastRow,
  what: Sendable,
  chunk: readonly RecipientRow[],
  countsReach: boolean,
): Promise<number | 'stopped'> {
  const now = deps.clock.now();
  const card = rateCardFor(deps.config);
  try {
    const handed = await deps.storage.db.transaction().execute(async (trx) => {
      // Paused or cancelled meanwhile: nothing more is handed out. Held to the commit, so ticks never overlap.
      if (!(await holdRunning(trx, b.id))) throw new NotRunning();
      for (const r of chunk) {
        const conv = await openConversation(trx, { channelId: b.channel_id, contactId: r.contact_id, now }, deps.jobs);
        const m = await queueOutbound(trx, deps.jobs, {
          conversationId: conv.id,
          channelId: b.channel_id,
          content: contentOf(what, r),
          author: `broadcast:${b.id}`,
          now,
          annotations: {
            text: r.rendered,
            templateName: 'template' in what ? what.template.name : null,
            priceEstimate: 'template' in what ? Number(r.price_estimate) : null,
            currency: 'template' in what ? card.currency : null,
            optInOverrideReason: b.opt_in_override_reason,
          },
        });
        // Only from pending: if another tick got here first, this chunk (and its messages) is undone.
        if (!(await markQueued(trx, b.id, r.contact_id, m.id, now))) throw new AlreadyQueued();
        // Meta's messaging limit counts customers reached outside their customer service window.
        if (countsReach && !customerWindow(conv.last_customer_message_at, now).open)
          await recordReach(trx, b.channel_id, r.contact_id, now);
      }
      await addTallies(trx, b.id, [{ key: 'pending', n: -chunk.length }]); // queued is counted by index (broadcast-tallies.ts)
      return chunk.length;
    });
    return handed;
  } catch (err) {
    if (err instanceof AlreadyQueued) return 0;
    if (err instanceof NotRunning) return 'stopped';
    throw err;
  }
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
