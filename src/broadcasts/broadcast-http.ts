import { HttpError } from '../core/http-error.ts';
import type { BroadcastRefusalReason } from './create-broadcast.ts';
import type { ImportOutcome } from './import-audience-csv.ts';

type ImportReason = Extract<ImportOutcome, { ok: false }>['reason'];

/** reason -> HTTP status (the code is the reason), for the broadcasts and audiences routes only. */
const STATUS: Record<BroadcastRefusalReason | ImportReason, number> = {
  channel_not_found: 404,
  no_channel: 409,
  template_not_found: 404,
  audience_not_found: 404,
  flow_not_found: 422,
  broadcast_not_found: 404,
  opt_in_override_not_allowed: 422,
  template_not_approved: 422,
  template_paused: 422,
  template_disabled: 422,
  broadcast_invalid: 422,
  broadcast_state: 409,
  invalid_schedule: 422,
  template_required: 422,
  template_not_on_channel: 422,
  text_not_on_channel: 422,
  invalid_text: 422,
  test_contact_required: 422,
  contact_not_on_channel: 422,
  contact_blocked_bot: 422,
  invalid_csv: 422,
  phone_column_missing: 422,
  invalid_country: 422,
  csv_too_large: 413,
};

export function broadcastHttpError(r: {
  reason: BroadcastRefusalReason | ImportReason;
  message: string;
  details?: Record<string, unknown>;
}): HttpError {
  return new HttpError(STATUS[r.reason], r.reason, r.message, r.details);
}
