import type { Executor } from '../storage/executor.ts';
import { recipientCounts, type BroadcastRow, type RecipientStatus } from './broadcast-store.ts';
import type { Excluded } from './plan-recipients.ts';

export interface BroadcastView {
  id: string;
  name: string;
  channel_id: string;
  template_id: string;
  audience_id: string;
  parameters: unknown;
  state: string;
  state_reason: string | null;
  opt_in_override: { reason: string } | null;
  rate_per_second: number;
  scheduled_at: string | null;
  time_zone: string | null;
  excluded: Excluded | null;
  created_at: string;
  updated_at: string;
  started_at: string | null;
  ended_at: string | null;
  /** Live: recipients per funnel status (only once frozen at start). */
  counts: Record<RecipientStatus, number> & { total: number };
  /** Cumulative funnel: a read message was also sent and delivered. */
  funnel: { recipients: number; sent: number; delivered: number; read: number; failed: number };
}

const iso = (ms: number | null) => (ms === null ? null : new Date(Number(ms)).toISOString());

export async function broadcastView(db: Executor, b: BroadcastRow): Promise<BroadcastView> {
  const c = await recipientCounts(db, b.id);
  const total = Object.values(c).reduce((a, n) => a + n, 0);
  const excluded: unknown = b.excluded ? JSON.parse(b.excluded) : null;
  return {
    id: b.id,
    name: b.name,
    channel_id: b.channel_id,
    template_id: b.template_id,
    audience_id: b.audience_id,
    parameters: JSON.parse(b.parameters),
    state: b.state,
    state_reason: b.state_reason,
    opt_in_override: b.opt_in_override_reason === null ? null : { reason: b.opt_in_override_reason },
    rate_per_second: Number(b.rate_per_second),
    scheduled_at: iso(b.scheduled_at),
    time_zone: b.time_zone,
    excluded: isExcluded(excluded) ? excluded : null,
    created_at: iso(b.created_at) ?? '',
    updated_at: iso(b.updated_at) ?? '',
    started_at: iso(b.started_at),
    ended_at: iso(b.ended_at),
    counts: { ...c, total },
    funnel: { recipients: total, sent: c.sent + c.delivered + c.read, delivered: c.delivered + c.read, read: c.read, failed: c.failed },
  };
}

function isExcluded(v: unknown): v is Excluded {
  return typeof v === 'object' && v !== null && 'not_opted_in' in v && 'opted_out' in v && 'blocked' in v;
}
