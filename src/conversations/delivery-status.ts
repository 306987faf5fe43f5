/** Outbound lifecycle. Before the Graph API accepts a message it is ours; after, Meta's statuses. */
export type OutboundStatus = 'queued' | 'sending' | 'unconfirmed' | 'accepted' | 'sent' | 'delivered' | 'read' | 'played' | 'failed';

const rank: Record<OutboundStatus, number> = {
  queued: 0,
  sending: 0,
  unconfirmed: 0,
  accepted: 1,
  sent: 2,
  delivered: 3,
  read: 4,
  played: 5,
  failed: 6,
};

export function isOutboundStatus(s: string): s is OutboundStatus {
  return s in rank;
}

/**
 * Statuses arrive in any order and more than once; a message only moves forward.
 * `failed` is terminal (it keeps its error), but never overrides a message already delivered or
 * read: on multi-device a late failure for one device does not undo the customer having read it.
 */
/**
 * The current statuses that keep a message from moving to `incoming` (not `failed`) by
 * shouldApplyStatus's rule: the same rank or later, and failed. Six, repeated to fill, for one statement text.
 */
export function statusesBlocking(incoming: 'sent' | 'delivered' | 'read' | 'played'): string[] {
  const out: string[] = (Object.keys(rank) as OutboundStatus[]).filter((s) => s === 'failed' || rank[s] >= rank[incoming]);
  while (out.length < 6) out.push('failed');
  return out;
}

export function shouldApplyStatus(current: string, incoming: OutboundStatus): boolean {
  if (!isOutboundStatus(current)) return true;
  if (current === 'failed') return false;
  if (incoming === 'failed') return rank[current] < rank.delivered;
  return rank[incoming] > rank[current];
}
