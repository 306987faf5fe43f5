import { HttpError } from '../core/http-error.ts';
import { isBsuid } from '../core/whatsapp-ids.ts';

/** For routes only (an HTTP-input check): how a `bsuid` request field is checked and refused. */

export const BSUID_MESSAGE =
  '"bsuid" must be a WhatsApp business-scoped user ID as webhooks give it: a two-letter country code, ".", then up to 128 letters and digits, like US.13491208655302741918.';

/** A `bsuid` request field: Meta's BSUID format (`US.13491208655302741918`), else 422 invalid_bsuid. */
export function bsuidField(v: unknown): string {
  if (!isBsuid(v)) throw new HttpError(422, 'invalid_bsuid', BSUID_MESSAGE, { field: 'bsuid' });
  return v;
}
