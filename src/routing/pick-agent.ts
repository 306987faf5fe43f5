/** An agent routing may consider: already known to be online and able to take this queue. */
export interface Candidate {
  userId: string;
  /** Max open conversations; null: no limit. */
  capacity: number | null;
  /** Non-closed conversations assigned to them now. */
  open: number;
  /** When routing (or a person) last gave them a conversation; null: never. */
  lastAssignedAt: number | null;
}

export interface Assignment {
  conversationId: string;
  userId: string;
  /** Stored as the agent's new last_assigned_at: strictly after every candidate's, so the rotation holds. */
  stamp: number;
}

export function hasRoom(c: Candidate): boolean {
  return c.capacity === null || c.open < c.capacity;
}

/** Round robin: among agents with room, the least recently assigned (never assigned first; ties by id). */
export function pickAgent(candidates: readonly Candidate[]): Candidate | undefined {
  let best: Candidate | undefined;
  for (const c of candidates) {
    if (!hasRoom(c)) continue;
    if (!best || before(c, best)) best = c;
  }
  return best;
}

function before(a: Candidate, b: Candidate): boolean {
  if (a.lastAssignedAt !== b.lastAssignedAt) {
    if (a.lastAssignedAt === null) return true;
    if (b.lastAssignedAt === null) return false;
    return a.lastAssignedAt < b.lastAssignedAt;
  }
  return a.userId < b.userId;
}

/**
 * Assigns waiting conversations (given oldest first) one by one to the agent `pickAgent` chooses,
 * counting each assignment against that agent's room; stops when nobody has room (the rest keep
 * waiting, in order). Stamps increase from max(now, newest stamp + 1), so several assignments in
 * one millisecond still rotate, and a later drain continues the rotation.
 */
export function planAssignments(waiting: readonly string[], candidates: readonly Candidate[], now: number): Assignment[] {
  const pool = candidates.map((c) => ({ ...c }));
  let stamp = Math.max(now, ...pool.map((c) => (c.lastAssignedAt ?? 0) + 1));
  const out: Assignment[] = [];
  for (const conversationId of waiting) {
    const agent = pickAgent(pool);
    if (!agent) break;
    out.push({ conversationId, userId: agent.userId, stamp });
    agent.open++;
    agent.lastAssignedAt = stamp++;
  }
  return out;
}
