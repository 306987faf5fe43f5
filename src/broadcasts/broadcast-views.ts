import type { Executor } from '../storage/executor.ts';
import { RECIPIENT_STATUSES, recipientStatus, type BroadcastRow, type RecipientStatus } from './broadcast-store.ts';
import { readCounts } from './broadcast-tallies.ts';
import type { Excluded } from './plan-recipients.ts';
import { broadcastContent } from './create-broadcast.ts';

export interface BroadcastView {
  id: string;
  name: string;
  channel_id: string;
  /** null: a text broadcast (a channel without templates). */
  template_id: string | null;
  text: string | null;
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
  funnel: {
    recipients: number;
    sent: number;
    delivered: number;
    read: number;
    replied: number;
    failed: number;
    failed_by_code: Record<string, number>;
    buttons: Array<{ button: string; presses: number }>;
  };
  rates: { sent: number; delivered: number; read: number; replied: number; failed: number };
  cost: { currency: string; estimate: number; recorded: number; priced_messages: number };
  waiting: { reason: string; until: string | null } | null;
  button_flows: Record<string, string> | null;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(Number(ms)).toISOString());

const rate = (n: number, total: number) => (total === 0 ? 0 : Math.round((n / total) * 10_000) / 10_000);

/** The broadcast as the API shows it; its live counts come from its counters (broadcast-tallies.ts), not from its recipients. */
export async function broadcastView(db: Executor, b: BroadcastRow): Promise<BroadcastView> {
  const { tallies: t, inFlight } = await readCounts(db, b.id);
  const c = Object.fromEntries(RECIPIENT_STATUSES.map((s) => [s, Math.max(0, t.get(s)?.n ?? 0)])) as Record<RecipientStatus, number>;
  // In flight: where their messages are now (a message Graph accepted counts as sent before its callback).
  for (const f of inFlight) c[recipientStatus('queued', f.status)] += f.n;
  const total = Object.values(c).reduce((a, n) => a + n, 0);
  const failedByCode: Record<string, number> = {};
  const buttons: Array<{ button: string; presses: number }> = [];
  let currency = 'USD';
  for (const [key, v] of t) {
    if (key.startsWith('code:')) failedByCode[key.slice(5)] = v.n;
    else if (key.startsWith('button:')) buttons.push({ button: key.slice(7), presses: v.n });
    else if (key.startsWith('currency:')) currency = key.slice(9);
  }
  buttons.sort((x, y) => y.presses - x.presses || (x.button < y.button ? -1 : 1));
  const funnel = {
    recipients: total,
    sent: c.sent + c.delivered + c.read,
    delivered: c.delivered + c.read,
    read: c.read,
    replied: t.get('replied')?.n ?? 0,
    failed: c.failed,
    failed_by_code: failedByCode,
    buttons,
  };
  const flows: unknown = b.button_flows ? JSON.parse(b.button_flows) : null;
  const excluded: unknown = b.excluded ? JSON.parse(b.excluded) : null;
  const { spec, text } = broadcastContent(b);
  return {
    id: b.id,
    name: b.name,
    channel_id: b.channel_id,
    template_id: text === null ? b.template_id : null,
    text,
    audience_id: b.audience_id,
    parameters: spec,
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
    funnel,
    rates: {
      sent: rate(funnel.sent, total),
      delivered: rate(funnel.delivered, total),
      read: rate(funnel.read, total),
      replied: rate(funnel.replied, total),
      failed: rate(funnel.failed, total),
    },
    cost: {
      currency,
      estimate: round(t.get('estimate')?.amount ?? 0),
      recorded: round(t.get('cost')?.amount ?? 0),
      priced_messages: t.get('cost')?.n ?? 0,
    },
    waiting: b.state === 'running' && b.waiting_reason ? { reason: b.waiting_reason, until: iso(b.waiting_until) } : null,
    button_flows: isStringRecord(flows) ? flows : null,
  };
}

const round = (n: number) => Math.round(n * 1e6) / 1e6;

function isStringRecord(v: unknown): v is Record<string, string> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every((x) => typeof x === 'string');
}

function isExcluded(v: unknown): v is Excluded {
  return typeof v === 'object' && v !== null && 'not_opted_in' in v && 'opted_out' in v && 'blocked' in v;
}
