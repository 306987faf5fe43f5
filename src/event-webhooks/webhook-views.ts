import type { AttemptRow, DeliveryRow } from './delivery-store.ts';
import { parseEvents, type SubscriptionRow } from './subscription-store.ts';

/** API shape of a subscription. The secret is shown in full only in the creation response. */
export function subscriptionView(s: SubscriptionRow, opts: { revealSecret?: boolean } = {}) {
  return {
    id: s.id,
    url: s.url,
    events: parseEvents(s.events),
    description: s.description,
    active: s.active === 1,
    max_concurrency: s.max_concurrency,
    secret: opts.revealSecret ? s.secret : maskSecret(s.secret),
    created_at: iso(s.created_at),
    updated_at: iso(s.updated_at),
  };
}

export function maskSecret(secret: string): string {
  return `****${secret.slice(-4)}`;
}

export function deliveryView(d: DeliveryRow, attempts: AttemptRow[]) {
  return {
    id: d.id,
    subscription_id: d.subscription_id,
    event: { id: d.event_id, type: d.event_type },
    status: d.status,
    attempts: d.attempts,
    next_attempt_at: d.status === 'pending' ? iso(d.next_attempt_at) : null,
    last_attempt_at: iso(d.last_attempt_at),
    last_status_code: d.last_status_code,
    last_error: d.last_error,
    replay_of: d.replay_of,
    created_at: iso(d.created_at),
    completed_at: iso(d.completed_at),
    attempt_log: attempts.map((a) => ({
      attempt: a.attempt,
      url: a.url,
      started_at: iso(a.started_at),
      duration_ms: a.duration_ms,
      status_code: a.status_code,
      error: a.error,
      response_excerpt: a.response_excerpt,
    })),
  };
}

function iso(ms: number): string;
function iso(ms: number | null): string | null;
function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}
