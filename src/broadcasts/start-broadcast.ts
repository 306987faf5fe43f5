import { rateCardFor } from '../costs/rate-card.ts';
import type { Deps } from '../deps.ts';
import { enqueueJob } from '../jobs/job-definition.ts';
import { JOBS } from '../jobs/job-catalog.ts';
import type { Executor } from '../storage/executor.ts';
import { emitBroadcastState } from './broadcast-events.ts';
import { addTallies } from './broadcast-tallies.ts';
import { getBroadcast, insertRecipients, moveBroadcast, type BroadcastRow, type BroadcastState } from './broadcast-store.ts';
import { planBroadcast, refuse, templateSendable, type BroadcastRefusal } from './create-broadcast.ts';
import { scheduleTime } from './schedule-time.ts';

export type StartOutcome = { ok: true; broadcast: BroadcastRow } | BroadcastRefusal;

/** The next tick of a running (or scheduled) broadcast, on its own serial queue. */
export async function enqueueRun(db: Executor, deps: Pick<Deps, 'jobs'>, broadcastId: string, runAt?: number): Promise<void> {
  await enqueueJob(
    db,
    deps.jobs,
    JOBS.broadcastRun,
    { broadcastId },
    { queue: `broadcast:${broadcastId}`, ...(runAt !== undefined ? { runAt } : {}) },
  );
}

/**
 * Starts a draft now, or schedules it (`at`, with `time_zone` for a wall-clock time). Either way
 * every recipient's parameters are checked first and any error refuses it (`broadcast_invalid`,
 * listing them). Starting freezes the recipients: a contact added to the audience later is not
 * included. A scheduled broadcast freezes when its time comes (broadcast.run).
 */
export async function startBroadcast(deps: Deps, id: string, when: { at?: string; time_zone?: string }): Promise<StartOutcome> {
  const now = deps.clock.now();
  let at: number | undefined;
  if (when.at !== undefined) {
    const t = scheduleTime(when.at, when.time_zone);
    if (!t.ok) return refuse('invalid_schedule', t.message, { field: 'at' });
    if (t.at > now) at = t.at;
  }
  const planned = await planBroadcast(deps, id);
  if (!planned.ok) return planned;
  if (planned.broadcast.state !== 'draft')
    return refuse('broadcast_state', `Broadcast ${id} is ${planned.broadcast.state}; only a draft can be started or scheduled.`, {
      state: planned.broadcast.state,
    });
  const unsendable = templateSendable(planned.template);
  if (unsendable) return unsendable;
  if (planned.plan.error_count > 0) return invalid(planned.plan.error_count, planned.plan.errors);
  if (at !== undefined) {
    const scheduledAt = at;
    const moved = await deps.storage.db.transaction().execute(async (trx) => {
      if (
        !(await moveBroadcast(trx, id, ['draft'], 'scheduled', {
          scheduled_at: scheduledAt,
          time_zone: when.time_zone ?? null,
          updated_at: now,
        }))
      )
        return false;
      await enqueueRun(trx, deps, id, scheduledAt);
      return true;
    });
    if (!moved) return refuse('broadcast_state', `Broadcast ${id} changed meanwhile; fetch it again.`);
    deps.jobs.wake();
    return current(deps, id);
  }
  return freezeAndRun(deps, id, ['draft']);
}

/**
 * Freezes the recipients as the audience is now, checks them, and moves the broadcast from one of
 * `from` to running, in one transaction (so two starts, or a start and a scheduled tick, freeze
 * once). Emits broadcast.started and queues its first tick.
 */
export async function freezeAndRun(deps: Deps, id: string, from: readonly BroadcastState[]): Promise<StartOutcome> {
  const planned = await planBroadcast(deps, id);
  if (!planned.ok) return planned;
  const unsendable = templateSendable(planned.template);
  if (unsendable) return unsendable;
  const { plan } = planned;
  if (plan.error_count > 0) return invalid(plan.error_count, plan.errors);
  const now = deps.clock.now();
  const moved = await deps.storage.db.transaction().execute(async (trx) => {
    const patch = { excluded: JSON.stringify(plan.excluded), started_at: now, updated_at: now, state_reason: null };
    if (!(await moveBroadcast(trx, id, from, 'running', patch))) return false;
    await insertRecipients(
      trx,
      plan.recipients.map((r, i) => ({
        broadcast_id: id,
        seq: i + 1,
        contact_id: r.contact_id,
        address: r.address,
        components: JSON.stringify(r.components),
        rendered: r.rendered,
        price_estimate: r.price_estimate,
        state: 'pending',
        error_code: null,
        error_message: null,
        message_id: null,
        queued_at: null,
      })),
    );
    // The counters start here: every recipient pending, and the estimate beside the cost to come.
    const estimate = plan.recipients.reduce((sum, r) => sum + r.price_estimate, 0);
    await addTallies(trx, id, [
      { key: 'pending', n: plan.recipients.length },
      { key: 'estimate', n: plan.recipients.length, amount: estimate },
      { key: `currency:${rateCardFor(deps.config).currency}`, n: 1 },
    ]);
    await emitBroadcastState(trx, deps.jobs, 'broadcast.started', { broadcastId: id, now });
    await enqueueRun(trx, deps, id);
    return true;
  });
  if (!moved) return refuse('broadcast_state', `Broadcast ${id} changed meanwhile; fetch it again.`);
  deps.jobs.wake();
  return current(deps, id);
}

function invalid(count: number, errors: unknown[]): BroadcastRefusal {
  return refuse(
    'broadcast_invalid',
    `${count} recipient${count === 1 ? "'s" : "s'"} parameters do not fit the template; fix the audience or the parameters, then start again.`,
    {
      error_count: count,
      errors,
    },
  );
}

async function current(deps: Deps, id: string): Promise<StartOutcome> {
  const b = await getBroadcast(deps.storage.db, id);
  return b ? { ok: true, broadcast: b } : refuse('broadcast_not_found', `No broadcast ${id}.`);
}
