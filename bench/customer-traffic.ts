import type { Simulator } from '../src/simulator/index.ts';
import type { SimOutbound } from '../src/simulator/types.ts';
import { hiResClock } from './clock.ts';
import { round, Samples, summarize, type LatencySummary } from './stats.ts';

export interface TrafficResult {
  ratePerSecond: number;
  seconds: number;
  /** Messages the schedule called for (rate x duration). */
  scheduled: number;
  /** Messages the customers sent (the schedule's count unless the driver fell behind its time bound). */
  sent: number;
  sendErrors: number;
  replied: number;
  /** No echo reply seen within the grace period after the last send. */
  missing: number;
  /** Replies that came later than `deadlineMs` after their send. */
  late: number;
  /** Send start -> the echo reply accepted by the simulator (its outbound `acceptedAt`), ms. */
  reply: LatencySummary;
  /** Send start -> the simulator's webhook POST answered by Switchboard, ms (sendText resolving). */
  webhookAck: LatencySummary;
  /** How far the sender ran behind its schedule at worst, ms: large values mean the driver was the limit. */
  maxScheduleLagMs: number;
}

const ECHO = 'You said: ';

/**
 * Open-loop customer traffic through the simulator: `ratePerSecond` messages per second for
 * `durationSeconds`, each from a different new customer (so no conversation queue or per-pair
 * limit is shared), fired on a fixed schedule without waiting for earlier ones. Each demo-bot
 * echo ("You said: <text>") is matched back to its send by its unique text.
 */
export async function runCustomerTraffic(opts: {
  sim: Simulator;
  ratePerSecond: number;
  durationSeconds: number;
  /** Three digits that make this run's customers' wa_ids distinct from every other run's. */
  areaCode: string;
  label: string;
  graceMs: number;
  deadlineMs: number;
}): Promise<TrafficResult> {
  const { sim, ratePerSecond, durationSeconds } = opts;
  const now = hiResClock.now;
  const total = Math.round(ratePerSecond * durationSeconds);
  const intervalMs = 1000 / ratePerSecond;
  const pending = new Map<string, number>(); // text -> send start
  const replies = new Samples(total);
  const acks = new Samples(total);
  let late = 0;
  let sendErrors = 0;
  let observing = true;

  // One long-lived observer: waitForOutbound calls the predicate on every new outbound message,
  // which is where we take the reply's acceptedAt. Returning true (after we are done) detaches it.
  const observeMs = durationSeconds * 1000 + opts.graceMs + 30_000;
  const observer = sim
    .waitForOutbound((m: SimOutbound) => {
      if (!observing) return true;
      const text = m.text;
      if (text === undefined || !text.startsWith(ECHO)) return false;
      const key = text.slice(ECHO.length);
      const t0 = pending.get(key);
      if (t0 === undefined) return false;
      pending.delete(key);
      const ms = m.acceptedAt - t0;
      replies.add(ms);
      if (ms > opts.deadlineMs) late++;
      return false;
    }, observeMs)
    .catch(() => undefined);

  const start = now();
  const hardStop = start + durationSeconds * 1000 + 5_000;
  let next = 0;
  let maxLag = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const t = now();
      while (next < total && start + next * intervalMs <= t) {
        if (t > hardStop) break;
        maxLag = Math.max(maxLag, t - (start + next * intervalMs));
        const i = next++;
        const waId = `1${opts.areaCode}${String(i).padStart(7, '0')}`;
        const text = `${opts.label} ${i}`;
        const t0 = now();
        pending.set(text, t0);
        sim
          .customer(waId, `Bench ${i}`)
          .sendText(text)
          .then(
            () => acks.add(now() - t0),
            () => sendErrors++,
          );
      }
      if (next >= total || t > hardStop) resolve();
      else setTimeout(tick, 1);
    };
    tick();
  });
  const sent = next;
  const lastSend = now();

  // Bounded wait for the stragglers.
  while (pending.size > 0 && now() - lastSend < opts.graceMs) await new Promise((r) => setTimeout(r, 10));
  observing = false;
  void observer;
  return {
    ratePerSecond,
    seconds: round((lastSend - start) / 1000, 2),
    scheduled: total,
    sent,
    sendErrors,
    replied: replies.values().length,
    missing: pending.size,
    late,
    reply: summarize(replies.values()),
    webhookAck: summarize(acks.values()),
    maxScheduleLagMs: round(maxLag, 1),
  };
}
