import { jsonObject } from '../auth/body-fields.ts';
import { HttpError } from '../core/http-error.ts';
import type { ConversationStatus } from './conversation-store.ts';

const STATUSES: readonly ConversationStatus[] = ['active', 'archived', 'closed'];

/** `PATCH /api/v1/conversations/:id` body: `status` and/or `snoozed_until` (future ISO time or null). */
export function parseStatusPatch(body: unknown, now: number): { status?: ConversationStatus; snoozedUntil?: number | null } {
  const b = jsonObject(body, ['status', 'snoozed_until']);
  const out: { status?: ConversationStatus; snoozedUntil?: number | null } = {};
  if (b.status !== undefined) {
    const status = STATUSES.find((s) => s === b.status);
    if (status === undefined) throw new HttpError(422, 'invalid_status', '"status" must be active, archived or closed.', { field: 'status' });
    out.status = status;
  }
  if (b.snoozed_until !== undefined) {
    if (b.snoozed_until === null) out.snoozedUntil = null;
    else {
      const at = typeof b.snoozed_until === 'string' ? Date.parse(b.snoozed_until) : NaN;
      if (!Number.isFinite(at) || at <= now) throw new HttpError(422, 'invalid_snoozed_until', '"snoozed_until" must be an ISO 8601 time in the future, or null.', { field: 'snoozed_until' });
      out.snoozedUntil = at;
    }
  }
  if (out.status === undefined && out.snoozedUntil === undefined) throw new HttpError(422, 'nothing_to_change', 'Send "status" and/or "snoozed_until".');
  return out;
}
