import type { Deps } from '../deps.ts';
import type { Executor } from '../storage/executor.ts';
import { emitBroadcastState } from './broadcast-events.ts';
import { getBroadcast, moveBroadcast, type BroadcastRow, type BroadcastState } from './broadcast-store.ts';
import { refuse, type BroadcastRefusal } from './create-broadcast.ts';
import { enqueueRun, freezeAndRun } from './start-broadcast.ts';

type Outcome = { ok: true; broadcast: BroadcastRow } | BroadcastRefusal;

/** Stops handing out recipients; messages already queued still go (they are in the outbound queue, sent once). */
export async function pauseBroadcast(deps: Deps, id: string, reason: string): Promise<Outcome> {
  return move(deps, id, ['running', 'scheduled'], 'paused', reason, async (trx, now) =>
    emitBroadcastState(trx, deps.jobs, 'broadcast.paused', { broadcastId: id, now }),
  );
}

/**
 * Goes on from where it paused: only recipients not yet handed to the outbound queue are sent.
 * One paused before it ever started freezes its recipients now.
 */
export async function resumeBroadcast(deps: Deps, id: string): Promise<Outcome> {
  const b = await getBroadcast(deps.storage.db, id);
  if (!b) return refuse('broadcast_not_found', `No broadcast ${id}.`);
  if (b.state !== 'paused')
    return refuse('broadcast_state', `Broadcast ${id} is ${b.state}; only a paused broadcast can be resumed.`, { state: b.state });
  if (b.started_at === null) {
    const now = deps.clock.now();
    if (b.scheduled_at !== null && b.scheduled_at > now)
      return move(deps, id, ['paused'], 'scheduled', null, async (trx) => enqueueRun(trx, deps, id, Number(b.scheduled_at)));
    return freezeAndRun(deps, id, ['paused']);
  }
  return move(deps, id, ['paused'], 'running', null, async (trx) => enqueueRun(trx, deps, id));
}

/** Ends it for good: recipients not yet queued are never sent (they stay `pending`). */
export async function cancelBroadcast(deps: Deps, id: string): Promise<Outcome> {
  return move(deps, id, ['draft', 'scheduled', 'running', 'paused'], 'cancelled', null, async () => undefined, true);
}

async function move(
  deps: Deps,
  id: string,
  from: readonly BroadcastState[],
  to: BroadcastState,
  reason: string | null,
  then: (trx: Executor, now: number) => Promise<void>,
  ends = false,
): Promise<Outcome> {
  const db = deps.storage.db;
  const now = deps.clock.now();
  const moved = await db.transaction().execute(async (trx) => {
    if (!(await moveBroadcast(trx, id, from, to, { state_reason: reason, updated_at: now, ...(ends ? { ended_at: now } : {}) })))
      return false;
    await then(trx, now);
    return true;
  });
  const b = await getBroadcast(db, id);
  if (!b) return refuse('broadcast_not_found', `No broadcast ${id}.`);
  if (!moved)
    return refuse('broadcast_state', `Broadcast ${id} is ${b.state}; it cannot become ${to} (from ${from.join(', ')} only).`, {
      state: b.state,
    });
  deps.jobs.wake();
  return { ok: true, broadcast: b };
}
