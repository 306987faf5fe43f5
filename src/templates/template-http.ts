import { HttpError } from '../core/http-error.ts';
import type { ParameterReason } from './parameter-values.ts';
import type { TemplateSendBody, TemplateSendReason, TemplateSendRefusal } from './send-template.ts';
import { isRecord } from './lint-text.ts';

/**
 * The HTTP side of the templates module, for routes only: how each refusal of a template use case
 * reads over HTTP (status and code; the refusal's message and details go out as they are), and the
 * hand-written body check of routes that do not declare a schema yet (POST /api/v1/conversations).
 */

const PARAMETER_REASONS: Record<ParameterReason, number> = {
  template_params_invalid: 422,
  template_param_unexpected: 422,
  template_param_missing: 422,
  template_param_type: 422,
  template_param_too_long: 422,
  template_param_invalid: 422,
};

/** reason -> HTTP status; the code is the reason. */
const STATUS: Record<
  | TemplateSendReason
  | 'business_account_missing'
  | 'template_exists'
  | 'template_already_submitted'
  | 'template_lint_failed'
  | 'not_a_template',
  number
> = {
  ...PARAMETER_REASONS,
  template_not_found: 404,
  template_paused: 422,
  template_disabled: 422,
  template_not_approved: 422,
  opt_in_required: 422,
  conversation_not_found: 404,
  conversation_closed: 409,
  channel_not_found: 404,
  no_channel: 409,
  contact_not_found: 404,
  invalid_phone: 422,
  invalid_bsuid: 422,
  conversation_hidden: 403,
  recipient_required: 400,
  business_account_missing: 409,
  template_exists: 409,
  template_already_submitted: 409,
  template_lint_failed: 422,
  not_a_template: 400,
};

/** Codes that differ from their reason. */
const CODE: Partial<Record<keyof typeof STATUS, string>> = { not_a_template: 'bad_request' };

export type TemplateReason = keyof typeof STATUS;

/** A template use case's refusal as the HTTP error the routes answer with. */
export function templateHttpError(r: { reason: TemplateReason; message: string; details?: Record<string, unknown> }): HttpError {
  return new HttpError(STATUS[r.reason], CODE[r.reason] ?? r.reason, r.message, r.details);
}

/** A refused template send, over HTTP (POST /api/v1/conversations with `template` uses it too). */
export function templateSendError(r: TemplateSendRefusal): HttpError {
  return templateHttpError(r);
}

/** The fields of a template send's body (POST /api/v1/conversations with `template`); others are refused. */
export const TEMPLATE_SEND_FIELDS: readonly string[] = ['template', 'language', 'parameters', 'override_opt_in'];

/**
 * Reads a request body into a TemplateSendBody, for a route without a declared schema; 400 with the
 * field at fault otherwise. Routes that declare theirs use TemplateSendFields (template-schemas.ts).
 */
export function parseTemplateSendBody(raw: unknown): TemplateSendBody {
  if (!isRecord(raw)) throw new HttpError(400, 'bad_request', 'The body must be a JSON object.');
  if (typeof raw.template !== 'string' || raw.template.trim() === '')
    throw new HttpError(400, 'template_required', 'template (a template id or name) is required.');
  if (raw.language !== undefined && typeof raw.language !== 'string')
    throw new HttpError(400, 'bad_request', 'language must be a string such as es_MX.');
  const out: TemplateSendBody = { template: raw.template.trim(), parameters: raw.parameters };
  if (typeof raw.language === 'string') out.language = raw.language;
  if (raw.override_opt_in !== undefined && raw.override_opt_in !== null) {
    const o = raw.override_opt_in;
    if (!isRecord(o) || typeof o.reason !== 'string' || o.reason.trim().length < 3 || o.reason.length > 500) {
      throw new HttpError(400, 'override_reason_required', OVERRIDE_MESSAGE);
    }
    out.override_opt_in = { reason: o.reason.trim() };
  }
  return out;
}

export const OVERRIDE_MESSAGE =
  'override_opt_in must be {"reason": "..."} with a reason of 3 to 500 characters; it is recorded on the message.';

/** `override_opt_in` of a route that declares its schema, as the send takes it: the reason trimmed, at least 3 characters (the schema checked the rest). */
export function overrideOf(o: { reason: string } | null | undefined): { override_opt_in?: { reason: string } } {
  if (o === undefined || o === null) return {};
  if (o.reason.trim().length < 3)
    throw new HttpError(400, 'override_reason_required', OVERRIDE_MESSAGE, { field: 'override_opt_in.reason' });
  return { override_opt_in: { reason: o.reason.trim() } };
}
