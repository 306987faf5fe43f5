import type { TimestampAnomaly } from '../conversations/message-store.ts';

/** A customer's phone clock, or Meta's, may run a little ahead of ours; more than this is not a clock. */
export const MAX_FUTURE_SKEW_MS = 5 * 60_000;
/** WhatsApp did not exist before 2009: an earlier send time is not a real one. */
export const EARLIEST_SENT_AT = Date.UTC(2009, 0, 1);
/** Meta's `timestamp` is whole seconds: the message was sent somewhere in that second. */
const SECOND_MS = 1000;

export interface SentTime {
  /** The customer's send time we keep (`sent_at`): Meta's, or the receive time when Meta's is absurd. */
  sentAt: number;
  /** Where the message sorts among the conversation's messages (ours are sorted by their own time). */
  sortAt: number;
  /** What the 24-hour window and the response clock start from: never later than we received it. */
  windowAt: number;
  anomaly: TimestampAnomaly | null;
}

/**
 * Checks a message's WhatsApp `timestamp` (Unix seconds, as a string) against the time we received
 * it. Absent or not a positive number: `invalid`; before 2009: `past`; more than five minutes
 * after we received it: `future`. Each anomaly keeps the message with the receive time instead,
 * so one absurd value can neither break the API (a date past year 275760 has no ISO form) nor hold
 * the 24-hour window open for centuries.
 *
 * The sort time places the message within its second (Meta only says which second) by when it
 * reached us: a message cannot have been sent after we received it, so a reply we sent earlier in
 * that second sorts before it, while messages of different seconds keep the customer's order
 * however late or shuffled they were delivered.
 */
export function checkSentTime(timestamp: unknown, receivedAt: number): SentTime {
  const ms = secondsToMs(timestamp);
  let anomaly: TimestampAnomaly | null = null;
  if (ms === undefined) anomaly = 'invalid';
  else if (ms < EARLIEST_SENT_AT) anomaly = 'past';
  else if (ms > receivedAt + MAX_FUTURE_SKEW_MS) anomaly = 'future';
  if (ms === undefined || anomaly !== null) return { sentAt: receivedAt, sortAt: receivedAt, windowAt: receivedAt, anomaly };
  return { sentAt: ms, sortAt: Math.min(Math.max(receivedAt, ms), ms + SECOND_MS - 1), windowAt: Math.min(ms, receivedAt), anomaly: null };
}

function secondsToMs(v: unknown): number | undefined {
  if (typeof v !== 'string' && typeof v !== 'number') return undefined;
  if (typeof v === 'string' && v.trim() === '') return undefined;
  const n = Number(v);
  return Number.isFinite(n) && n > 0 ? Math.floor(n * 1000) : undefined;
}

/** A status callback's time, checked the same way: an absurd one (before 2009, or far ahead of us) becomes the receive time. */
export function checkStatusTime(at: number, receivedAt: number): number {
  return at < EARLIEST_SENT_AT || at > receivedAt + MAX_FUTURE_SKEW_MS ? receivedAt : at;
}
